"""Lifecycle statuses from the platform change what the dunning does, the day they arrive."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from dunner.einvoicing.statuses import apply_status


@dataclass(frozen=True)
class Status:
    """What edges.cdar gives for one status (only the fields apply_status reads)."""

    code: int
    invoice_number: str
    status_on: date
    reason_code: str = ""
    reason_text: str = ""
    amount: Decimal | None = None
    currency: str = ""


@pytest.fixture
def late(dunner, client, configure):
    configure()
    client("ACME", "--terms", "30")
    dunner("invoice", "ACME", "1000", "--issued", "2026-01-01")  # F-2026-0001, due 2026-01-31
    return dunner


def chased(dunner, day: str) -> list[tuple[str, str]]:
    out = dunner("remind", "--dry-run", "--as-of", day, "--format", "csv").stdout
    return [(r["invoice"], r["step"]) for r in csv.DictReader(io.StringIO(out)) if r["status"] in ("planned", "task")]


def history(dunner) -> str:
    return dunner("history", "F-2026-0001", "--format", "csv").stdout


@pytest.mark.parametrize(("code", "name"), [(210, "Refusée"), (207, "En litige")])
def test_a_refusal_or_a_dispute_stops_the_chase(late, ledger, code, name):
    assert chased(late, "2026-02-08") == [("F-2026-0001", "reminder-1")]
    done = apply_status(ledger, "FLOW-1", Status(code, "F-2026-0001", date(2026, 2, 5), "PRIX", "Prix non conforme"))
    assert done.new and "disputed" in done.effect
    assert chased(late, "2026-02-08") == []
    assert f"platform: {code} {name} (PRIX Prix non conforme)" in history(late)
    again = apply_status(ledger, "FLOW-1", Status(code, "F-2026-0001", date(2026, 2, 5), "PRIX"))
    assert not again.new  # the same status from the same flow is kept once
    assert ledger.scalar("SELECT COUNT(*) FROM platform_status") == 1


def test_an_approval_after_a_dispute_resolves_it(late, ledger):
    apply_status(ledger, "F1", Status(207, "F-2026-0001", date(2026, 2, 3)))
    apply_status(ledger, "F2", Status(205, "F-2026-0001", date(2026, 2, 6)))
    assert chased(late, "2026-02-08") == [("F-2026-0001", "reminder-1")]


def test_a_suspension_holds_until_a_later_status(late, ledger):
    apply_status(ledger, "F1", Status(208, "F-2026-0001", date(2026, 2, 3), "ATT", "Attente de bon de commande"))
    assert chased(late, "2026-02-08") == [] and chased(late, "2026-03-30") == []
    apply_status(ledger, "F2", Status(209, "F-2026-0001", date(2026, 2, 10)))
    assert chased(late, "2026-02-11") == [("F-2026-0001", "reminder-1")]
    assert chased(late, "2026-02-09") == []  # as of a day before the release, it was held


def test_payment_sent_holds_the_reminders_for_a_while(late, ledger):
    apply_status(ledger, "F1", Status(211, "F-2026-0001", date(2026, 2, 6)), payment_sent_days=7)
    assert chased(late, "2026-02-13") == []
    assert chased(late, "2026-02-14") == [("F-2026-0001", "reminder-1")]


def test_partial_approval_keeps_its_amount_and_a_rejection_is_said(late, ledger):
    apply_status(ledger, "F1", Status(206, "F-2026-0001", date(2026, 2, 2), amount=Decimal("800.00")))
    assert ledger.scalar("SELECT amount_cents FROM platform_status WHERE code = 206") == 80000
    rejected = apply_status(ledger, "F2", Status(213, "F-2026-0001", date(2026, 2, 2), "SCH", "Schéma invalide"))
    assert "not issued legally" in rejected.effect
    assert "213 Rejetée" in history(late)


def test_a_status_about_an_unknown_invoice_is_kept_and_changes_nothing(late, ledger):
    done = apply_status(ledger, "F1", Status(210, "F-2099-0001", date(2026, 2, 2)))
    assert done.new and done.effect == "not an invoice of this ledger"
    assert ledger.scalar("SELECT invoice_id FROM platform_status") is None
