"""Every file dunner creates is 0600 and every folder 0700, whatever the umask: they hold clients'
personal data and what they owe. A file the user already had keeps the mode they gave it."""

import os
import stat
from pathlib import Path

import pytest

from dunner.edges.storage import open_ledger

MAILDIR = '\n[mail]\ntransport = "maildir"\nmaildir = "mail/outbox"\n'


@pytest.fixture
def permissive_umask():
    old = os.umask(0o000)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(paths) -> dict[str, str]:
    return {str(p): oct(mode(p)) for p in paths}


@pytest.mark.sqlite_only
def test_a_new_ledger_and_its_wal_files_are_private(dunner, tmp_path, permissive_umask):
    path = tmp_path / "books" / "2026" / "ledger.db"
    dunner("--db", str(path), "init")
    config = tmp_path / "home" / ".config" / "dunner" / "dunner.toml"
    ledger = open_ledger(str(path))  # open: its -wal and -shm files are there
    try:
        with ledger.transaction():
            ledger.execute("INSERT INTO number_series (series, last_seq) VALUES ('x', 1)")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), config]
        assert modes(files) == {str(p): "0o600" for p in files}
    finally:
        ledger.close()
    folders = [tmp_path / "books", tmp_path / "books" / "2026", config.parent, config.parent.parent]
    assert modes(folders) == {str(p): "0o700" for p in folders}


@pytest.mark.sqlite_only
def test_the_default_ledger_and_the_demo_are_private(dunner, isolated, monkeypatch, permissive_umask):
    monkeypatch.delenv("DUNNER_DB")
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr")
    app = isolated / "home" / ".config" / "dunner"
    assert modes([app / "ledger.db"]) == {str(app / "ledger.db"): "0o600"}
    assert modes([app, app.parent]) == {str(app): "0o700", str(app.parent): "0o700"}
    dunner("demo", "--dir", str(isolated / "demo" / "here"), "--as-of", "2026-11-23")
    demo = isolated / "demo" / "here"
    assert modes([demo / "dunner.toml", demo / "ledger.db"]) == {
        str(demo / "dunner.toml"): "0o600",
        str(demo / "ledger.db"): "0o600",
    }
    assert modes([demo, demo.parent]) == {str(demo): "0o700", str(demo.parent): "0o700"}


def test_documents_mail_reports_and_exports_are_private(dunner, client, configure, tmp_path, permissive_umask):
    configure(MAILDIR)
    (tmp_path / "mail").mkdir(mode=0o755)
    client("ACME", "--terms", "30", "--registration", "732 829 320", "--address", "5 rue Haute\n75011 Paris")
    number = dunner("invoice", "ACME", "--line", "Refonte;1;1000;20", "--issued", "2025-01-02").stdout.strip()
    dunner("remind", "--as-of", "2025-02-08")  # reminder-1, a week after the due date
    written = {
        "invoice.pdf": ["pdf", number, "-o"],
        "notice.pdf": ["notice", number, "--as-of", "2025-03-03", "-o"],
        "dossier.zip": ["dossier", "ACME", "--as-of", "2025-03-10", "-o"],
        "report.html": ["report", "--as-of", "2025-03-10", "--html"],
        "clients.csv": ["export", "clients"],
    }
    for name, args in written.items():
        dunner(*args, str(tmp_path / name))
    dunner("pdf", number)  # the default name, in the current folder
    outbox = tmp_path / "mail" / "outbox"
    messages = [p for p in outbox.rglob("*") if p.is_file()]
    assert messages, "a reminder should be in the Maildir"
    files = [tmp_path / name for name in written] + [tmp_path / f"{number}.pdf", *messages]
    assert modes(files) == {str(p): "0o600" for p in files}
    folders = [outbox, *(p for p in outbox.rglob("*") if p.is_dir())]
    assert modes(folders) == {str(p): "0o700" for p in folders}
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_a_file_the_user_already_had_keeps_its_mode(dunner, client, tmp_path, permissive_umask):
    client("ACME")
    shared = tmp_path / "report.html"
    shared.write_text("yesterday's report")
    shared.chmod(0o644)  # published on purpose
    dunner("report", "--html", str(shared))
    assert "<html" in shared.read_text() and mode(shared) == 0o644
