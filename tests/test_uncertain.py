"""A run killed while delivering: the next run, even a second later, knows the send is uncertain."""

import email
import os
import signal
import subprocess
import time
from email import policy

import pytest

from helpers import query
from mailserver import MailServer, SwallowingServer
from test_concurrency import dunner_exe
from test_smtp import smtp_config

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
