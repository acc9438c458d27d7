from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunner.core.buckets import Buckets
from dunner.core.errors import BadInput


def test_default_names():
    assert Buckets().names == ["current", "1-30", "31-60", "61-90", "91+"]
    assert Buckets.parse("15,45").names == ["current", "1-15", "16-45", "46+"]


@pytest.mark.parametrize(
    ("days", "name"),
    [
        (-10, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91+"),
        (4000, "91+"),
    ],
)
def test_every_edge(days, name):
    assert Buckets().name(days) == name


@pytest.mark.parametrize("text", ["30,30", "60,30", "0,30", "-1", "a,b", ""])
def test_bad_edges(text):
    with pytest.raises(BadInput):
        Buckets.parse(text)


edges = st.lists(st.integers(1, 400), min_size=1, max_size=6, unique=True).map(lambda e: tuple(sorted(e)))


@given(edges, st.dates(date(2000, 1, 1), date(2050, 1, 1)), st.integers(-500, 1000))
def test_due_ranges_agree_with_days_overdue(bucket_edges, as_of, days):
    """The date ranges the SQL uses put every due date in the bucket its days overdue name."""
    buckets = Buckets(bucket_edges)
    due = as_of - timedelta(days=days)
    hits = [
        i
        for i, (earliest, latest) in enumerate(buckets.due_ranges(as_of))
        if (earliest is None or due >= earliest) and (latest is None or due <= latest)
    ]
    assert hits == [buckets.index(days)]
