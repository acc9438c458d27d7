"""Amounts and dates for people, in the reader's locale. CSV and JSON never come here."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from types import ModuleType

from dunner.core.money import Money


@cache
def _numbers() -> ModuleType:
    import babel.numbers

    return babel.numbers


def format_money(money: Money, locale: str) -> str:
    """'1 234,56 €' for fr_FR, '£1,234.56' for en_GB; never rounds away a minor unit."""
    numbers = _numbers()
    amount = money.amount
    shown = Decimal(1).scaleb(-numbers.get_currency_precision(money.currency))
    if amount == amount.quantize(shown):
        return numbers.format_currency(amount, money.currency, locale=locale)
    # CLDR shows fewer decimals than ISO 4217 for a few currencies: show the exact amount instead.
    return numbers.format_currency(
        amount, money.currency, locale=locale, currency_digits=False, decimal_quantization=False
    )


def format_date(value: date, locale: str, style: str = "medium") -> str:
    """'23 nov. 2026' (medium) or '23 novembre 2026' (long): unambiguous in every language.

    French writes the first of the month as an ordinal, '1er mai 2026', which CLDR leaves out."""
    from babel.dates import format_date as babel_format_date
    from babel.dates import get_date_format

    if value.day == 1 and locale.lower().startswith("fr") and style in ("medium", "long", "full"):
        pattern = re.sub(r"(?<![A-Za-z'])d(?![A-Za-z])", "d'er'", get_date_format(style, locale).pattern)
        return babel_format_date(value, format=pattern, locale=locale)
    return babel_format_date(value, format=style, locale=locale)
