"""A run killed while delivering: the next run, even a second later, knows the send is uncertain."""

import email
import os
import signal
import subprocess
import time
from email import policy

import pytest

from helpers import dunner_exe, query
from mailserver import MailServer, SwallowingServer, smtp_config

pytestmark = pytest.mark.e2e


def test_a_kill_during_delivery_is_reported_at_once_and_resent_under_the_same_message_id(
    dunner, client, configure, tmp_path
):
    hanging = SwallowingServer(hang=True)  # takes the message, then never answers
    try:
        configure(
            smtp_config(hanging.port, "")
            .replace("timeout = 2", "timeout = 60")
            .replace('bcc = "archives@atelier-test.fr"\n', "")
        )
        client("ACME")
        dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
        env = {**os.environ, "DUNNER_CONFIG": str(tmp_path / "dunner.toml")}
        env.pop("DUNNER_DEBUG", None)
        run = subprocess.Popen(
            [dunner_exe(), "remind", "--as-of", "2026-02-07"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while not hanging.bodies and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hanging.bodies, "the message never reached the server"
        run.send_signal(signal.SIGKILL)  # kill -9 while the server holds the message
        run.wait(timeout=30)
        assert query("SELECT status FROM reminder WHERE step = 'reminder-1'") == [("sending",)]
    finally:
        hanging.stop()
    first_id = email.message_from_bytes(hanging.bodies[0], policy=policy.default)["Message-ID"]

    again = dunner("remind", "--as-of", "2026-02-07", "--format", "csv", code=1)  # a second later, not ten minutes
    assert again.stdout.splitlines()[1:] == []  # nothing sent blindly
    assert "Warning: 1 reminder(s) were left 'sending'" in again.stderr and "F-2026-0001 reminder-1" in again.stderr
    agenda = dunner("agenda", "--as-of", "2026-02-07", "--format", "csv").stdout
    assert "check,ACME,F-2026-0001" in agenda

    server = MailServer().start()
    try:
        configure(smtp_config(server.port).replace('bcc = "archives@atelier-test.fr"\n', ""))
        resent = dunner("remind", "--as-of", "2026-02-08", "--resend-uncertain", "--format", "csv")
        assert ",reminder-1,email,sent," in resent.stdout and "left 'sending'" not in resent.stderr
        [(_, message)] = server.messages
        assert message["Message-ID"] == first_id  # the client's reader shows one message
    finally:
        server.stop()
    assert query("SELECT status, message_id FROM reminder WHERE step = 'reminder-1'") == [("sent", first_id)]
    dunner("remind", "--as-of", "2026-02-09")  # settled: the next run is quiet again and exits 0


def test_a_run_still_going_is_told_from_one_that_is_gone(isolated):
    """The token a run writes on its `sending` rows: alive while its process (or database session) lives."""
    import os as _os

    from dunner.edges.storage import open_ledger
    from dunner.edges.storage.ledger import process_token
    from helpers import POSTGRES

    ledger = open_ledger(_os.environ["DUNNER_DB"])
    try:
        if POSTGRES:  # another session, in another time zone: what matters is the lock its session holds
            other = open_ledger(_os.environ["DUNNER_DB"])
            other.execute("SET TimeZone = 'Pacific/Auckland'")
            token = other.run_token()
            assert ledger.running([token]) == {token}
            other.close()
            assert ledger.running([token]) == set()
        else:
            child = subprocess.Popen(["sleep", "30"])
            token = process_token(child.pid)
            assert ledger.running([token]) == {token}
            child.kill()
            child.wait()
            assert ledger.running([token]) == set()
        assert ledger.running([ledger.run_token()]) == set()  # this run's own rows: it knows them itself
    finally:
        ledger.close()


def test_an_uncertain_row_another_run_took_over_is_left_to_it(dunner, client, configure, ledger):
    """Two `--resend-uncertain` runs that saw the same abandoned row: only the first takes it over."""
    from dataclasses import replace
    from datetime import date

    from dunner.dunning import delivery, planning
    from dunner.dunning.runs import RunOptions
    from dunner.dunning.uncertain import uncertain_rows
    from dunner.edges.config import find_config, load
    from dunner.edges.storage.ledger import process_token

    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
    client("ACME")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
    dunner("remind", "--as-of", "2026-02-07")
    ledger.execute("UPDATE reminder SET status = 'sending', owner = NULL WHERE step = 'reminder-1'")
    config = load(find_config(None))
    [row] = uncertain_rows(ledger)
    seen = RunOptions(
        date(2026, 2, 8),
        resend_uncertain=True,
        abandoned=frozenset({row.id}),
        resend=(((row.instalment_id, row.step), row.message_id),),
        owners=((row.id, ""),),
    )
    [draft] = planning.plan(ledger, config, config.policy(), seen).drafts
    sleeper = subprocess.Popen(["sleep", "30"])
    try:  # meanwhile a concurrent run took the row over: it is its delivery now
        ledger.execute("UPDATE reminder SET owner = ? WHERE id = ?", (process_token(sleeper.pid), row.id))
        assert delivery.claim_rows(ledger, draft, seen, "atelier-test.fr") is None
        assert delivery.claim_rows(ledger, draft, replace(seen, owners=((row.id, process_token(sleeper.pid)),)), "x")
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_uncertain_send_on_a_settled_invoice_is_closed_and_a_checked_one_confirmed(
    dunner, client, configure, ledger
):
    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
    client("ACME")
    client("BETA")
    dunner("invoice", "ACME", "800", "--issued", "2026-01-01")
    dunner("invoice", "BETA", "300", "--issued", "2026-01-01")
    dunner("remind", "--as-of", "2026-02-07")
    ledger.execute("UPDATE reminder SET status = 'sending', owner = NULL WHERE step = 'reminder-1'")  # a crash
    dunner("pay", "F-2026-0001", "800", "--on", "2026-02-09")
    out = dunner("remind", "--as-of", "2026-02-10", "--format", "csv", code=1)  # BETA's is still uncertain
    assert "F-2026-0001,reminder-1,email,cancelled" in out.stdout and "stays unknown" in out.stdout
    assert "F-2026-0002 reminder-1" in out.stderr and "F-2026-0001 reminder-1" not in out.stderr
    dunner("done", "F-2026-0002", "--step", "reminder-1")  # checked: it did go out
    assert query("SELECT status FROM reminder WHERE step = 'reminder-1' ORDER BY id") == [("cancelled",), ("sent",)]
    dunner("remind", "--as-of", "2026-02-11")  # quiet again: exit 0


def test_a_resend_that_asks_another_amount_goes_under_a_new_message_id(dunner, client, configure):
    swallowing = SwallowingServer()
    try:
        configure(smtp_config(swallowing.port).replace('bcc = "archives@atelier-test.fr"\n', ""))
        client("ACME")
        dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
        dunner("remind", "--as-of", "2026-02-07", code=1)  # the server took it and never said so
    finally:
        swallowing.stop()
    first = email.message_from_bytes(swallowing.bodies[0], policy=policy.default)
    dunner("pay", "F-2026-0001", "60", "--on", "2026-02-08")
    server = MailServer().start()
    try:
        configure(smtp_config(server.port).replace('bcc = "archives@atelier-test.fr"\n', ""))
        dunner("remind", "--as-of", "2026-02-08", "--resend-uncertain")
        [(_, again)] = server.messages
    finally:
        server.stop()
    assert "40,00" in again.get_body(("plain",)).get_content().replace("\u202f", " ")
    # the first copy asked 100: under its Message-ID, a reader that had it would hide this one
    assert again["Message-ID"] != first["Message-ID"]
