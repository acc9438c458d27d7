"""Invoice arithmetic never loses or creates a cent: lines, VAT, splits, instalments, discounts, terms."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunner.core.errors import BadInput
from dunner.core.invoicing import (
    Line,
    discount_amount,
    equal_instalments,
    explicit_instalments,
    parse_line,
    split,
    totals,
)
from dunner.core.money import Money
from dunner.core.terms import due_date, end_of_month, latest_legal_due

RATES = [Decimal(r) for r in ("20", "10", "5.5", "2.1", "0")]
lines_st = st.lists(
    st.builds(
        Line,
        description=st.just("x"),
        quantity=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4),
        unit_price=st.integers(1, 10**7).map(lambda c: Money(c, "EUR")),
        vat_rate=st.sampled_from(RATES),
    ),
    min_size=1,
    max_size=12,
)


def cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(lines_st)
def test_totals_are_exact_and_vat_is_per_rate(lines):
    nets = [cents(line.quantity * line.unit_price.amount) for line in lines]
    if sum(nets) == 0:  # a tiny quantity of a cent: nothing to invoice
        with pytest.raises(BadInput, match="must be positive"):
            totals(lines, "EUR")
        return
    t = totals(lines, "EUR")
    assert t.net.minor == sum(nets)
    for v in t.by_rate:
        base = sum(n for n, line in zip(nets, lines, strict=True) if line.vat_rate == v.rate)
        assert v.base.minor == base
        assert v.vat.minor == cents(Decimal(base) / 100 * v.rate / 100)
    assert t.vat.minor == sum(v.vat.minor for v in t.by_rate)
    assert t.total.minor == t.net.minor + t.vat.minor


@given(st.integers(0, 10**10), st.lists(st.integers(1, 10**6), min_size=1, max_size=20))
def test_split_adds_up_and_is_fair(total, weights):
    parts = split(Money(total, "EUR"), weights)
    assert sum(p.minor for p in parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part.minor - total * weight / whole) < 1


@given(st.integers(1, 10**9), st.integers(1, 24), st.integers(1, 90))
def test_equal_instalments(total, count, every):
    if total < count:
        with pytest.raises(BadInput):
            equal_instalments(Money(total, "EUR"), date(2026, 1, 31), count, every)
        return
    plan = equal_instalments(Money(total, "EUR"), date(2026, 1, 31), count, every)
    amounts = [m.minor for _, m in plan]
    assert sum(amounts) == total and max(amounts) - min(amounts) <= 1
    assert [d for d, _ in plan] == [date(2026, 1, 31) + timedelta(days=every * i) for i in range(count)]


def test_explicit_schedule():
    plan = explicit_instalments(Money(100000, "EUR"), "2026-02-01=400, 2026-03-01=350,2026-04-01")
    assert [(str(d), str(m)) for d, m in plan] == [
        ("2026-02-01", "400.00"),
        ("2026-03-01", "350.00"),
        ("2026-04-01", "250.00"),
    ]
    for bad in ["2026-02-01=400,2026-01-01", "2026-02-01,2026-03-01=5", "2026-02-01=2000", "soon=4"]:
        with pytest.raises(BadInput):
            explicit_instalments(Money(100000, "EUR"), bad)


def test_lines_as_typed():
    line = parse_line("Maquettes; 3 ; 450,50 ; 5,5 %", "EUR")
    assert (line.quantity, str(line.unit_price), line.vat_rate, str(line.net)) == (
        Decimal(3),
        "450.50",
        Decimal("5.5"),
        "1351.50",
    )
    assert parse_line("Remise;1;-100;20", "EUR").net == Money(-10000, "EUR")
    assert parse_line("Conseil;2;300", "EUR", franchise=True).vat_rate is None
    for bad, message in [
        ("Conseil;2;300", "needs a VAT rate"),
        ("x;0;10;20", "must be positive"),
        ("x;1;10;120", "between 0 and 100"),
        ("x;1", "must read"),
        (";1;1;20", "must read"),
    ]:
        with pytest.raises(BadInput, match=message):
            parse_line(bad, "EUR")
    with pytest.raises(BadInput, match="VAT franchise"):
        parse_line("x;1;10;20", "EUR", franchise=True)
    with pytest.raises(BadInput, match="must be positive"):
        totals([parse_line("Remise;1;-100;20", "EUR")], "EUR")


@given(st.integers(1, 10**9), st.sampled_from([Decimal(1), Decimal(2), Decimal("2.5"), Decimal(3)]))
def test_discount_is_half_up(total, rate):
    assert discount_amount(Money(total, "EUR"), rate).minor == int(
        (Decimal(total) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_legal_cap(issued):
    cap = latest_legal_due(issued)
    assert cap >= issued + timedelta(days=60)
    assert cap >= end_of_month(issued + timedelta(days=45))
    assert cap <= issued + timedelta(days=76)  # 45 days end of month never exceeds 45 + 31
    assert due_date(issued, 45, True) == end_of_month(issued + timedelta(days=45))


def test_legal_cap_examples():
    assert latest_legal_due(date(2026, 1, 31)) == date(2026, 4, 1)  # 60 days beats 45 days end of month
    assert latest_legal_due(date(2026, 3, 1)) == date(2026, 5, 15)  # end of March + 45 days
