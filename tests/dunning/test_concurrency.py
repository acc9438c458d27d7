"""Several `dunner remind` processes started at once deliver each message exactly once."""

import os
import subprocess
from collections import Counter

import pytest

from helpers import dunner_exe, query
from mailserver import ARCHIVE, smtp_config

pytestmark = pytest.mark.e2e
CLIENTS = 24


def test_concurrent_runs_send_each_reminder_once(dunner, client, configure, smtp, tmp_path):
    configure(smtp_config(smtp.port))
    for n in range(CLIENTS):
        client(f"C{n:02d}")
        dunner("invoice", f"C{n:02d}", f"{100 + n}", "--issued", "2026-01-01")
    env = {**os.environ, "DUNNER_CONFIG": str(tmp_path / "dunner.toml")}
    env.pop("DUNNER_DEBUG", None)
    procs = [
        subprocess.Popen(
            [dunner_exe(), "remind", "--as-of", "2026-02-07", "--format", "csv"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [err for _, err in outputs]
    to_clients = [m for rcpt, m in smtp.messages if rcpt != [ARCHIVE]]
    assert len(to_clients) == CLIENTS
    assert Counter(str(m["To"]) for m in to_clients).most_common(1)[0][1] == 1
    sent_lines = [line for out, _ in outputs for line in out.splitlines() if ",reminder-1,email,sent," in line]
    assert len(sent_lines) == CLIENTS  # every process reports only what it did itself
    print("messages sent per process:", [out.count(",sent,") for out, _ in outputs])
    statuses = query("SELECT status, COUNT(*) FROM reminder WHERE step = 'reminder-1' GROUP BY status")
    assert statuses == [("sent", CLIENTS)]
    ids = {r[0] for r in query("SELECT message_id FROM reminder WHERE step = 'reminder-1'")}
    assert ids == {m["Message-ID"] for m in to_clients}
