"""Reminders through a real SMTP server on 127.0.0.1: what arrives, threading, QR codes, failures."""

import csv
import email
import io
from decimal import Decimal
from email import policy

import pytest
import zxingcpp
from PIL import Image

from helpers import flat, query
from mailserver import ARCHIVE, MailServer, free_port, smtp_config


def delivered(smtp):
    """Messages that reached the client, and the blind copies kept as proof."""
    to_client = [(rcpt, m) for rcpt, m in smtp.messages if rcpt != [ARCHIVE]]
    copies = [m for rcpt, m in smtp.messages if rcpt == [ARCHIVE]]
    return to_client, copies


def remind(dunner, day, code=0, *args):
    out = dunner("remind", "--as-of", day, "--format", "csv", *args, code=code).stdout
    return [(r["invoice"], r["step"], r["status"], r["detail"]) for r in csv.DictReader(io.StringIO(out))]


def statuses(tmp_path):
    return query("SELECT step, status, attempts FROM reminder WHERE channel = 'email' ORDER BY id")


@pytest.fixture
def books(dunner, client, configure, smtp):
    configure(smtp_config(smtp.port))
    client("ACME", "--terms", "30", "--contact", "Claire Martin", email="compta@acme.fr, boss@acme.fr")
    dunner("invoice", "ACME", "1234.56", "--issued", "2026-01-01")  # due 01-31
    dunner("pay", "F-2026-0001", "234.56", "--on", "2026-01-20")


def test_what_arrives(dunner, books, smtp, tmp_path):
    remind(dunner, "2026-02-07")
    [(rcpt, message)], [copy] = delivered(smtp)
    assert rcpt == ["compta@acme.fr", "boss@acme.fr"]
    assert copy["Message-ID"] == message["Message-ID"]  # the proof of what was sent
    assert message["From"] == "Atelier Test <relances@atelier-test.fr>"
    assert [a.addr_spec for a in message["To"].addresses] == ["compta@acme.fr", "boss@acme.fr"]
    assert message["Bcc"] is None  # a blind copy is an envelope recipient, never a header
    assert message["Subject"] == "Relance : facture F-2026-0001 en attente de règlement - Atelier Test"
    assert message.get_content_type() == "multipart/alternative"
    text = flat(message.get_body(("plain",)).get_content())
    assert "1 000,00 € restant dû (sur 1 234,56 €, 234,56 € déjà réglé), en retard de 7 jours" in text
    html = flat(message.get_body(("html",)).get_content())
    assert "1 000,00 €" in html and 'src="cid:epc-qr@dunner"' in html
    [qr] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert qr["Content-ID"] == "<epc-qr@dunner>"
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.get_content())))
    lines = code.text.split("\n")
    assert lines[:4] == ["BCD", "002", lines[2], "SCT"]
    assert lines[4:7] == ["AGRIFRPP", "Atelier Test", "FR7630006000011234567890189"]
    assert lines[7].startswith("EUR") and Decimal(lines[7][3:]) == Decimal("1000.00")
    # One invoice: its ISO 11649 reference in the structured field, no text (EPC069-12: one or the other),
    # checked with python-stdnum's implementation.
    from stdnum import iso11649

    assert len(lines) == 10 and iso11649.is_valid(lines[9]) and lines[9][4:] == "F20260001"
    assert f"Référence à indiquer : {iso11649.format(lines[9])} (facture F-2026-0001)" in text
    assert statuses(tmp_path) == [("courtesy", "skipped", 0), ("due-today", "skipped", 0), ("reminder-1", "sent", 1)]


def test_reminders_of_an_invoice_thread_together(dunner, books, smtp):
    remind(dunner, "2026-02-07")
    remind(dunner, "2026-02-14")  # the call task
    remind(dunner, "2026-02-21")
    first, second = (m for _, m in delivered(smtp)[0])
    # dunner never sent the invoice itself (`dunner send`): the first reminder starts the thread, and no
    # header names a message that was never sent
    assert first["References"] is None and first["In-Reply-To"] is None
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"].split() == [first["Message-ID"]]
    assert second["Subject"].startswith("Deuxième relance")


def test_temporary_failure_is_retried_next_run(dunner, books, smtp, tmp_path):
    smtp.recorder.refuse = {"compta@acme.fr": "451 4.3.0 Try again later", "boss@acme.fr": "451 4.3.0 Later"}
    rows = remind(dunner, "2026-02-07", 1)
    assert rows[-1][:3] == ("F-2026-0001", "reminder-1", "failed") and "retried on the next run" in rows[-1][3]
    assert smtp.messages == []  # not even the blind copy of a message the client did not get
    assert statuses(tmp_path)[-1] == ("reminder-1", "failed", 1)
    smtp.recorder.refuse = {}
    assert remind(dunner, "2026-02-08") == [("F-2026-0001", "reminder-1", "sent", "")]
    assert statuses(tmp_path)[-1] == ("reminder-1", "sent", 2)
    assert len(delivered(smtp)[0]) == 1


def test_permanent_failure_is_not_retried_blindly(dunner, books, smtp, tmp_path):
    smtp.recorder.refuse = {"compta@acme.fr": "550 5.1.1 No such user", "boss@acme.fr": "550 5.1.1 No such user"}
    rows = remind(dunner, "2026-02-07", 1)
    assert "550" in rows[-1][3] and "permanent" in rows[-1][3]
    assert remind(dunner, "2026-02-08") == []  # no blind retry, and no escalation past it
    assert remind(dunner, "2026-03-30") == []
    agenda = dunner("agenda", "--as-of", "2026-02-08", "--format", "csv").stdout
    assert "check,ACME,F-2026-0001" in agenda and "refused by the mail server" in agenda
    smtp.recorder.refuse = {}
    dunner("edit-client", "ACME", "--email", "compta@acme.fr")
    assert remind(dunner, "2026-02-09", 0, "--retry-rejected") == [("F-2026-0001", "reminder-1", "sent", "")]


def test_server_down_then_back(dunner, client, configure, tmp_path):
    port = free_port()
    configure(smtp_config(port))
    for code in ("A", "B", "C"):
        client(code)
        dunner("invoice", code, "100", "--issued", "2026-01-01")
    rows = remind(dunner, "2026-02-07", 1)
    sent = [r for r in rows if r[1] == "reminder-1"]
    assert [r[2] for r in sent] == ["failed", "failed", "failed"]
    assert "cannot reach the SMTP server" in sent[0][3] and sent[1][3].startswith("not attempted")
    assert not [s for s in statuses(tmp_path) if s[1] == "sent"]  # nothing marked sent that was not
    server = MailServer(port).start()
    try:
        assert [r[2] for r in remind(dunner, "2026-02-08")] == ["sent", "sent", "sent"]
        assert remind(dunner, "2026-02-08") == []
        assert len([rcpt for rcpt, _ in server.messages if rcpt != [ARCHIVE]]) == 3
    finally:
        server.stop()


def test_login_with_a_password_from_the_environment(dunner, client, configure, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from mailserver import Recorder

    seen = []

    def check(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, authenticator=check, auth_require_tls=False)
    controller.start()
    try:
        configure(smtp_config(port, 'username = "relances"\npassword_env = "TEST_SMTP_PASSWORD"'))
        client("ACME")
        dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
        assert "TEST_SMTP_PASSWORD is not set" in dunner("remind", "--as-of", "2026-02-07", code=1).stderr
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        wrong = dunner("remind", "--as-of", "2026-02-07", "--format", "csv", code=1)
        # smtplib falls back from PLAIN to LOGIN, which aiosmtpd answers by waiting: either way, nothing is sent
        assert "refused the login" in wrong.stderr or "not attempted" in wrong.stdout
        assert recorder.messages == []
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
        assert remind(dunner, "2026-02-07")[-1][2] == "sent"
        assert seen[-1] == (b"relances", b"s3cret") and len(recorder.messages) == 2  # with the blind copy
        configure(smtp_config(port, 'username = "relances"\npassword_command = "printf s3cret"'))
        dunner("invoice", "ACME", "100", "--issued", "2026-01-02")
        assert remind(dunner, "2026-02-08")[-1][2] == "sent"
    finally:
        controller.stop()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_certificate_verification(dunner, client, configure, tmp_path, security):
    """STARTTLS and SSL verify the server's certificate: unknown CA refused, trusted with [mail] ca_file."""
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller

    from mailserver import Recorder

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder, port = Recorder(), free_port()
    options = {"tls_context": context} if security == "starttls" else {"ssl_context": context}
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        client("ACME")
        dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
        configure(smtp_config(port).replace('security = "none"', f'security = "{security}"'))
        refused = remind(dunner, "2026-02-07", 1)
        assert "CERTIFICATE_VERIFY_FAILED" in refused[-1][3] and recorder.messages == []
        configure(smtp_config(port, f'ca_file = "{cert}"').replace('security = "none"', f'security = "{security}"'))
        assert remind(dunner, "2026-02-08")[-1][2] == "sent"
        assert len(recorder.messages) == 2
    finally:
        controller.stop()


def test_an_answer_lost_after_the_message_leaves_it_uncertain_not_resent(dunner, client, configure, tmp_path):
    from mailserver import SwallowingServer

    server = SwallowingServer()
    try:
        configure(smtp_config(server.port).replace('bcc = "archives@atelier-test.fr"\n', ""))
        client("ACME")
        dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
        first = dunner("remind", "--as-of", "2026-02-07", "--format", "csv", code=1)
        rows = list(csv.DictReader(io.StringIO(first.stdout)))
        assert rows[-1]["status"] == "failed" and "may have been delivered" in rows[-1]["detail"]
        assert "--resend-uncertain" in rows[-1]["detail"]
        assert "Warning: 1 reminder(s) were left 'sending'" in first.stderr  # the run that left it says so
        assert statuses(tmp_path)[-1] == ("reminder-1", "sending", 1)
        for day in ("2026-02-07", "2026-02-08", "2026-03-30"):  # at once, every run: never re-sent blindly
            again = dunner("remind", "--as-of", day, "--format", "csv", code=1)
            assert again.stdout.splitlines()[1:] == [] and "F-2026-0001 reminder-1" in again.stderr
        assert len(server.bodies) == 1
        agenda = dunner("agenda", "--as-of", "2026-02-08", "--format", "csv").stdout
        assert "check,ACME,F-2026-0001" in agenda and "did it go out?" in agenda
        resent = dunner("remind", "--as-of", "2026-02-08", "--resend-uncertain", "--format", "csv", code=1)
        assert "reminder-1,email,failed" in resent.stdout  # swallowed again: still uncertain, and said so
        assert len(server.bodies) == 2
        ids = [email.message_from_bytes(b, policy=policy.default)["Message-ID"] for b in server.bodies]
        assert ids[0] == ids[1]  # the same message again: a reader that got the first shows one
    finally:
        server.stop()


def test_some_recipients_refused(dunner, books, smtp, tmp_path):
    smtp.recorder.refuse = {"boss@acme.fr": "550 5.1.1 No such user"}
    rows = remind(dunner, "2026-02-07")
    assert rows[-1][2] == "sent" and rows[-1][3] == "refused: boss@acme.fr (550 5.1.1 No such user)"
    assert query("SELECT recipients FROM reminder WHERE status = 'sent'") == [
        ("compta@acme.fr, archives@atelier-test.fr",)
    ]
    [(rcpt, _)], _copies = delivered(smtp)
    assert rcpt == ["compta@acme.fr"]


def test_a_refused_early_step_does_not_freeze_the_escalation(dunner, books, smtp, tmp_path):
    smtp.recorder.refuse = {"compta@acme.fr": "550 5.1.1 No such user", "boss@acme.fr": "550 5.1.1 No such user"}
    assert remind(dunner, "2026-01-26", 1)[-1][1:3] == ("courtesy", "failed")
    smtp.recorder.refuse = {}
    assert remind(dunner, "2026-02-07") == []  # refused for good: nothing is sent blindly
    dunner("edit-client", "ACME", "--email", "compta@acme.fr")  # the fix: refused reminders go again
    assert [r[1:3] for r in remind(dunner, "2026-02-07")] == [
        ("courtesy", "skipped"),
        ("due-today", "skipped"),
        ("reminder-1", "sent"),
    ]
    assert [r[1:3] for r in remind(dunner, "2026-02-14")] == [("call", "task")]


def test_a_failing_password_command_shows_its_status_and_stderr_never_its_arguments(dunner, client, configure, smtp):
    command = "sh -c 'echo \"vault is locked\" >&2; echo more >&2; exit 3' hunter2-s3cret"
    configure(smtp_config(smtp.port, f'username = "relances"\npassword_command = """{command}"""'))
    client("ACME")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
    result = dunner("remind", "--as-of", "2026-02-07", "--format", "csv", code=1)
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert line == "Error: the SMTP password command (sh) failed with exit status 3: vault is locked"
    assert "hunter2" not in result.stderr + result.stdout and "more" not in result.stderr
    assert smtp.messages == []


def test_a_server_without_authentication_is_not_called_unreachable(dunner, client, configure, smtp, monkeypatch):
    """aiosmtpd without an authenticator offers no AUTH: a configured username cannot log in there."""
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    configure(smtp_config(smtp.port, 'username = "relances"\npassword_env = "TEST_SMTP_PASSWORD"'))
    client("ACME")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
    result = dunner("remind", "--as-of", "2026-02-07", "--format", "csv", code=1)
    assert "cannot reach" not in result.stdout + result.stderr
    assert f"Error: the SMTP server 127.0.0.1:{smtp.port} does not offer authentication" in result.stderr
    assert smtp.messages == []
