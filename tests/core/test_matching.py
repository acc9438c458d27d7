"""core.matching: which open invoice a bank credit pays, on plain values."""

from datetime import date

import pytest

from dunner.core.matching import MATCHED, PROPOSED, UNMATCHED, Book, Due, match
from dunner.core.money import Money
from dunner.core.payment import reference_key
from dunner.core.statements import Line


def book(*dues: Due, **known) -> Book:
    return Book(list(dues), **known)


def credit(amount: str, text: str = "", **fields) -> Line:
    cents = int(amount.replace(".", ""))
    return Line("FR76...", date(2026, 3, 2), Money(cents, fields.pop("currency", "EUR")), text, **fields)


F7 = Due(1, "F-2026-0007", "EUR", 52000, rf_key=reference_key("F-2026-0007", 7))
F70 = Due(2, "F-2026-0070", "EUR", 9900, rf_key=reference_key("F-2026-0070", 70))


@pytest.mark.parametrize(
    "text",
    ["F-2026-0007", "f 2026 7", "F2026/0007", "Facture F-2026-007 merci", "2026-0007", "F20260007", "VIR F 2026 0007"],
)
def test_an_invoice_number_however_it_is_written(text):
    found = match(credit("520.00", text), book(Due(**_fields(F7)), Due(**_fields(F70))))
    assert (found.status, found.invoices) == (MATCHED, ("F-2026-0007",))


@pytest.mark.parametrize("text", ["F-2026-0077", "F-2025-0007", "F-2026-00071", "le 7 mars", "0007"])
def test_never_a_different_number(text):
    found = match(credit("520.00", text), book(Due(**_fields(F7))))
    assert "F-2026-0007" not in found.invoices or found.status != MATCHED


def test_an_rf_reference_with_a_typo_is_not_the_invoice():
    rf = F7.rf
    typo = rf[:-1] + ("8" if rf[-1] != "8" else "9")
    assert match(credit("1.00", rf), book(Due(**_fields(F7)))).status == MATCHED
    assert match(credit("1.00", typo), book(Due(**_fields(F7)))).status != MATCHED


def test_never_across_currencies():
    found = match(credit("520.00", "F-2026-0007", currency="GBP"), book(Due(**_fields(F7))))
    assert found.status != MATCHED


def test_a_known_iban_with_an_amount_that_is_nothing_owed_is_a_proposal():
    found = match(
        credit("12.34", debtor_iban="DE89370400440532013000"),
        book(Due(**_fields(F7)), ibans={"DE89370400440532013000": {1}}),
    )
    assert (found.status, found.client_id) == (PROPOSED, 1)


def test_nothing_known_is_unmatched():
    assert match(credit("12.34", "virement"), book(Due(**_fields(F7)))).status == UNMATCHED


def test_settling_a_match_makes_a_second_line_see_the_invoice_paid():
    b = book(Due(**_fields(F7)), ibans={"X": {1}})
    first = credit("520.00", "F-2026-0007")
    b.settle(match(first, b), first)
    assert match(credit("520.00", debtor_iban="X"), b).status == PROPOSED  # nothing left owed of that amount


def _fields(due: Due) -> dict:
    return {k: getattr(due, k) for k in Due.__dataclass_fields__}


@pytest.mark.parametrize("text", ["HONORAIRES 2026-11", "AVOIR AV-2026-0007", "DEVIS D-2026-0007", "NOVEMBRE 2026 11"])
def test_a_month_or_a_number_of_another_series_is_not_an_invoice(text):
    """Found by review: 'HONORAIRES 2026-11' matched F-2026-0011, 'AV-2026-0009' matched F-2026-0009."""
    f11 = Due(1, "F-2026-0011", "EUR", 38000)
    found = match(credit("1650.00", text), book(Due(**_fields(F7)), f11))
    assert found.status != MATCHED and not found.invoices


def test_a_number_from_an_account_known_to_be_another_clients_is_a_proposal():
    found = match(
        credit("520.00", "F-2026-0007", debtor_iban="FR76X"),
        book(Due(**_fields(F7)), ibans={"FR76X": {9}}, names={9: "Cabinet"}),
    )
    assert (found.status, found.invoices) == (PROPOSED, ("F-2026-0007",)) and "Cabinet" in found.reason
