import multiprocessing
import os
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine

from dunner.core.errors import OperationalError
from dunner.edges.storage import migrations, models, open_ledger
from helpers import POSTGRES, new_ledger

# Tests reading the schema as SQLite reports it (sqlite_master, PRAGMA) are sqlite_only; the others
# run on PostgreSQL too (DDL there is transactional as well, and concurrent first opens must not race).


def describe(path) -> dict:
    """A ledger file's schema as SQLite itself reports it: columns, indexes and foreign keys per table."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for table in tables:
            columns = {
                name: ("INTEGER" if "INT" in kind.upper() else "TEXT", not (notnull or pk), pk)
                for _, name, kind, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})")
            }
            indexes = sorted(
                (
                    name if origin == "c" else origin,
                    unique,
                    tuple(
                        col or "<expression>"
                        for _, _, col, _, _, key in conn.execute(f"PRAGMA index_xinfo('{name}')")
                        if key
                    ),
                )
                for _, name, unique, origin, _ in conn.execute(f"PRAGMA index_list({table})")
            )
            fks = sorted((row[2], row[3], row[4]) for row in conn.execute(f"PRAGMA foreign_key_list({table})"))
            out[table] = {"columns": columns, "indexes": indexes, "fks": fks}
        return out


@pytest.mark.sqlite_only
def test_fresh_migration_matches_the_models(tmp_path):
    """The literal SQL of the migrations and the SQLModel classes describe the same tables."""
    open_ledger(str(tmp_path / "migrated.db"), create=True).close()
    engine = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    models.SQLModel.metadata.create_all(engine)
    engine.dispose()
    assert describe(tmp_path / "migrated.db") == describe(tmp_path / "models.db")


@pytest.mark.sqlite_only
def test_pragmas(ledger):
    assert ledger.scalar("PRAGMA foreign_keys") == 1
    assert ledger.scalar("PRAGMA journal_mode") == "wal"
    assert ledger.scalar("PRAGMA busy_timeout") >= 1000


def dump(path) -> list:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)


@pytest.mark.sqlite_only
def test_rerun_changes_nothing(tmp_path):
    path = tmp_path / "l.db"
    open_ledger(str(path), create=True).close()
    before = dump(path)
    ledger = open_ledger(str(path))
    assert migrations.migrate(ledger) == []
    ledger.close()
    assert dump(path) == before


def test_an_older_ledger_upgrades_without_loss(tmp_path, monkeypatch, dunner, client):
    client("ACME")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-05")

    def m002(ledger):
        ledger.execute("ALTER TABLE client ADD COLUMN nickname TEXT")
        ledger.execute("UPDATE client SET nickname = lower(code)")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("m999_nickname", m002)])
    ledger = open_ledger(os.environ["DUNNER_DB"])
    assert ledger.scalar("SELECT nickname FROM client") == "acme"
    assert ledger.scalar("SELECT total_cents FROM invoice") == 10000
    names = {r[0] for r in ledger.all("SELECT name FROM migration")}
    assert names == {name for name, _ in migrations.MIGRATIONS} | {"m999_nickname"}


def test_a_first_release_ledger_gets_every_later_migration(tmp_path, monkeypatch):
    """A ledger written by the first release (m001 only), with data, opens in this one without loss."""
    path = new_ledger(tmp_path, "old.db")
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        old = open_ledger(path, create=True)
        old.execute(
            "INSERT INTO client (id, code, name, email, language, currency, created_at)"
            " VALUES (1, 'ACME', 'Acme', 'a@acme.fr', 'fr', 'EUR', 'now')"
        )
        old.execute(
            "INSERT INTO invoice (id, number, client_id, issued_on, currency, net_cents, total_cents,"
            " created_at) VALUES (1, 'F-1', 1, '2026-01-01', 'EUR', 500, 500, 'now')"
        )
        old.execute(
            "INSERT INTO instalment (id, invoice_id, seq, due_on, amount_cents) VALUES (1, 1, 1, '2026-01-31', 500)"
        )
        old.execute(
            "INSERT INTO reminder (instalment_id, step, channel, planned_on, status, created_at, updated_at)"
            " VALUES (1, 'reminder-1', 'email', '2026-02-07', 'sent', 'now', 'now')"
        )
        old.close()
    ledger = open_ledger(path)
    assert ledger.scalar("SELECT COUNT(*) FROM migration") == len(migrations.MIGRATIONS)
    assert ledger.scalar("SELECT acted_on FROM reminder") == "2026-02-07"
    assert ledger.scalar("SELECT total_cents FROM invoice WHERE number = 'F-1'") == 500
    ledger.close()
    if not POSTGRES:
        open_ledger(str(tmp_path / "fresh.db"), create=True).close()
        assert describe(tmp_path / "old.db") == describe(tmp_path / "fresh.db")


def test_a_failing_migration_leaves_no_trace(tmp_path, monkeypatch):
    path = new_ledger(tmp_path, "l.db")
    open_ledger(path, create=True).close()

    def m002(ledger):
        ledger.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("m999_broken", m002)])
    with pytest.raises(RuntimeError):
        open_ledger(path)
    ledger = open_ledger(path, migrate=False)
    assert not ledger.has_table("half_done") and ledger.has_table("client")
    done = [r[0] for r in ledger.all("SELECT name FROM migration ORDER BY name")]
    ledger.close()
    assert done == [name for name, _ in migrations.MIGRATIONS[:-1]]


def test_a_newer_ledger_is_refused(tmp_path):
    path = new_ledger(tmp_path, "l.db")
    ledger = open_ledger(path, create=True)
    ledger.execute("INSERT INTO migration VALUES ('m999_future', '2030-01-01T00:00:00Z')")
    ledger.close()
    with pytest.raises(OperationalError, match="written by a newer dunner"):
        open_ledger(path)


@pytest.mark.sqlite_only
def test_a_ledger_created_by_another_process_while_we_look_is_ours(tmp_path, monkeypatch):
    """Another dunner creating the same new ledger commits right after our first look at its tables: what we
    saw must be one snapshot, or its tables without its migration table would pass for another program's."""
    from dunner.edges.storage.ledger import Ledger

    path = tmp_path / "l.db"
    looked = []
    first_look = Ledger.one

    def one(self, sql, params=()):
        row = first_look(self, sql, params)
        if "sqlite_master" in sql and not looked:
            looked.append(sql)
            other = sqlite3.connect(path, isolation_level=None)  # the other process, in between
            other.execute("CREATE TABLE migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            other.execute("CREATE TABLE client (id INTEGER PRIMARY KEY)")
            other.close()
        return row

    monkeypatch.setattr(Ledger, "one", one)
    Ledger.open_file(str(path), create=True).close()
    assert looked


def _open(path: str) -> None:
    open_ledger(path, create=True).close()


def test_several_processes_create_the_same_ledger(tmp_path):
    path = new_ledger(tmp_path, "l.db")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(path,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    ledger = open_ledger(path, migrate=False)
    assert ledger.scalar("SELECT COUNT(*) FROM migration") == len(migrations.MIGRATIONS)
    ledger.close()


@pytest.mark.sqlite_only
def test_not_a_ledger(tmp_path, dunner):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello, I am a text file" * 100)
    result = dunner("--db", str(bogus), "clients", code=2)
    assert "is not a dunner ledger" in result.stderr


@pytest.mark.sqlite_only
def test_opening_waits_for_a_writer_before_switching_to_wal(tmp_path):
    """A new file still in rollback mode, another process writing: SQLite refuses the switch to WAL at once
    ("locked", without its busy wait). Opening waits for the writer, within the busy timeout."""
    path = tmp_path / "l.db"
    locked, release = threading.Event(), threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(5)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    locked.wait(5)
    threading.Timer(0.3, release.set).start()
    ledger = open_ledger(str(path), create=True)
    thread.join()
    assert release.is_set()
    assert ledger.scalar("PRAGMA journal_mode") == "wal"
    assert ledger.scalar("SELECT COUNT(*) FROM migration") == len(migrations.MIGRATIONS)
    ledger.close()


def test_bulk_inserts_leave_out_the_optional_columns_no_row_sets(tmp_path):
    """db.insert_rows: an optional column NULL in every row is not in the INSERT (a default shows it)."""
    ledger = open_ledger(new_ledger(tmp_path, "l.db"), create=True)
    ledger.execute("CREATE TABLE bulk (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT DEFAULT 'left out', c TEXT)")
    with ledger.transaction():
        ledger.insert_rows(
            "bulk", ("id", "a", "b", "c"), [(1, "x", None, None), (2, "y", None, None)], optional=("b", "c")
        )
        ledger.insert_rows(
            "bulk", ("id", "a", "b", "c"), [(3, "z", None, None), (4, "w", "set", None)], optional=("b",)
        )
        ledger.insert_rows("bulk", ("id", "a", "b"), [], optional=("b",))
    rows = [tuple(r) for r in ledger.all("SELECT id, a, b, c FROM bulk ORDER BY id")]
    ledger.close()
    assert rows == [(1, "x", "left out", None), (2, "y", "left out", None), (3, "z", None, None), (4, "w", "set", None)]
