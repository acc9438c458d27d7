"""Exact money: integer minor units with an ISO 4217 currency; `Decimal` at the edges, never float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from dunner.core.errors import BadInput
from dunner.core.numbers import SPACES as _SPACES
from dunner.core.numbers import decimals_of, read_number

# ISO 4217 minor units for the currencies that do not use two decimals.
_MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
        ],
        0,
    ),
    **dict.fromkeys(["XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
# Funds and precious metals codes babel knows but nobody invoices in.
_NOT_INVOICEABLE = frozenset(
    ["XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"]
)
# Symbols a spreadsheet may leave around an amount ("1 234,56 €"); accepted only for their currency.
_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "CHF": "CHF", "Fr.": "CHF"}

MAX_MINOR = 10**15  # a quadrillion cents: far beyond any invoice, far below SQLite's 64-bit limit


class MoneyError(BadInput):
    """An amount or currency that cannot be accepted."""


def minor_units(currency: str) -> int:
    """How many decimals the currency has (ISO 4217)."""
    return _MINOR_UNITS.get(currency, 2)


def minor_unit_groups() -> dict[int, list[str]]:
    """Currencies by their number of decimals; the usual two lists none (it is every other currency)."""
    groups: dict[int, list[str]] = {2: []}
    for code, digits in _MINOR_UNITS.items():
        groups.setdefault(digits, []).append(code)
    return groups


@cache
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies()) - _NOT_INVOICEABLE


def check_currency(code: str) -> str:
    """Return the ISO 4217 code in upper case, or raise if it is not a currency."""
    cur = code.strip().upper()
    if not _is_currency(cur):
        raise MoneyError(f"'{code}' is not an ISO 4217 currency code", hint="for example EUR, GBP, USD, CHF")
    return cur


@cache
def _is_currency(code: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{3}", code)) and code in _known_currencies()


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents) of one currency."""

    minor: int
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_units(self.currency))

    def __str__(self) -> str:
        """The machine form used in CSV and JSON: "1234.56", "-0.50", "1500" for JPY."""
        return machine_amount(self.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __bool__(self) -> bool:
        return self.minor != 0


def machine_amount(minor: int, currency: str) -> str:
    """`str(Money(minor, currency))` from the integer alone: "1234.56", "-0.50", "1500" for JPY (what
    exports write a million times, without a Decimal each)."""
    digits = _MINOR_UNITS.get(currency, 2)
    if digits == 2 and minor >= 100:  # most amounts: the digits of the cents, a point before the last two
        text = str(minor)
        return f"{text[:-2]}.{text[-2:]}"
    if not digits:
        return str(minor)
    whole, part = divmod(abs(minor), 10**digits)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{digits}d}"


def _strip_symbol(text: str, currency: str) -> str:
    """Drop a currency symbol or code around the number, if it is this currency's."""
    for mark, cur in [*_SYMBOLS.items(), (currency, currency)]:
        for stripped in (text.removesuffix(mark), text.removeprefix(mark)):
            if stripped != text:
                if cur != currency:
                    raise MoneyError(f"'{text}' is in {cur}, not {currency}")
                return stripped.strip(_SPACES)
    return text


def parse_amount(text: str, currency: str, *, allow_zero: bool = False, allow_negative: bool = False) -> Money:
    """Parse "1234.56", "1234,56" or "1 234,56 €" exactly; never round, never guess.

    One decimal mark (point or comma) at most; thousands may only be grouped with spaces, so
    "1,234.56" and "1.234,56" are refused rather than guessed. More decimals than the currency has
    is an error ("10.505" EUR), as are zero and negative amounts unless allowed.
    """
    raw = str(text).strip(_SPACES)
    # digits alone (what a CSV file mostly holds) can carry no currency mark: no need to look for one
    value = read_number(raw if raw[:1].isdigit() and raw[-1:].isdigit() else _strip_symbol(raw, currency))
    if not raw or value is None:
        raise MoneyError(f"'{text}' is not an amount", hint="write it like 1234.56 or 1234,56")
    digits = minor_units(currency)
    if decimals_of(value) > digits:
        raise MoneyError(f"'{text}' has {decimals_of(value)} decimals; {currency} has {digits}")
    minor = int(value.scaleb(digits))
    if minor > MAX_MINOR or minor < -MAX_MINOR:
        raise MoneyError(f"'{text}' is too large an amount")
    if minor < 0 and not allow_negative:
        raise MoneyError(f"'{text}' is negative; amounts must be positive")
    if minor == 0 and not allow_zero:
        raise MoneyError(f"'{text}' is zero; amounts must be positive")
    return Money(minor, currency)
