from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunner.core.money import MAX_MINOR, Money, MoneyError, check_currency, minor_units, parse_amount
from dunner.edges.formatting import format_date, format_money

CURRENCIES = ["EUR", "GBP", "USD", "JPY", "KWD", "CHF"]


@given(st.integers(min_value=1, max_value=MAX_MINOR), st.sampled_from(CURRENCIES))
def test_machine_form_parses_back_exactly(minor, currency):
    money = Money(minor, currency)
    assert parse_amount(str(money), currency) == money


@given(st.integers(min_value=1, max_value=MAX_MINOR), st.sampled_from(CURRENCIES))
def test_decimal_comma_and_grouping_parse_the_same(minor, currency):
    money = Money(minor, currency)
    text = str(money)
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f") + (f",{frac}" if frac else "")
    assert parse_amount(text.replace(".", ","), currency) == money
    assert parse_amount(grouped, currency) == money


@given(st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR), st.sampled_from(CURRENCIES))
def test_amount_is_exact_decimal(minor, currency):
    money = Money(minor, currency)
    assert money.amount == Decimal(minor) / (10 ** minor_units(currency))
    assert str(money).count(".") == (1 if minor_units(currency) else 0)


@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(["EUR", "GBP", "JPY"]))
def test_human_form_keeps_every_minor_unit(minor, currency):
    text = format_money(Money(minor, currency), "fr_FR")
    digits = "".join(ch for ch in text if ch.isdigit())
    assert int(digits) == minor


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12,50", 1250),
        ("1 234,56", 123456),
        ("1\u00a0234.56", 123456),
        ("1 234,56 €", 123456),
        ("€12.00", 1200),
        ("12.00 EUR", 1200),
        ("+7", 700),
        (" 0.01 ", 1),
    ],
)
def test_accepted_forms(text, cents):
    assert parse_amount(text, "EUR") == Money(cents, "EUR")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("10.505", "has 3 decimals; EUR has 2"),
        ("1,234.56", "not an amount"),
        ("1.234,56", "not an amount"),
        ("12 34", "not an amount"),
        ("abc", "not an amount"),
        ("", "not an amount"),
        ("1e3", "not an amount"),
        ("NaN", "not an amount"),
        ("0", "is zero"),
        ("0.00", "is zero"),
        ("-5", "is negative"),
        ("£12", "is in GBP, not EUR"),
        ("10000000000000.01", "too large"),
    ],
)
def test_refused_forms(text, reason):
    with pytest.raises(MoneyError, match=reason.replace("(", r"\(")):
        parse_amount(text, "EUR")


def test_zero_decimal_currency_refuses_decimals():
    # "1.000" could be a thousand yen written the French way: refused, never guessed.
    with pytest.raises(MoneyError, match="JPY has 0"):
        parse_amount("1.000", "JPY")
    assert parse_amount("1000", "JPY") == Money(1000, "JPY")


def test_mixing_currencies_is_refused():
    with pytest.raises(MoneyError, match="cannot mix"):
        Money(1, "EUR") + Money(1, "GBP")
    assert Money(150, "EUR") - Money(50, "EUR") == Money(100, "EUR")


def test_currency_codes():
    assert check_currency("eur") == "EUR"
    for bad in ["EURO", "ZZZ", "XXX", "12"]:
        with pytest.raises(MoneyError):
            check_currency(bad)


def test_human_format_by_locale():
    assert format_money(Money(123456, "EUR"), "fr_FR") == "1\u202f234,56\u00a0€"
    assert format_money(Money(123456, "GBP"), "en_GB") == "£1,234.56"
    assert format_money(Money(1500, "JPY"), "en_GB") == "JP¥1,500"


def test_french_dates_write_the_first_of_the_month_as_an_ordinal():
    first, second = date(2026, 5, 1), date(2026, 5, 2)
    assert format_date(first, "fr_FR", "long") == "1er mai 2026"
    assert format_date(first, "fr_FR", "full") == "vendredi 1er mai 2026"
    assert format_date(first, "fr_CH", "medium") == "1er mai 2026"
    assert format_date(date(2026, 11, 1), "fr_FR", "medium") == "1er nov. 2026"
    assert format_date(second, "fr_FR", "long") == "2 mai 2026"
    assert format_date(date(2026, 5, 11), "fr_FR", "long") == "11 mai 2026"
    assert format_date(first, "fr_FR", "short") == "01/05/2026"  # figures only: no ordinal
    assert format_date(first, "en_GB", "long") == "1 May 2026"


@given(st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR), st.sampled_from([*CURRENCIES, "CLF", "XOF", "TND"]))
def test_the_machine_amount_from_cents_is_the_decimal_one(minor, currency):
    """Exports write amounts from integer cents (`machine_amount`): the same text as the Decimal's."""
    from dunner.core.money import machine_amount

    digits = minor_units(currency)
    assert machine_amount(minor, currency) == f"{Decimal(minor).scaleb(-digits):.{digits}f}"
    assert str(Money(minor, currency)) == machine_amount(minor, currency)
