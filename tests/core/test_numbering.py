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


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("F {year}-{seq:04}", "F 2000-0001 would be one, and it holds a space"),
        ("F.{year}.{seq:04}", "it holds '.': the French rules allow only letters A-Z, digits and + - _ / (BR-FR-02)"),
        ("Facture n°{seq}", "it holds a space '°'"),
        ("F{seq:*>6}", "it holds '*'"),
        ("FACTURES-CLIENTS-ENTREPRISES-{year}-{seq:04}", "is 38 characters long, more than the 35"),
        # fits for the first numbers, not once the series passes 99999: refused now, not then
        ("FACTURES-ENTREPRISES-X{year}-{month}-{seq:04}", "FACTURES-ENTREPRISES-X2099-12-999999 would be one"),
    ],
)
def test_patterns_the_french_rules_would_refuse(pattern, reason):
    """BR-FR-01 and BR-FR-02: numbers of at most 35 ASCII letters, digits and + - _ /, a million a series."""
    with pytest.raises(BadInput, match="cannot make French e-invoice numbers") as refused:
        NumberPattern(pattern)
    assert reason in refused.value.message


def test_identifier_problems():
    from dunner.core.numbering import identifier_problem

    assert identifier_problem("F-2026/0001_A+B") is None
    assert identifier_problem("X" * 35) is None
    assert "36 characters long" in identifier_problem("X" * 36)
    assert "'é'" in identifier_problem("Fé-1")
