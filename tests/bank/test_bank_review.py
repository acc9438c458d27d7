"""What an independent review of the bank import found, each a test that failed before its fix."""

from __future__ import annotations

import csv
import io

import pytest
from camt_files import Entry, camt053

ACME = "FR1420041010050500013M02606"


@pytest.fixture
def books(dunner, client, configure):
    """ACME owes F-2026-0001 (500) and F-2026-0002 (500), BETA F-2026-0003 (500)."""
    configure()
    client("ACME", "--terms", "30")
    client("BETA", "--terms", "30")
    for code, day in (("ACME", "2026-02-01"), ("ACME", "2026-02-02"), ("BETA", "2026-02-03")):
        dunner("invoice", code, "500", "--issued", day)
    return dunner


def owed(dunner, day: str = "2026-03-20") -> dict[str, str]:
    out = dunner("invoices", "--status", "all", "--as-of", day, "--format", "csv").stdout
    return {r["invoice"]: r["outstanding"] for r in csv.DictReader(io.StringIO(out))}


def lines(dunner) -> list[dict[str, str]]:
    out = dunner("bank", "lines", "--format", "csv").stdout
    return list(csv.DictReader(io.StringIO(out)))


def load(dunner, path, day: str = "2026-03-10", code: int = 0):
    return dunner("bank", "import", str(path), "--as-of", day, code=code)


def test_unmatch_then_match_records_a_payment_again(books, tmp_path):
    load(books, camt053(tmp_path / "a.xml", [Entry("500.00", text="F-2026-0001", ref="BQ-1")]))
    books("bank", "unmatch", "1", "--on", "2026-03-10")
    books("bank", "match", "1", "F-2026-0002")
    assert (owed(books)["F-2026-0001"], owed(books)["F-2026-0002"]) == ("500.00", "0.00")


def test_a_second_return_reverses_the_second_payment(books, tmp_path):
    paid = [Entry("50.00", booked="2026-03-02", text="F-2026-0001", iban=ACME, ref="P1"),
            Entry("50.00", booked="2026-03-03", text="F-2026-0001", iban=ACME, ref="P2")]  # fmt: skip
    load(books, camt053(tmp_path / "a.xml", paid))
    back = [Entry("-50.00", booked="2026-03-05", iban=ACME, ref="R1", return_code="AC04"),
            Entry("-50.00", booked="2026-03-06", iban=ACME, ref="R2", return_code="AC04")]  # fmt: skip
    load(books, camt053(tmp_path / "b.xml", back, statement="S2"))
    assert owed(books)["F-2026-0001"] == "500.00"


def test_one_bank_reference_on_two_lines_keeps_both(books, tmp_path):
    same = [Entry("500.00", text="F-2026-0001", ref="NONREF"), Entry("500.00", text="F-2026-0003", ref="NONREF"),
            Entry("7.00", text="x", ref="DUP"), Entry("8.00", text="y", ref="DUP")]  # fmt: skip
    result = load(books, camt053(tmp_path / "a.xml", same))
    assert "4 lines, 4 new" in result.stderr
    assert (owed(books)["F-2026-0001"], owed(books)["F-2026-0003"]) == ("0.00", "0.00")
    again = load(books, camt053(tmp_path / "a.xml", same))
    assert "4 lines, 0 new" in again.stderr


def test_a_return_naming_its_end_to_end_id_reverses_that_payment(books, tmp_path):
    paid = [Entry("500.00", booked="2026-03-02", text="F-2026-0001", iban=ACME, ref="P1", e2e="E1"),
            Entry("500.00", booked="2026-03-03", text="F-2026-0002", iban=ACME, ref="P2")]  # fmt: skip
    load(books, camt053(tmp_path / "a.xml", paid))
    back = [Entry("-500.00", booked="2026-03-05", iban=ACME, ref="R1", e2e="E1", return_code="AC04")]
    load(books, camt053(tmp_path / "b.xml", back, statement="S2"))
    assert (owed(books)["F-2026-0001"], owed(books)["F-2026-0002"]) == ("500.00", "0.00")


def test_money_of_ours_coming_back_is_no_client_payment(books, ledger, tmp_path):
    refund = [Entry("500.00", text="F-2026-0002 REMBOURSEMENT", ref="R1", return_code="AC04")]
    load(books, camt053(tmp_path / "a.xml", refund))
    assert lines(books)[0]["status"] == "ignored" and ledger.scalar("SELECT COUNT(*) FROM payment") == 0


def test_the_return_of_a_line_never_matched_takes_it_off_the_agenda(books, tmp_path):
    load(books, camt053(tmp_path / "a.xml", [Entry("500.00", text="virement", iban=ACME, ref="P1")]))
    assert lines(books)[0]["status"] == "proposed"
    back = [Entry("-500.00", booked="2026-03-05", iban=ACME, ref="R1", return_code="AC04")]
    load(books, camt053(tmp_path / "b.xml", back, statement="S2"))
    assert [r["status"] for r in lines(books)] == ["ignored", "ignored"]
    assert "bank-" not in books("agenda", "--as-of", "2026-03-10", "--format", "csv").stdout


def test_a_return_before_its_credit_in_the_same_file(books, tmp_path):
    same_day = [Entry("-500.00", iban=ACME, ref="R1", return_code="AC04"),
                Entry("500.00", text="F-2026-0001", iban=ACME, ref="P1")]  # fmt: skip
    load(books, camt053(tmp_path / "a.xml", same_day))
    assert owed(books)["F-2026-0001"] == "500.00"


def test_a_line_booked_after_the_run_does_not_make_the_bank_fresh(dunner, client, configure, tmp_path):
    configure("\n[bank]\nhold_after_days = 2\n")
    client("ACME")
    result = dunner("bank", "import", str(camt053(tmp_path / "a.xml", [Entry("-1.00", booked="2026-12-05")])),
                    "--as-of", "2026-11-23")  # fmt: skip
    assert "booked after 2026-11-23" in result.stderr
    assert "no bank statement imported yet" in dunner("remind", "--dry-run", "--as-of", "2026-11-23").stderr


def test_an_inbox_file_that_cannot_be_moved_does_not_stop_remind(dunner, client, configure, tmp_path, monkeypatch):
    configure('\n[bank]\ninbox = "inbox"\n[mail]\ntransport = "maildir"\nmaildir = "mails"\n')
    client("ACME", "--terms", "30")
    (tmp_path / "inbox").mkdir()
    camt053(tmp_path / "inbox" / "s.xml", [Entry("-1.00", booked="2026-02-09")])
    import os

    def refused(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refused)
    result = dunner("remind", "--as-of", "2026-02-10")
    assert "could not be moved" in result.stderr


def test_an_iban_learnt_in_a_file_serves_its_later_lines(books, tmp_path):
    statement = [Entry("500.00", text="F-2026-0001", iban=ACME, ref="P1"), Entry("500.00", iban=ACME, ref="P2")]
    load(books, camt053(tmp_path / "a.xml", statement))
    assert [(r["status"], r["invoices"]) for r in lines(books)] == [
        ("matched", "F-2026-0001"),
        ("matched", "F-2026-0002"),
    ]


def test_a_payment_typed_with_the_banks_reference_is_not_taken_off_twice(books, tmp_path):
    books("edit-client", "ACME", "--iban", ACME)
    books("pay", "F-2026-0001", "200", "--on", "2026-03-02", "--reference", "BQ-1")
    statement = [Entry("200.00", text="F-2026-0001", ref="BQ-1"), Entry("300.00", iban=ACME, ref="BQ-3")]
    load(books, camt053(tmp_path / "a.xml", statement))
    first, second = lines(books)
    assert first["reason"].startswith("already recorded")
    assert (second["status"], second["invoices"]) == ("matched", "F-2026-0001")  # the 300 still owed on it
    assert owed(books)["F-2026-0001"] == "0.00"


def test_a_line_that_cannot_be_recorded_is_proposed_and_the_file_goes_on(dunner, client, configure, tmp_path):
    """A discount credit note dated before the last credit note cannot be numbered: that line waits."""
    configure()
    client("ACME")
    dunner("invoice", "ACME", "1000", "--issued", "2026-11-20", "--discount", "2/10")
    dunner("invoice", "ACME", "100", "--issued", "2026-11-20")
    dunner("credit-note", "F-2026-0002", "10", "--reason", "geste", "--on", "2026-12-03")
    statement = [Entry("980.00", booked="2026-11-25", text="F-2026-0001", ref="P1"),
                 Entry("90.00", booked="2026-11-26", text="F-2026-0002", ref="P2")]  # fmt: skip
    result = dunner("bank", "import", str(camt053(tmp_path / "a.xml", statement)), "--as-of", "2026-12-03")
    assert "1 matched, 1 proposed" in result.stderr
    first = lines(dunner)[0]
    assert first["status"] == "proposed" and "not recorded" in first["reason"]


def test_match_refuses_a_paid_or_void_invoice(books, tmp_path):
    books("pay", "F-2026-0001", "500", "--on", "2026-03-01")
    load(books, camt053(tmp_path / "a.xml", [Entry("500.00", text="virement", ref="P1")]))
    result = books("bank", "match", "1", "F-2026-0001", code=2)
    assert "paid already" in result.stderr and "--client" in result.stderr


def test_unmatch_before_the_payment_is_refused(books, tmp_path):
    load(books, camt053(tmp_path / "a.xml", [Entry("500.00", text="F-2026-0001", ref="P1")]))
    assert "received on 2026-03-02" in books("bank", "unmatch", "1", "--on", "2026-03-01", code=2).stderr


def test_alternatives_on_the_agenda_are_offered_as_alternatives(books, tmp_path):
    books("edit-client", "ACME", "--iban", ACME)
    load(books, camt053(tmp_path / "a.xml", [Entry("500.00", iban=ACME, ref="P1")]))
    agenda = books("agenda", "--as-of", "2026-03-10", "--format", "csv").stdout
    assert "dunner bank match 1 F-2026-0001 or F-2026-0002" in agenda
