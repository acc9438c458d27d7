"""Properties of the bank matching: RF check digits (against python-stdnum), and whatever the statement,
matched lines never create or lose a cent."""

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from camt_files import OURS, Entry, camt053
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import iso11649

from dunner.bank.importing import import_files
from dunner.core.payment import creditor_reference, invoice_reference, is_creditor_reference
from dunner.edges.config import Business, Config
from dunner.edges.storage import open_ledger
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_invoice
from helpers import new_ledger

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@given(st.text(ALNUM, min_size=1, max_size=21))
def test_rf_check_digits_agree_with_stdnum(key):
    reference = creditor_reference(key)
    assert iso11649.is_valid(reference) and iso11649.compact(reference)[4:] == key
    assert is_creditor_reference(iso11649.format(reference))  # as printed, in groups of four


@given(st.text(ALNUM, min_size=1, max_size=21), st.data())
def test_a_mistyped_character_or_a_swap_is_caught(key, data):
    reference = creditor_reference(key)
    i = data.draw(st.integers(4, len(reference) - 1))
    # a digit for a digit, a letter for a letter: MOD 97-10 catches every such change (a letter counts as two
    # digits, so a digit typed for a letter shifts the rest and is caught only most of the time)
    same_kind = [c for c in ALNUM if c != reference[i] and c.isdigit() == reference[i].isdigit()]
    other = data.draw(st.sampled_from(same_kind))
    typo = reference[:i] + other + reference[i + 1 :]
    assert not is_creditor_reference(typo) and not iso11649.is_valid(typo)
    if i + 1 < len(reference) and reference[i] != reference[i + 1]:
        swapped = reference[:i] + reference[i + 1] + reference[i] + reference[i + 2 :]
        assert is_creditor_reference(swapped) == iso11649.is_valid(swapped)


@given(st.text(ALNUM + " -", max_size=30))
def test_is_creditor_reference_is_stdnum_is_valid(text):
    assert is_creditor_reference(text) == iso11649.is_valid(text)


def test_a_number_too_long_for_an_rf_key_uses_the_invoice_id():
    assert invoice_reference("F-2026-0042", 7) == creditor_reference("F20260042")
    long = "CLIENT-ACME-INDUSTRIES-2026-000042"
    assert invoice_reference(long, 7) == creditor_reference("ID7")


ISSUED = date(2026, 1, 5)
line_st = st.tuples(
    st.integers(1, 400_000),  # cents
    st.sampled_from(["number", "rf", "two", "none", "debit"]),
    st.integers(0, 5),  # which invoice it names
    st.integers(0, 40),  # booking day
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(100, 300_000), min_size=1, max_size=6), st.lists(line_st, min_size=1, max_size=8))
def test_matched_lines_never_create_or_lose_a_cent(invoices, statement):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
        config = Config(business=Business(name="Moi", iban=OURS))
        for code in ("A", "B"):
            add_client(ledger, config, {"code": code, "name": f"{code} SARL", "email": f"{code}@a.fr"})
        numbers = [
            create_invoice(
                ledger, config, "AB"[i % 2], f"{cents // 100}.{cents % 100:02d}", issued_on=ISSUED, force=True
            ).number
            for i, cents in enumerate(invoices)
        ]
        entries = []
        for n, (cents, kind, which, day) in enumerate(statement):
            number = numbers[which % len(numbers)]
            amount = f"{'-' if kind == 'debit' else ''}{Decimal(cents) / 100:.2f}"
            text = {"number": number, "two": f"{number} {numbers[(which + 1) % len(numbers)]}"}.get(kind, "virement")
            reference = invoice_reference(number, 0) if kind == "rf" else ""
            booked = (ISSUED + timedelta(day)).isoformat()
            entries.append(Entry(amount, booked=booked, text=text, rf=reference, ref=f"R{n}"))
        owed_before = ledger.scalar("SELECT SUM(amount_cents) FROM instalment")
        import_files(ledger, config, [camt053(Path(tmp) / "s.xml", entries)], ISSUED + timedelta(41))
        matched = ledger.all("SELECT amount_cents, payment_id FROM bank_line WHERE status = 'matched'")
        made = ledger.all("SELECT id, amount_cents FROM payment")
        # every matched line is one payment of exactly its amount, and no payment comes from elsewhere
        assert sorted(r[1] for r in made) == sorted(r[0] for r in matched)
        assert {r[0] for r in made} == {r[1] for r in matched}
        for payment_id, amount in made:
            applied = ledger.scalar(
                "SELECT COALESCE(SUM(amount_cents), 0) FROM allocation WHERE payment_id = ?", (payment_id,)
            )
            assert 0 <= applied <= amount  # what is not applied stays the client's credit
        applied = ledger.scalar("SELECT COALESCE(SUM(amount_cents), 0) FROM allocation")
        credit = sum(r[1] for r in made) - applied
        assert credit >= 0
        assert ledger.scalar("SELECT SUM(amount_cents) FROM instalment") == owed_before  # nothing rewritten
        over = ledger.scalar(
            "SELECT COUNT(*) FROM instalment i WHERE i.amount_cents <"
            " (SELECT COALESCE(SUM(a.amount_cents), 0) FROM allocation a WHERE a.instalment_id = i.id)"
        )
        assert over == 0  # no instalment is paid beyond what it asks
        ledger.close()
