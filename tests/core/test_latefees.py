"""Late fees: the published worked examples, the half-year split, partial payments, and properties."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunner.core.errors import BadInput
from dunner.core.latefees import Instalment, compute_claim, interest_periods, round_interest
from dunner.core.law import LAWS, MissingRate, load_jurisdiction
from dunner.core.money import Money


def flat(rate):
    return lambda _half_year: (Decimal(rate), None)


def test_uk_gov_worked_example():
    """gov.uk: £1,000 owed, base rate 0.5%: 8.5% a year is £85, 23p a day, £11.50 after 50 days.

    gov.uk rounds the daily interest to the penny first; dunner's default rounds once at the end (£11.64),
    and `[law] rounding = "daily"` reproduces gov.uk's figure.
    """
    debt = [Instalment(Money(100000, "GBP"), date(2025, 1, 1), ())]
    as_of = date(2025, 1, 1) + timedelta(days=50)
    assert compute_claim(debt, as_of, flat("8.5"), None).interest == Money(1164, "GBP")
    assert compute_claim(debt, as_of, flat("8.5"), None, daily_rounding=True).interest == Money(1150, "GBP")


def test_uk_fixed_compensation_bands():
    uk = LAWS["uk"]
    assert [uk.indemnity_for(Decimal(x)) for x in ("999.99", "1000", "9999.99", "10000")] == [
        Decimal(40),
        Decimal(70),
        Decimal(70),
        Decimal(100),
    ]


def test_french_formula_examples():
    """Montant impayé x taux x jours de retard / 365 (Bpifrance); 15 000 EUR, 15 %, 30 days = 184,93 EUR."""
    debt = [Instalment(Money(1500000, "EUR"), date(2025, 3, 1), ())]
    claim = compute_claim(debt, date(2025, 3, 31), flat("15"), Money(4000, "EUR"))
    assert (claim.principal, claim.interest, claim.indemnity) == (
        Money(1500000, "EUR"),
        Money(18493, "EUR"),
        Money(4000, "EUR"),
    )
    assert claim.total == Money(1522493, "EUR")
    small = [Instalment(Money(100000, "EUR"), date(2025, 3, 1), ())]
    assert compute_claim(small, date(2025, 3, 31), flat("14.5"), None).interest == Money(1192, "EUR")


def test_fr_b2b_uses_the_ecb_rate_of_each_half_year_plus_ten_points():
    """1,000 EUR due 15 Dec 2024, claimed 14 Jan 2025: 16 days at 4.25+10 %, then 14 days at 3.15+10 %."""
    laws = load_jurisdiction({})
    law = laws.law("fr-b2b")
    assert laws.rate_for(law, date(2024, 7, 1)) == (Decimal("14.25"), None)
    assert laws.rate_for(law, date(2025, 1, 1)) == (Decimal("13.15"), None)
    debt = [Instalment(Money(100000, "EUR"), date(2024, 12, 15), ())]
    claim = compute_claim(debt, date(2025, 1, 14), lambda h: laws.rate_for(law, h), Money(4000, "EUR"))
    assert [(p.start, p.end, p.days, p.rate) for p in claim.periods] == [
        (date(2024, 12, 16), date(2024, 12, 31), 16, Decimal("14.25")),
        (date(2025, 1, 1), date(2025, 1, 14), 14, Decimal("13.15")),
    ]
    # 1000 x (0.1425 x 16 + 0.1315 x 14) / 365 = 11.2904..., rounded once at the end
    assert claim.interest == Money(1129, "EUR")


@pytest.mark.parametrize(
    ("law", "half_year", "rate"),
    [
        ("fr-b2b", date(2023, 1, 1), "12.50"),
        ("fr-b2b", date(2023, 7, 1), "14.00"),
        ("fr-b2b", date(2024, 1, 1), "14.50"),
        ("fr-b2b", date(2025, 7, 1), "12.15"),
        ("fr-b2b", date(2026, 1, 1), "12.15"),
        ("fr-b2c", date(2025, 1, 1), "3.71"),
        ("fr-b2c", date(2026, 1, 1), "2.62"),
        # UK: the base rate on 31 December / 30 June before the half-year, plus 8
        ("uk", date(2023, 1, 1), "11.50"),
        ("uk", date(2023, 7, 1), "13.00"),
        ("uk", date(2024, 7, 1), "13.25"),
        ("uk", date(2025, 1, 1), "12.75"),
        ("uk", date(2025, 7, 1), "12.25"),
        ("uk", date(2026, 1, 1), "11.75"),
        ("uk", date(2026, 7, 1), "11.75"),
        ("de-b2b", date(2023, 7, 1), "12.12"),
        ("de-b2b", date(2025, 7, 1), "10.27"),
        ("de-b2c", date(2025, 7, 1), "6.27"),
    ],
)
def test_shipped_rates(law, half_year, rate):
    laws = load_jurisdiction({})
    assert laws.rate_for(laws.law(law), half_year)[0] == Decimal(rate)


def test_every_half_year_2023_to_2026_is_shipped():
    """Known values for every half-year; those from a single unofficial source say so."""
    laws = load_jurisdiction({})
    for name in ("fr-b2b", "uk", "de-b2b"):
        for year in (2023, 2024, 2025, 2026):
            for month in (1, 7):
                rate, warning = laws.rate_for(laws.law(name), date(year, month, 1))
                assert rate > 0
                assert warning is None or "provisional" in warning
    assert laws.rate_for(laws.law("fr-b2b"), date(2026, 7, 1))[1] is not None  # the June 2026 ECB rise


def test_a_missing_rate_is_an_error_naming_the_config_line():
    laws = load_jurisdiction({})
    with pytest.raises(MissingRate) as err:
        laws.rate_for(laws.law("fr-b2b"), date(2027, 1, 1))
    assert '[law.rates.ecb] "2027-01-01" = "RATE"' in err.value.hint
    extended = load_jurisdiction({"rates": {"ecb": {"2027-01-01": "2.65"}}})
    assert extended.rate_for(extended.law("fr-b2b"), date(2027, 1, 1)) == (Decimal("12.65"), None)
    confirmed = load_jurisdiction({"rates": {"ecb": {"2026-06-17": 2.40}}})
    assert confirmed.rate_for(confirmed.law("fr-b2b"), date(2026, 7, 1)) == (Decimal("12.4"), None)


def test_contractual_rate_and_the_french_floor():
    ok = load_jurisdiction({"contractual_rate": "12"})
    assert ok.rate_for(ok.law("fr-b2b"), date(2025, 1, 1)) == (Decimal(12), None)
    low = load_jurisdiction({"contractual_rate": "9"})  # 3 x 3.71 = 11.13 in 2025 H1
    with pytest.raises(BadInput, match=r"below 3 times the legal interest rate \(11.13%"):
        low.rate_for(low.law("fr-b2b"), date(2025, 1, 1))
    assert low.rate_for(low.law("uk"), date(2025, 1, 1)) == (Decimal(9), None)  # no such floor in the UK


def test_custom_law_and_consumers():
    laws = load_jurisdiction(
        {"profile": "custom", "custom": {"rates": "ecb", "margin": "7", "indemnity": "25", "currency": "EUR"}}
    )
    custom = laws.law_for(None, "business")
    assert laws.rate_for(custom, date(2025, 1, 1))[0] == Decimal("10.15")
    assert custom.indemnity_for(Decimal(100)) == Decimal(25)
    french = load_jurisdiction({})
    assert french.law_for(None, "consumer").name == "fr-b2c"
    assert french.law_for(None, "consumer").indemnity == ()
    assert french.law_for("uk", "consumer").name == "uk"  # an explicit client law wins
    fixed = load_jurisdiction({"profile": "custom", "custom": {"fixed_rate": "5"}})
    assert fixed.rate_for(fixed.law("custom"), date(2031, 1, 1))[0] == Decimal(5)
    with pytest.raises(BadInput, match="unknown key 'margn'"):
        load_jurisdiction({"custom": {"margn": "7"}})


def test_partial_payments_lower_the_base_from_the_next_day():
    periods = interest_periods(
        Money(100000, "EUR"), date(2025, 1, 31), [(date(2025, 2, 10), 40000)], date(2025, 2, 20), lambda h: Decimal(10)
    )
    assert [(p.start, p.end, str(p.base)) for p in periods] == [
        (date(2025, 2, 1), date(2025, 2, 10), "1000.00"),
        (date(2025, 2, 11), date(2025, 2, 20), "600.00"),
    ]


def test_nothing_late_nothing_claimed():
    debt = [Instalment(Money(5000, "EUR"), date(2025, 1, 31), ((date(2025, 1, 31), 5000),))]
    claim = compute_claim(debt, date(2025, 6, 1), flat("12"), Money(4000, "EUR"))
    assert (claim.principal, claim.interest, claim.indemnity) == (Money.zero("EUR"),) * 3


def test_one_indemnity_per_invoice_whatever_its_instalments():
    debt = [
        Instalment(Money(5000, "EUR"), date(2025, 1, 31), ()),
        Instalment(Money(5000, "EUR"), date(2025, 2, 28), ()),
    ]
    claim = compute_claim(debt, date(2025, 3, 31), flat("12"), Money(4000, "EUR"))
    assert claim.indemnity == Money(4000, "EUR")
    assert claim.principal == Money(10000, "EUR")


amounts = st.integers(1, 10**9)


@given(
    amounts,
    st.dates(date(2023, 1, 1), date(2026, 6, 1)),
    st.integers(1, 900),
    st.lists(st.tuples(st.integers(1, 900), st.integers(1, 10**8)), max_size=5),
)
def test_interest_properties(minor, due, days, payments):
    """Periods tile the late days exactly; interest grows with time and never goes negative."""
    as_of = due + timedelta(days=days)
    paid = [(due + timedelta(days=d), c) for d, c in payments]
    periods = interest_periods(Money(minor, "EUR"), due, paid, as_of, lambda h: Decimal(12))
    covered = sum(p.days for p in periods)
    for a, b in itertools.pairwise(periods):
        assert b.start == a.end + timedelta(days=1)
        assert a.start.year == a.end.year and (a.start.month <= 6) == (a.end.month <= 6)
    if periods:
        assert periods[0].start == due + timedelta(days=1)
        assert covered <= days
    later = interest_periods(Money(minor, "EUR"), due, paid, as_of + timedelta(days=30), lambda h: Decimal(12))
    assert round_interest(later, "EUR").minor >= round_interest(periods, "EUR").minor >= 0


@given(amounts, st.integers(1, 400))
def test_no_payment_interest_equals_the_plain_formula(minor, days):
    """With one rate and no payment, the split by half-year changes nothing: amount x rate x days / 365."""
    due = date(2024, 11, 30)
    periods = interest_periods(Money(minor, "EUR"), due, [], due + timedelta(days=days), lambda h: Decimal("12.15"))
    expected = Decimal(minor) / 100 * Decimal("12.15") / 100 * days / 365
    assert round_interest(periods, "EUR").amount == expected.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@given(
    st.lists(
        st.tuples(st.integers(1, 10**8), st.integers(1, 200), st.sampled_from(["8.5", "12.15", "13.25"])),
        min_size=1,
        max_size=8,
    )
)
def test_period_lines_add_up_to_the_total(specs):
    """A letter's interest lines always add up to its total, each within a cent of its exact amount."""
    from dunner.core.latefees import Period, period_amounts

    start = date(2025, 1, 1)
    periods = [
        Period(start, start + timedelta(days=days - 1), Money(base, "EUR"), Decimal(rate)) for base, days, rate in specs
    ]
    total = round_interest(periods, "EUR")
    lines = period_amounts(periods, total)
    assert sum(line.minor for line in lines) == total.minor
    assert all(abs(line.amount - p.exact) < Decimal("0.01") for line, p in zip(lines, periods, strict=True))


def test_the_reviewers_letter_adds_up():
    """1000.03 EUR due 15 May 2024, 300 paid 20 Aug 2024, claimed 10 Feb 2025: the lines make the total."""
    laws = load_jurisdiction({})
    law = laws.law("fr-b2b")
    debt = [Instalment(Money(100003, "EUR"), date(2024, 5, 15), ((date(2024, 8, 20), 30000),))]
    claim = compute_claim(debt, date(2025, 2, 10), lambda h: laws.rate_for(law, h), None)
    assert sum(a.minor for a in claim.amounts) == claim.interest.minor == 8488
