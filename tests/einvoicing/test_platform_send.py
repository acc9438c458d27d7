"""`dunner send --via platform` against the local platform: the Factur-X submitted exactly once, like a reminder."""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
import signal
import subprocess
import sys
import time
from email.utils import parseaddr
from pathlib import Path

import facturx
import pytest

from platform_cli import history, rows


def flows(ledger) -> list[tuple[str, str, str | None]]:
    return [
        (r["tracking_id"], r["state"], r["flow_id"])
        for r in ledger.rows("SELECT tracking_id, state, flow_id FROM platform_flow ORDER BY id")
    ]


def test_an_invoice_goes_to_the_platform_as_factur_x_under_its_number(french, fake_platform, ledger):
    done = french()("send", "F-2026-0001", "--via", "platform", "--on", "2026-01-02")
    [sent] = fake_platform.submitted
    assert done.stdout == f"Submitted F-2026-0001 to the platform: flow {sent.flow_id}\n"
    assert sent.flow_info == {
        "trackingId": "F-2026-0001",
        "name": "F-2026-0001.pdf",
        "processingRule": "B2B",
        "flowSyntax": "Factur-X",
        "flowProfile": "CIUS",
        "sha256": hashlib.sha256(sent.file).hexdigest(),
    }
    assert sent.part_types == {"flowInfo": "application/json", "file": "application/pdf"}
    name, xml = facturx.get_xml_from_pdf(sent.file, check_xsd=True)
    assert name == "factur-x.xml" and b"<ram:ID>F-2026-0001</ram:ID>" in xml
    assert flows(ledger) == [("F-2026-0001", "submitted", sent.flow_id)]
    [event] = [e for e in history(french()) if e["kind"] == "submitted"]
    assert event["date"] == "2026-01-02" and sent.flow_id in event["detail"]


def test_an_invoice_is_submitted_once(french, fake_platform, ledger):
    dunner = french()
    dunner("send", "F-2026-0001", "--via", "platform")
    again = dunner("send", "F-2026-0001", "--via", "platform")
    assert len(fake_platform.submitted) == 1
    assert again.stdout == "" and "F-2026-0001 was submitted already (submitted): nothing sent" in again.stderr


def test_the_config_sends_french_businesses_through_the_platform_and_the_others_by_email(
    french, fake_platform, tmp_path
):
    dunner = french(send="platform")
    dunner("add-client", "JOE", "--name", "Joe Martin", "--email", "joe@example.com", "--kind", "consumer",
           "--address", "3 rue Haute\n69001 Lyon")  # fmt: skip
    dunner("add-client", "BERLIN", "--name", "Berlin GmbH", "--email", "ap@berlin.de", "--country", "DE",
           "--vat-number", "DE136695976", "--registration", "HRB 12345",
           "--address", "Unter den Linden 1\n10117 Berlin")  # fmt: skip
    dunner("invoice", "JOE", "--line", "Cours;1;100;20", "--issued", "2026-01-01")  # F-2026-0002
    dunner("invoice", "BERLIN", "--line", "Design;1;100;0", "--vat-exemption", "intra-eu", "--issued", "2026-01-01")
    assert dunner("send", "F-2026-0001").stdout.startswith("Submitted F-2026-0001 to the platform")
    assert dunner("send", "F-2026-0002").stdout.startswith("Sent F-2026-0002")
    assert dunner("send", "F-2026-0003").stdout.startswith("Sent F-2026-0003")
    assert dunner("send", "F-2026-0001", "--via", "email").stdout.startswith("Sent F-2026-0001")  # asked for
    assert [s.flow_info["trackingId"] for s in fake_platform.submitted] == ["F-2026-0001"]
    sent = sorted(parseaddr(m["To"])[1] for m in mailbox.Maildir(tmp_path / "outbox", create=False))
    assert sent == ["ap@berlin.de", "compta@acme.fr", "joe@example.com"]
    refused = dunner("send", "F-2026-0002", "--via", "platform", code=2)
    assert refused.stderr.startswith("Error: JOE is not a French business with a SIREN")


def test_reminders_stay_email_when_invoices_go_through_the_platform(french, fake_platform, tmp_path):
    dunner = french(send="platform")
    dunner("send", "F-2026-0001", "--on", "2026-01-01")
    dunner("remind", "--as-of", "2026-02-08")
    [reminder] = list(mailbox.Maildir(tmp_path / "outbox", create=False))
    assert parseaddr(reminder["To"])[1] == "compta@acme.fr" and "F-2026-0001" in reminder["Subject"]
    assert len(fake_platform.submitted) == 1  # the invoice only; a reminder is never a flow


def test_a_crash_between_submit_and_record_leaves_it_uncertain_never_resent_blindly(french, fake_platform, ledger):
    dunner = french()
    fake_platform.drop_next("/v1/flows")  # taken by the platform, the answer never comes back
    lost = dunner("send", "F-2026-0001", "--via", "platform", code=1)
    assert lost.stderr.splitlines()[0].startswith("Error: ") and "answer was lost" in lost.stderr
    assert len(fake_platform.submitted) == 1
    assert flows(ledger) == [("F-2026-0001", "sending", None)]
    refused = dunner("send", "F-2026-0001", "--via", "platform", code=2)
    assert "may or may not have reached the platform" in refused.stderr and len(fake_platform.submitted) == 1
    assert "--resend-uncertain" in refused.stderr
    agenda = rows(dunner("agenda", "--as-of", "2026-12-31", "--format", "csv"))
    assert [a["invoice"] for a in agenda if a["kind"] == "platform"] == ["F-2026-0001"]
    again = dunner("send", "F-2026-0001", "--via", "platform", "--resend-uncertain")
    first, second = fake_platform.submitted
    assert second.flow_info["trackingId"] == first.flow_info["trackingId"] == "F-2026-0001"
    # the same invoice (the PDF's own timestamps aside): the platform's duplicate check applies
    assert facturx.get_xml_from_pdf(second.file)[1] == facturx.get_xml_from_pdf(first.file)[1]
    assert f"flow {second.flow_id}" in again.stdout
    # the platform kept the first and refused the second as a duplicate: the invoice is delivered, not rejected
    synced = dunner("platform", "sync")
    assert "REJECTED" not in synced.stderr
    assert flows(ledger) == [("F-2026-0001", "acknowledged", first.flow_id)]


def test_a_killed_run_leaves_the_submission_uncertain(french, fake_platform, ledger, tmp_path):
    """A real crash: the process is killed while the platform holds the answer."""
    french()
    fake_platform.stall_next(30, "/v1/flows")
    exe = Path(sys.executable).with_name("dunner")
    env = {**os.environ, "DUNNER_DEBUG": ""}
    process = subprocess.Popen(
        [str(exe), "send", "F-2026-0001", "--via", "platform"], cwd=tmp_path, env=env, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while not fake_platform.submitted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_platform.submitted, process.stderr.read() if process.poll() is not None else "no submission"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert flows(ledger) == [("F-2026-0001", "sending", None)]
    dunner = french()
    assert "may or may not have reached" in dunner("send", "F-2026-0001", "--via", "platform", code=2).stderr
    status = json.loads(dunner("platform", "status", "F-2026-0001", "--format", "json").stdout)
    assert [f["state"] for f in status["flows"]] == ["sending"]
    assert len(fake_platform.submitted) == 1
    # the next sync finds the flow on the platform under its tracking id: no longer uncertain
    dunner("platform", "sync")
    assert flows(ledger) == [("F-2026-0001", "acknowledged", fake_platform.submitted[0].flow_id)]


@pytest.mark.parametrize(
    ("status", "extra", "said"),
    [
        (503, {}, "cannot take the request now (submit F-2026-0001): HTTP 503 RESOURCE_ERROR, try again later"),
        (500, {}, "HTTP 500 E500, try again later"),
        (429, {"retry_after": 30}, "HTTP 429 TOO_MANY_REQUESTS, retry after 30 s"),
    ],
)
def test_a_platform_that_cannot_take_it_now_leaves_it_failed_and_a_later_send_goes(
    french, fake_platform, ledger, status, extra, said
):
    dunner = french()
    fake_platform.fail_next(status, path="/v1/flows", **extra)
    failed = dunner("send", "F-2026-0001", "--via", "platform", code=1)
    [line, hint] = failed.stderr.splitlines()
    assert line.startswith("Error: F-2026-0001 was not submitted: the platform at 127.0.0.1:") and line.endswith(said)
    assert hint == "Hint: dunner send F-2026-0001 --via platform, later"
    assert flows(ledger) == [("F-2026-0001", "failed", None)] and fake_platform.submitted == []
    dunner("send", "F-2026-0001", "--via", "platform")
    assert flows(ledger) == [("F-2026-0001", "submitted", fake_platform.submitted[0].flow_id)]


def test_a_refusal_is_said_with_the_platforms_reason_and_may_be_sent_again(french, fake_platform, ledger):
    dunner = french()
    fake_platform.fail_next(422, error_code="UNPROCESSABLE_ENTITY", message="Entity consistency error",
                            path="/v1/flows")  # fmt: skip
    refused = dunner("send", "F-2026-0001", "--via", "platform", code=1)
    assert refused.stderr.splitlines()[0] == (
        f"Error: the platform refused F-2026-0001: the platform at 127.0.0.1:{fake_platform.port} refused the"
        " request (submit F-2026-0001): HTTP 422 UNPROCESSABLE_ENTITY: Entity consistency error"
    )
    assert flows(ledger) == [("F-2026-0001", "refused", None)]
    dunner("send", "F-2026-0001", "--via", "platform")  # nothing was taken: it may go once corrected
    assert len(fake_platform.submitted) == 1


def test_the_platform_down_is_one_line_and_nothing_is_marked_sent(french, fake_platform, ledger):
    dunner = french()
    fake_platform.stop()
    down = dunner("send", "F-2026-0001", "--via", "platform", code=1)
    said = f"cannot reach the platform at 127.0.0.1:{fake_platform.port} (token): Connection refused"
    assert down.stderr.splitlines()[0].endswith(said)
    assert "Traceback" not in down.stderr
    assert [s for _, s, _ in flows(ledger)] == ["failed"]


def test_an_expired_token_is_renewed_and_bad_credentials_are_one_line(french, fake_platform, ledger, monkeypatch):
    dunner = french()
    dunner("platform", "sync")  # a first token; the next command asks for its own anyway
    fake_platform.expire_tokens()
    dunner("send", "F-2026-0001", "--via", "platform")
    assert len(fake_platform.submitted) == 1
    dunner("invoice", "ACME", "--line", "Suite;1;10;20", "--issued", "2026-01-05")
    monkeypatch.setenv("TEST_PLATFORM_SECRET", "wrong")
    refused = dunner("send", "F-2026-0002", "--via", "platform", code=1)
    line = refused.stderr.splitlines()[0]
    assert line.startswith("Error: F-2026-0002 was not submitted: the token endpoint at 127.0.0.1:")
    assert "gave client dunner-test no token: HTTP 401" in line and "wrong" not in refused.stderr
    assert flows(ledger)[1] == ("F-2026-0002", "failed", None) and len(fake_platform.submitted) == 1
    assert "wrong" not in json.dumps([dict(r) for r in ledger.rows("SELECT * FROM platform_flow")])
