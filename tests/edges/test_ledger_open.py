"""Which ledger a command opens, and when one is created: only by `init`, `demo`, or a first write to the
app folder's default ledger. A typo in a path, an empty file or a file of another program is an error."""

import sqlite3
from pathlib import Path

import pytest

from helpers import new_ledger, query


def _app_ledger(isolated: Path) -> Path:
    return isolated / "home" / ".config" / "dunner" / "ledger.db"


@pytest.mark.sqlite_only
def test_a_mistyped_path_is_an_error_and_creates_nothing(dunner, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "ledger.db"
    result = dunner("--db", str(missing), "aging", code=2)
    assert result.stderr.startswith(f"Error: no ledger at {missing}")
    assert "dunner --db" in result.stderr and "init" in result.stderr  # the hint says how to create one
    assert not (tmp_path / "no").exists()
    result = dunner("--db", str(missing), "add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr", code=2)
    assert not (tmp_path / "no").exists()


@pytest.mark.sqlite_only
def test_an_empty_file_is_not_quietly_made_a_new_ledger(dunner, tmp_path, configure):
    empty = tmp_path / "truncated.db"
    empty.touch()
    configure('\n[mail]\ntransport = "maildir"\n')
    for command in (["aging"], ["remind"], ["add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr"]):
        result = dunner("--db", str(empty), *command, code=2)
        assert result.stderr.startswith(f"Error: {empty} is empty (0 bytes)"), result.stderr
    assert empty.stat().st_size == 0 and not Path(f"{empty}-wal").exists()


@pytest.mark.sqlite_only
def test_a_file_of_another_program_is_refused(dunner, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("hello, I am a text file" * 100)
    assert dunner("--db", str(text), "clients", code=2).stderr.startswith(f"Error: {text} is not a dunner ledger")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.close()
    before = other.read_bytes()
    for args in (["clients"], ["init"]):
        result = dunner("--db", str(other), *args, code=2)
        assert result.stderr.startswith(f"Error: {other} is not a dunner ledger"), result.stderr
    assert other.read_bytes() == before


def test_an_empty_database_needs_init(dunner, tmp_path, monkeypatch):
    """A file that does not exist yet, or (on PostgreSQL) a schema without dunner's tables."""
    location = new_ledger(tmp_path, "books.db")
    monkeypatch.setenv("DUNNER_DB", location)
    result = dunner("aging", code=2)
    assert result.stderr.startswith("Error: no ledger at"), result.stderr
    created = dunner("init")
    assert "Created ledger" in created.stderr
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr")
    assert query("SELECT code FROM client") == [("ACME",)]
    again = dunner("init")  # a second init keeps the ledger and its data
    assert "already" in again.stderr
    assert query("SELECT code FROM client") == [("ACME",)]


@pytest.mark.sqlite_only
def test_init_creates_the_ledger_db_names_and_keeps_the_config(dunner, tmp_path, monkeypatch):
    monkeypatch.delenv("DUNNER_DB")
    config = tmp_path / "dunner.toml"
    config.write_text('[ledger]\npath = "books/ledger.db"\n[defaults]\ncurrency = "GBP"\n')
    before = config.read_text()
    result = dunner("init")
    assert f"Kept {config}" in result.stderr and f"Created ledger {tmp_path / 'books' / 'ledger.db'}" in result.stderr
    assert config.read_text() == before
    result = dunner("--db", str(tmp_path / "cron.db"), "init")
    assert f"Created ledger {tmp_path / 'cron.db'}" in result.stderr
    dunner("--db", str(tmp_path / "cron.db"), "clients")
    monkeypatch.setenv("DUNNER_DB", str(tmp_path / "env" / "ledger.db"))
    dunner("init")
    assert (tmp_path / "env" / "ledger.db").stat().st_size > 0


@pytest.mark.sqlite_only
def test_the_default_ledger_is_created_by_a_first_write_never_by_a_read(dunner, isolated, monkeypatch):
    monkeypatch.delenv("DUNNER_DB")
    default = _app_ledger(isolated)
    result = dunner("aging", code=2)
    assert result.stderr.startswith(f"Error: no ledger at {default}")
    assert not default.parent.exists()
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr")
    assert default.stat().st_size > 0
    assert "ACME" in dunner("clients").stdout


@pytest.mark.sqlite_only
def test_a_truncated_default_ledger_is_an_error(dunner, isolated, monkeypatch):
    monkeypatch.delenv("DUNNER_DB")
    default = _app_ledger(isolated)
    default.parent.mkdir(parents=True)
    default.touch()
    assert dunner("add-client", "A", "--name", "A", "--email", "a@a.fr", code=2).stderr.startswith(
        f"Error: {default} is empty (0 bytes)"
    )
    assert default.stat().st_size == 0


def test_init_never_writes_into_another_programs_database(dunner, tmp_path, monkeypatch):
    """A schema (a file, on SQLite) that holds another program's tables is not made a dunner ledger."""
    location = new_ledger(tmp_path, "theirs.db")
    if location.startswith("postgresql"):
        import psycopg

        from dunner.edges.storage.postgres import conninfo

        with psycopg.connect(conninfo(location), autocommit=True) as conn:
            conn.execute("CREATE TABLE orders (id INTEGER)")
    else:
        with sqlite3.connect(location) as conn:
            conn.execute("CREATE TABLE orders (id INTEGER)")
    monkeypatch.setenv("DUNNER_DB", location)
    result = dunner("init", code=2)
    assert "is not a dunner ledger" in result.stderr and "another program" in result.stderr
