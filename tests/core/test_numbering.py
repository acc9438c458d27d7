from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunner.core.errors import BadInput
from dunner.core.numbering import NumberPattern

PATTERNS = ["F-{year}-{seq:04}", "{yy}{month}-{seq:03}", "INV{seq}", "FAC/{year}/{month}/{seq:05}"]


@given(st.sampled_from(PATTERNS), st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 10**6))
def test_format_then_match_gives_back_series_and_seq(pattern, issued, seq):
    p = NumberPattern(pattern)
    assert p.match(p.format(issued, seq)) == (p.series(issued), seq)


def test_series_per_year():
    p = NumberPattern("F-{year}-{seq:04}")
    assert p.series(date(2026, 12, 31)) == "F-2026-{seq}"
    assert p.series(date(2027, 1, 1)) == "F-2027-{seq}"
    assert p.format(date(2026, 5, 1), 7) == "F-2026-0007"
    assert p.match("F-2026-12345") == ("F-2026-{seq}", 12345)
    assert p.match("A-2026-0001") is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("F-{year}", "exactly once"),
        ("{seq}-{seq}", "exactly once"),
        ("F-{client}-{seq}", "unknown field"),
        ("F-{seq:q}", "Unknown format code"),
        ("F-{seq", "expected"),
    ],
)
def test_bad_patterns(pattern, reason):
    with pytest.raises(BadInput, match=reason):
        NumberPattern(pattern)
