from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dunner.core.allocation import OpenItem, allocate, oldest_first

items = st.lists(
    st.builds(
        OpenItem,
        instalment_id=st.integers(1, 10**6),
        due_on=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        issued_on=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        number=st.text("F-0123456789", min_size=1, max_size=8),
        seq=st.integers(1, 12),
        open_minor=st.integers(1, 10**9),
    ),
    max_size=30,
    unique_by=lambda item: item.instalment_id,
)


@given(st.integers(0, 10**10), items)
def test_allocation_never_loses_or_creates_a_cent(amount, open_items):
    pairs, left = allocate(amount, oldest_first(open_items))
    assert sum(cents for _, cents in pairs) + left == amount
    assert left >= 0
    assert all(0 < cents <= item.open_minor for item, cents in pairs)


@given(st.integers(0, 10**10), items)
def test_earlier_items_are_filled_first(amount, open_items):
    ordered = oldest_first(open_items)
    pairs, left = allocate(amount, ordered)
    # Every item before the last one paid is paid in full; nothing after it gets anything.
    for item, cents in pairs[:-1]:
        assert cents == item.open_minor
    assert [item for item, _ in pairs] == ordered[: len(pairs)]
    if left:
        assert sum(i.open_minor for i in ordered) == amount - left


def test_oldest_due_first_then_issue_date_then_number():
    day = date(2026, 1, 1)
    a = OpenItem(1, day + timedelta(days=10), day, "F-2", 1, 100)
    b = OpenItem(2, day, day + timedelta(days=1), "F-3", 1, 100)
    c = OpenItem(3, day, day, "F-9", 1, 100)
    d = OpenItem(4, day, day, "F-10", 2, 100)
    assert [i.instalment_id for i in oldest_first([a, b, c, d])] == [4, 3, 2, 1]


def test_overpayment_leaves_the_rest():
    item = OpenItem(1, date(2026, 1, 1), date(2026, 1, 1), "F-1", 1, 1000)
    assert allocate(1500, [item]) == ([(item, 1000)], 500)


@given(st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(0, 10**7)), max_size=6), items)
def test_spread_credit_conserves_money_and_order(credits, open_items):
    from dunner.core.allocation import spread_credit

    ordered = oldest_first(open_items)
    shares = spread_credit(sorted(credits), ordered)
    taken = {key: sum(c for _, c in parts) for key, parts in shares.items()}
    assert sum(taken.values()) == min(sum(c for _, c in credits), sum(i.open_minor for i in ordered))
    by_item = {i.instalment_id: i for i in ordered}
    filled = [taken.get(i.instalment_id, 0) for i in ordered]
    for before, after, item in zip(filled, filled[1:], ordered, strict=False):
        assert after == 0 or before == item.open_minor, "oldest due first"
    for key, parts in shares.items():
        assert all(day >= by_item[key].issued_on for day, _ in parts), "never before the invoice existed"
        assert all(cents > 0 for _, cents in parts)
