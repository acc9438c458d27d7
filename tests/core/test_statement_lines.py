"""Statement lines as matching compares them: `plain` labels, ranks among identical lines."""

import re
import unicodedata
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dunner.core.money import Money
from dunner.core.statements import Line, plain, ranked

SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"


def reference(text: str) -> str:
    """What `plain` means: NFKD, combining marks dropped, capitals, runs of re's whitespace as one space."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", folded.upper()).strip()


def test_plain_labels():
    assert plain("  Réglement\u00a0facture\tF-2026/0042 \n") == "REGLEMENT FACTURE F-2026/0042"
    assert plain("ﬁn de mois, Œuvre, straße") == "FIN DE MOIS, ŒUVRE, STRASSE"
    assert plain("e\u0301te\u0301") == "ETE"  # combining accents
    assert plain(f"a{SPACES}b") == "A B" and plain(SPACES) == ""


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.text(alphabet="aéÉçﬁß\u0301 -" + SPACES))
def test_plain_is_its_definition(text):
    assert plain(text) == reference(text)


def test_identical_lines_are_ranked_in_their_order():
    coffee = Line(account="FR76", booked_on=date(2026, 11, 2), amount=Money(-350, "EUR"), text="CB Café")
    other = Line(account="FR76", booked_on=date(2026, 11, 2), amount=Money(-350, "EUR"), text="CB CAFE ", rank=5)
    lines = ranked([coffee, other, coffee, Line(account="FR76", booked_on=date(2026, 11, 3), amount=coffee.amount)])
    assert [line.rank for line in lines] == [0, 1, 2, 0]  # the same label, as people read it
    assert lines[0] == coffee and lines[1].text == "CB CAFE "
