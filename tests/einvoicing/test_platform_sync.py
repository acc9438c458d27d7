"""`dunner platform sync` (and the start of `remind`) against the local platform: acknowledgements, lifecycle
statuses (CDAR) and what each changes for the dunning."""

from __future__ import annotations

import json
import mailbox
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from platform_cli import chased, history, rows, status_from_buyer

DUE_STEP = [("F-2026-0001", "reminder-1")]  # due 2026-01-31: the first reminder is due a week later


def sent(french, fake_platform):
    dunner = french()
    dunner("send", "F-2026-0001", "--via", "platform", "--on", "2026-01-01")
    return dunner


def searches(fake_platform) -> list[dict]:
    return [json.loads(r["body"]) for r in fake_platform.requests if r["path"].endswith("/v1/flows/search")]


def test_an_acknowledgement_is_recorded(french, fake_platform, ledger):
    dunner = sent(french, fake_platform)
    synced = dunner("platform", "sync")
    assert synced.stderr == "Platform: F-2026-0001 acknowledged.\n"
    assert ledger.scalar("SELECT state FROM platform_flow") == "acknowledged"
    assert dunner("platform", "sync").stderr == "Platform: nothing new.\n"  # the same flow is not news twice


def test_a_rejected_invoice_is_said_loudly_put_on_the_agenda_and_not_chased(french, fake_platform, ledger):
    dunner = french()
    fake_platform.reject_next_submission("InvalidSchema", "BR-FR-12: BT-49 absent")
    dunner("send", "F-2026-0001", "--via", "platform", "--on", "2026-01-01")  # taken; acknowledged Error later
    synced = dunner("platform", "sync", "--as-of", "2026-01-02", code=1)
    assert synced.stderr == (
        "Warning: the platform REJECTED F-2026-0001: InvalidSchema: BR-FR-12: BT-49 absent. It is not issued legally.\n"
    )
    [item] = [a for a in rows(dunner("agenda", "--as-of", "2026-02-08", "--format", "csv")) if a["kind"] == "platform"]
    assert item["invoice"] == "F-2026-0001" and "InvalidSchema: BR-FR-12: BT-49 absent" in item["detail"]
    assert "not issued legally" in item["detail"]
    assert chased(dunner, "2026-02-08") == []
    [note] = [e for e in history(dunner) if "rejected the invoice" in e["detail"]]
    assert note["date"] == "2026-01-02"


@pytest.mark.parametrize(
    ("code", "label", "reason", "said"),
    [
        (210, "Refusée", ("PRIX", "Prix non conforme au devis"), "disputed: no reminders until resolved"),
        (207, "En_litige", ("QTE", "Quantité livrée inférieure"), "disputed: no reminders until resolved"),
    ],
)
def test_a_refusal_or_a_dispute_from_the_buyer_stops_the_reminders(french, fake_platform, code, label, reason, said):
    dunner = sent(french, fake_platform)
    assert chased(dunner, "2026-02-08") == DUE_STEP
    fake_platform.add_incoming(status_from_buyer(code, label, "2026-02-05", reason_code=reason[0], reason=reason[1]))
    synced = dunner("platform", "sync", "--as-of", "2026-02-06")
    number = {210: "210 Refusée", 207: "207 En litige"}[code]
    assert f"Platform: F-2026-0001 {number} on 2026-02-05: {said}." in synced.stderr
    assert chased(dunner, "2026-02-08") == [] and chased(dunner, "2026-04-30") == []
    [event] = [e for e in history(dunner) if e["kind"] == "dispute"]
    assert event["date"] == "2026-02-05" and event["detail"] == f"platform: {number} ({reason[0]} {reason[1]})"


def test_a_suspension_pauses_until_a_later_status_and_an_approval_is_noted(french, fake_platform):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(208, "Suspendue", "2026-02-03", reason_code="ATT",
                                                 reason="Attente du bon de commande"))  # fmt: skip
    dunner("platform", "sync")
    assert chased(dunner, "2026-02-08") == [] and chased(dunner, "2026-03-30") == []
    fake_platform.add_incoming(status_from_buyer(205, "Approuvée", "2026-02-10"))
    dunner("platform", "sync")
    assert chased(dunner, "2026-02-11") == DUE_STEP
    details = [e["detail"] for e in history(dunner)]
    assert "suspended on the platform (ATT Attente du bon de commande)" in details
    assert "platform: 205 Approuvée" in details


def test_payment_sent_holds_the_reminders_for_payment_sent_days(french, fake_platform):
    dunner = sent(french, fake_platform)
    dunner = french(payment_sent_days=10)
    cdar = status_from_buyer(211, "Paiement_transmis", "2026-02-06", amount=Decimal("1200"))
    fake_platform.add_incoming(cdar)
    synced = dunner("platform", "sync")
    assert "211 Paiement transmis on 2026-02-06: payment sent: reminders wait until 2026-02-16." in synced.stderr
    assert chased(dunner, "2026-02-16") == []
    assert chased(dunner, "2026-02-17") == DUE_STEP


def test_a_partial_approval_keeps_the_approved_amount(french, fake_platform):
    dunner = sent(french, fake_platform)
    cdar = status_from_buyer(206, "Partiellement_approuvée", "2026-02-02", amount=Decimal("800"))
    fake_platform.add_incoming(cdar)
    dunner("platform", "sync")
    shown = json.loads(dunner("platform", "status", "F-2026-0001", "--format", "json").stdout)
    assert [(s["status"], s["amount"], s["currency"]) for s in shown["statuses"]] == [
        ("206 Partiellement approuvée", "800.00", "EUR")
    ]
    assert chased(dunner, "2026-02-08") == DUE_STEP  # approved in part: still owed


def test_a_rejection_by_the_platform_marks_the_invoice_not_delivered(french, fake_platform, ledger):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(213, "Rejetée", "2026-01-02", reason_code="DEST_ERR",
                                                 reason="Destinataire inconnu"))  # fmt: skip
    synced = dunner("platform", "sync")
    assert "213 Rejetée on 2026-01-02: REJECTED by the platform: the invoice was not delivered" in synced.stderr
    assert ledger.scalar("SELECT state FROM platform_flow") == "rejected"
    assert chased(dunner, "2026-02-08") == []
    agenda = rows(dunner("agenda", "--as-of", "2026-02-08", "--format", "csv"))
    assert [a["invoice"] for a in agenda if a["kind"] == "platform"] == ["F-2026-0001"]


def test_statuses_about_other_invoices_change_nothing(french, fake_platform, ledger):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(210, "Refusée", "2026-02-05", invoice="F-2099-0001"))
    other_year = status_from_buyer(210, "Refusée", "2026-02-05", issued_on=date(2025, 1, 1))
    fake_platform.add_incoming(other_year)
    dunner("platform", "sync")
    assert chased(dunner, "2026-02-08") == DUE_STEP
    assert ledger.scalar("SELECT COUNT(*) FROM platform_status WHERE invoice_id IS NULL") == 2


def test_the_sync_pages_from_the_last_time_read(french, fake_platform, ledger, monkeypatch):
    import dunner.einvoicing.status as status

    connect = status.connect
    monkeypatch.setattr(status, "connect", lambda config: _paged(connect(config)))
    dunner = sent(french, fake_platform)
    for day in ("2026-02-02", "2026-02-03", "2026-02-04"):
        fake_platform.add_incoming(status_from_buyer(205, "Approuvée", day))
    dunner("platform", "sync")
    starts = [s["where"]["updatedAfter"] for s in searches(fake_platform)]
    assert len(starts) > 2 and starts == sorted(starts)  # 4 flows, 2 a page, each page from the last time read
    assert ledger.scalar("SELECT COUNT(*) FROM platform_status") == 3
    last = ledger.scalar("SELECT updated_after FROM platform_sync")
    assert last == max(f.updated_at for f in fake_platform.flows.values()).isoformat(timespec="milliseconds")[:23] + "Z"
    fake_platform.add_incoming(status_from_buyer(211, "Paiement_transmis", "2026-02-05"))
    before = len(searches(fake_platform))
    dunner("platform", "sync")
    start = datetime.fromisoformat(searches(fake_platform)[before]["where"]["updatedAfter"])
    assert timedelta(0) < datetime.fromisoformat(last) - start < timedelta(seconds=1)  # from the last time read
    assert ledger.scalar("SELECT COUNT(*) FROM platform_status") == 4


def _paged(client):
    client.page_size = 2
    return client


def test_a_malformed_status_is_one_line_and_read_again_later(french, fake_platform, ledger):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(207, "En_litige", "2026-02-03", reason_code="QTE"))
    bad = fake_platform.add_incoming(b"<CrossDomainAcknowledgementAndResponse><oops")
    fake_platform.add_incoming(status_from_buyer(205, "Approuvée", "2026-02-06"))
    synced = dunner("platform", "sync", code=1)
    [warning] = [line for line in synced.stderr.splitlines() if line.startswith("Warning")]
    assert warning.startswith(f"Warning: flow {bad} from the platform was not read: malformed CDAR message")
    assert [r[0] for r in ledger.all("SELECT code FROM platform_status")] == [207]  # before it: kept; after: not yet
    fake_platform.flows[bad].content = status_from_buyer(208, "Suspendue", "2026-02-04", reason_code="ATT")
    dunner("platform", "sync")
    assert sorted(r[0] for r in ledger.all("SELECT code FROM platform_status")) == [205, 207, 208]


@pytest.mark.parametrize(("status", "said"), [(503, "HTTP 503 RESOURCE_ERROR, try again later"),
                                              (429, "HTTP 429 TOO_MANY_REQUESTS, retry after 5 s")])  # fmt: skip
def test_a_platform_that_cannot_answer_is_one_line_and_loses_nothing(french, fake_platform, ledger, status, said):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(210, "Refusée", "2026-02-05"))
    fake_platform.fail_next(status, path="/v1/flows/search", retry_after=5 if status == 429 else None)
    failed = dunner("platform", "sync", code=1)
    [line] = failed.stderr.splitlines()
    assert line.startswith("Error: the platform at 127.0.0.1:") and line.endswith(said)
    assert ledger.scalar("SELECT COUNT(*) FROM platform_status") == 0
    assert ledger.scalar("SELECT updated_after FROM platform_sync") is None
    dunner("platform", "sync")
    assert ledger.scalar("SELECT code FROM platform_status") == 210


def test_a_download_that_fails_midway_keeps_what_was_read(french, fake_platform, ledger):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(207, "En_litige", "2026-02-03"))
    second = fake_platform.add_incoming(status_from_buyer(205, "Approuvée", "2026-02-06"))
    fake_platform.fail_next(500, path=f"/v1/flows/{second}")
    dunner("platform", "sync", code=1)
    assert [r[0] for r in ledger.all("SELECT code FROM platform_status")] == [207]
    dunner("platform", "sync")
    assert sorted(r[0] for r in ledger.all("SELECT code FROM platform_status")) == [205, 207]


def test_remind_syncs_first_so_a_dispute_stops_todays_reminder(french, fake_platform, tmp_path):
    dunner = sent(french, fake_platform)
    fake_platform.add_incoming(status_from_buyer(210, "Refusée", "2026-02-07", reason_code="PRIX"))
    run = dunner("remind", "--as-of", "2026-02-08")
    assert "Platform: F-2026-0001 210 Refusée on 2026-02-07" in run.stderr
    assert not (tmp_path / "outbox").exists() or list(mailbox.Maildir(tmp_path / "outbox", create=False)) == []


def test_remind_goes_on_when_the_platform_is_down(french, fake_platform, tmp_path):
    dunner = sent(french, fake_platform)
    fake_platform.stop()
    run = dunner("remind", "--as-of", "2026-02-08")
    assert "Warning: the e-invoicing platform was not reached (cannot reach the platform at" in run.stderr
    assert len(list(mailbox.Maildir(tmp_path / "outbox", create=False))) == 1
