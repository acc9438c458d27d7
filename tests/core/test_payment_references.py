"""RF creditor references (ISO 11649), the key they are made of, and French IBANs."""

from hypothesis import given
from hypothesis import strategies as st

from dunner.core.payment import (
    compact_key,
    creditor_reference,
    french_iban,
    invoice_reference,
    is_creditor_reference,
)


def test_rf_references():
    assert creditor_reference("539007547034") == "RF18539007547034"  # ISO 11649's example
    assert is_creditor_reference("RF18 5390 0754 7034") and not is_creditor_reference("RF19539007547034")
    assert invoice_reference("F-2026/0042", 7) == creditor_reference("F20260042")
    assert invoice_reference("FACTURE-2026-000000000000042", 7) == creditor_reference("ID7")  # too long a key
    assert all(is_creditor_reference(invoice_reference(f"F-{n:07}", n)) for n in range(0, 5000, 7))


def test_french_iban():
    assert french_iban("30006", "00001", "12345678901") == "FR7630006000011234567890189"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.text(alphabet="aZ09-/ ßﬁıİ"))
def test_the_key_keeps_ascii_letters_as_capitals_and_digits(text):
    assert compact_key(text) == "".join(c for c in text.upper() if c.isascii() and c.isalnum())
