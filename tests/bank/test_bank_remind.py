"""The bank before the chase: `remind` imports the inbox first, says how fresh the bank is, and with
`hold_after_days` holds email steps while the newest statement is too old to trust."""

from __future__ import annotations

import csv
import io
import mailbox
from pathlib import Path

import pytest
from camt_files import Entry, camt053

MAIL = '\n[mail]\ntransport = "maildir"\nmaildir = "mails"\n'


@pytest.fixture
def late(dunner, client, configure):
    """ACME's F-2026-0001 (1 000, due 2026-01-31) and BETA's F-2026-0002 (500, due 2026-02-01): both late."""

    def setup(bank: str = "") -> None:
        configure(MAIL + bank)
        client("ACME", "--terms", "30")
        client("BETA", "--terms", "30")
        dunner("invoice", "ACME", "1000", "--issued", "2026-01-01")
        dunner("invoice", "BETA", "500", "--issued", "2026-01-02")

    return setup


def run(dunner, day: str, code: int = 0) -> tuple[list[dict[str, str]], str]:
    result = dunner("remind", "--as-of", day, "--format", "csv", code=code)
    return list(csv.DictReader(io.StringIO(result.stdout))), result.stderr


def sent_to(tmp_path: Path) -> list[str]:
    return sorted(m["To"] for m in mailbox.Maildir(tmp_path / "mails"))


def test_a_payment_matched_between_two_runs_stops_the_reminder(dunner, late, tmp_path):
    late('\n[bank]\ninbox = "inbox"\n')
    (tmp_path / "inbox").mkdir()
    actions, _ = run(dunner, "2026-02-10")
    assert {(a["invoice"], a["step"], a["status"]) for a in actions if a["status"] == "sent"} == {
        ("F-2026-0001", "reminder-1", "sent"),
        ("F-2026-0002", "reminder-1", "sent"),
    }
    # ACME pays; the statement is saved in the inbox before the next run
    camt053(tmp_path / "inbox" / "releve.xml", [Entry("1000.00", booked="2026-02-20", text="F-2026-0001", ref="B1")])
    actions, err = run(dunner, "2026-02-25")
    assert "releve.xml imported: 1 new line(s), 1 matched" in err
    assert [(a["invoice"], a["step"], a["status"]) for a in actions] == [("F-2026-0002", "call", "task")]
    assert (tmp_path / "inbox" / "imported" / "releve.xml").is_file()
    assert not (tmp_path / "inbox" / "releve.xml").exists()


def test_the_inbox_with_a_good_and_a_broken_file(dunner, late, tmp_path, ledger):
    late('\n[bank]\ninbox = "inbox"\n')
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    camt053(inbox / "a-good.xml", [Entry("500.00", booked="2026-02-09", text="F-2026-0002", ref="B1")])
    (inbox / "b-broken.xml").write_text("<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053")
    (inbox / "c-partial.xml.part").write_text("still downloading")
    actions, err = run(dunner, "2026-02-10")
    assert "a-good.xml imported" in err and "b-broken.xml refused" in err
    assert [a["invoice"] for a in actions if a["status"] == "sent"] == ["F-2026-0001"]  # BETA paid: not chased
    assert (inbox / "imported" / "a-good.xml").is_file()
    assert (inbox / "failed" / "b-broken.xml").is_file()
    reason = (inbox / "failed" / "b-broken.xml.reason.txt").read_text()
    assert "not a readable camt file" in reason
    assert (inbox / "c-partial.xml.part").is_file()  # a download in progress is left alone
    # `dunner bank import` alone looks at the inbox too: nothing new there now
    assert "No new statement" in dunner("bank", "import", "--as-of", "2026-02-10").stderr
    camt053(inbox / "d.xml", [Entry("-1.00", booked="2026-02-10")])
    assert "d.xml (camt): 1 line, 1 new: 1 ignored." in dunner("bank", "import", "--as-of", "2026-02-10").stderr


def test_a_dry_run_does_not_import_the_inbox(dunner, late, tmp_path):
    late('\n[bank]\ninbox = "inbox"\n')
    (tmp_path / "inbox").mkdir()
    camt053(tmp_path / "inbox" / "s.xml", [Entry("500.00", booked="2026-02-09", text="F-2026-0002", ref="B1")])
    err = dunner("remind", "--dry-run", "--as-of", "2026-02-10").stderr
    assert "1 new statement file(s)" in err and "not imported (dry run)" in err
    assert (tmp_path / "inbox" / "s.xml").is_file()


def test_remind_says_how_old_the_bank_is(dunner, late, tmp_path):
    late()
    _, err = run(dunner, "2026-02-10")
    assert "Bank:" not in err  # dunner hears nothing from the bank: nothing to say
    dunner("bank", "import", str(camt053(tmp_path / "s.xml", [Entry("-1.00", booked="2026-02-05")])))
    _, err = run(dunner, "2026-02-12")
    assert "Bank: the newest bank line was booked on 2026-02-05, 7 days before 2026-02-12." in err


def test_hold_after_days_holds_email_steps_until_a_fresh_statement(dunner, late, tmp_path, ledger):
    late("\n[bank]\nhold_after_days = 3\n")
    dunner("bank", "import", str(camt053(tmp_path / "s.xml", [Entry("-1.00", booked="2026-02-01")])))
    actions, err = run(dunner, "2026-02-10")
    assert {a["status"] for a in actions if a["step"] == "reminder-1"} == {"held"}
    assert "email reminders are held" in err
    assert not (tmp_path / "mails").exists() or sent_to(tmp_path) == []
    held = ledger.all("SELECT status FROM reminder WHERE step = 'reminder-1'")
    assert [r[0] for r in held] == ["held", "held"]
    # the next day's statement shows ACME paid: only BETA is chased, the held step now sent
    fresh = [Entry("1000.00", booked="2026-02-10", text="F-2026-0001", ref="B1")]
    dunner("bank", "import", str(camt053(tmp_path / "t.xml", fresh, statement="S2")), "--as-of", "2026-02-11")
    actions, err = run(dunner, "2026-02-11")
    assert [(a["invoice"], a["status"]) for a in actions if a["step"] == "reminder-1"] == [("F-2026-0002", "sent")]
    assert sent_to(tmp_path) == ["BETA SARL <beta@example.com>"]
    assert "held" not in err


def test_hold_with_no_statement_at_all_holds_too(dunner, late, tmp_path):
    late("\n[bank]\nhold_after_days = 3\n")
    actions, err = run(dunner, "2026-02-10")
    assert {a["status"] for a in actions if a["step"] == "reminder-1"} == {"held"}
    assert "no bank statement imported yet" in err
    dry = dunner("remind", "--dry-run", "--as-of", "2026-02-10", "--format", "csv").stdout
    assert {r["status"] for r in csv.DictReader(io.StringIO(dry)) if r["step"] == "reminder-1"} == {"held"}
