"""One strict reading of every number typed: amounts, quantities, rates, days (numbers.py)."""

from decimal import Decimal

import pytest

from dunner.core.buckets import Buckets
from dunner.core.errors import BadInput
from dunner.core.grades import load_grading
from dunner.core.invoicing import parse_quantity, parse_rate
from dunner.core.law import load_jurisdiction
from dunner.core.money import parse_amount
from dunner.core.policy import load_policy
from dunner.core.validate import whole_days

# What Decimal() or int() would read but a person never means: exponents, NaN, infinity, underscores,
# digits of other scripts, a decimal mark with nothing around it.
NOT_NUMBERS = ["1e3", "1E3", "2e1", "NaN", "nan", "sNaN", "Infinity", "-inf", "1_000", "١٠", "１０", ".5", "5.", "0x10"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_what_is_not_written_the_amount_way_is_not_a_number(text):
    with pytest.raises(BadInput, match=f"quantity '{text}' is not a number"):
        parse_quantity(text)
    with pytest.raises(BadInput, match="is not a VAT rate"):
        parse_rate(text)
    with pytest.raises(BadInput, match="is not an amount"):
        parse_amount(text, "EUR")
    with pytest.raises(BadInput, match="whole number of days"):
        whole_days(text)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_the_shared_reader_refuses_them(text):
    from dunner.core.numbers import read_number

    assert read_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", "12"), ("12.5", "12.5"), ("12,50", "12.50"), ("1 000", "1000"), ("1\u202f000,5", "1000.5"), ("-3", "-3")],
)
def test_numbers_written_the_amount_way(text, value):
    from dunner.core.numbers import parse_number, read_number

    assert str(read_number(text)) == value
    assert str(parse_number(text, "x", decimals=4)) == value


def test_each_field_states_its_decimals():
    assert parse_quantity("2,5") == Decimal("2.5")
    with pytest.raises(BadInput, match=r"quantity '0.00001' has 5 decimals; at most 4"):
        parse_quantity("0.00001")
    with pytest.raises(BadInput, match=r"VAT rate '5.12345' has 5 decimals; at most 4"):
        parse_rate("5.12345")
    assert parse_rate("5,5 %") == Decimal("5.5") and parse_rate("20") == Decimal(20)
    with pytest.raises(BadInput, match="whole number of days"):
        whole_days("30.0")
    assert whole_days("30") == 30 and whole_days(45) == 45


def test_config_numbers_follow_the_same_rules():
    from dunner.core.numbers import toml_number

    assert toml_number(12.5, "rate", decimals=4) == Decimal("12.5")
    assert toml_number(12, "rate", decimals=4) == Decimal(12)
    assert toml_number("12,5", "rate", decimals=4) == Decimal("12.5")
    for bad in (float("nan"), float("inf"), "1e1", "NaN", True, [1]):
        with pytest.raises(BadInput):
            toml_number(bad, "rate", decimals=4)


@pytest.mark.parametrize(
    "section",
    [
        {"contractual_rate": "1e1"},
        {"contractual_rate": float("nan")},
        {"rates": {"ecb": {"2026-07-01": "2e0"}}},
        {"rates": {"ecb": {"2026-07-01": float("inf")}}},
        {"custom": {"margin": "Infinity"}},
    ],
)
def test_law_rates_follow_the_amount_rules(section):
    with pytest.raises(BadInput, match="is not a number"):
        load_jurisdiction(section)


def test_rule_thresholds_and_grade_days_are_finite_plain_numbers():
    with pytest.raises(BadInput, match="min_amount: '1e3' is not an amount"):
        load_policy({"rules": [{"profile": "firm", "min_amount": "1e3"}]})
    with pytest.raises(BadInput, match="min_amount: 'inf' is not an amount"):
        load_policy({"rules": [{"profile": "firm", "min_amount": float("inf")}]})
    for value in (float("nan"), float("inf")):
        with pytest.raises(BadInput, match="avg_days_late: must be a number of days"):
            load_grading({"rules": [{"grade": "B", "avg_days_late": value}]})


def test_bucket_edges_are_plain_whole_numbers():
    assert Buckets.parse("30, 60,90").edges == (30, 60, 90)
    for bad in ("3_0,60", "3e1,60", "30.0,60"):
        with pytest.raises(BadInput, match="is not a list of days"):
            Buckets.parse(bad)


@pytest.mark.parametrize("text", ["1,000", "1.000", "12,345", "2,500"])
def test_a_quantity_that_reads_two_ways_is_refused(text):
    from dunner.core.invoicing import parse_quantity

    with pytest.raises(BadInput, match="ambiguous"):
        parse_quantity(text)
    assert parse_quantity("1 000") == 1000 and parse_quantity("0,125") == Decimal("0.125")
