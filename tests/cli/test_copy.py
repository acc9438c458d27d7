"""dunner copy: a whole ledger into another database (SQLite into PostgreSQL on the PostgreSQL run)."""

import json

import pytest

from dunner.ledger import copy as copy_service
from helpers import new_ledger

AS_OF = "2026-11-23"


@pytest.fixture
def source(dunner, tmp_path):
    """The demo ledger (every kind of row: plans, partial payments, credit, promises, disputes) in an
    SQLite file, with a deposit, a credit note and a reminder added."""
    dunner("demo", "--dir", str(tmp_path / "demo"), "--as-of", AS_OF)
    db = str(tmp_path / "demo" / "ledger.db")
    config = str(tmp_path / "demo" / "dunner.toml")

    def run(*args, code=0):
        return dunner("--db", db, "--config", config, *args, code=code)

    run("deposit", "ACME", "30%", "--of", "1000", "--vat", "20", "--issued", "2026-11-20")
    invoice = run("invoices", "--format", "json", "--as-of", AS_OF).stdout
    run("credit-note", json.loads(invoice)[0]["invoice"], "10", "--on", "2026-11-20", "--reason", "geste commercial")
    return run


def views(run):
    """What a user sees of a ledger: aging by client and by invoice, every invoice, every payment."""
    return [
        run("aging", "--format", "csv", "--as-of", AS_OF).stdout,
        run("aging", "--by", "invoice", "--format", "csv", "--as-of", AS_OF).stdout,
        run("invoices", "--status", "all", "--format", "csv", "--as-of", AS_OF).stdout,
        run("export", "payments").stdout,
        run("stats", "--format", "csv", "--as-of", AS_OF).stdout,
    ]


def test_copy_moves_everything_and_proves_the_totals(dunner, tmp_path, source):
    target = new_ledger(tmp_path, "copy.db")
    result = source("copy", "--to", target, "--as-of", AS_OF, "--format", "json")
    checks = json.loads(result.stdout)
    assert all(c["match"] == "yes" for c in checks)
    by_name = {c["check"]: c for c in checks}
    assert by_name["invoice: rows"]["source"] == by_name["invoice: rows"]["target"] >= 29
    assert by_name[f"aging EUR total as of {AS_OF}"]["target"] == by_name[f"aging EUR total as of {AS_OF}"]["source"]
    assert "checks match" in result.stderr

    def there(*args, code=0):
        return dunner("--db", target, "--config", str(tmp_path / "demo" / "dunner.toml"), *args, code=code)

    assert views(there) == views(source)
    # the copy is a working ledger: ids and numbers carry on after the copied ones
    assert there("invoice", "ACME", "100", "--issued", "2026-11-23").stdout.strip() == (
        source("invoice", "ACME", "100", "--issued", "2026-11-23").stdout.strip()
    )
    there("pay", "--client", "ACME", "100", "--on", "2026-11-23")
    # and a copy never lands on a ledger that holds anything
    again = source("copy", "--to", target, code=2)
    assert "is not empty" in again.stderr


def test_a_copy_into_postgresql_has_the_planners_statistics(dunner, tmp_path, source):
    """Issue 15 item 5: without them PostgreSQL plans blind until autovacuum comes by (aging by invoice of a
    copied 1M-invoice ledger took 50 s instead of 3)."""
    from dunner.edges.storage import open_ledger

    target = new_ledger(tmp_path, "copy.db")
    source("copy", "--to", target, "--as-of", AS_OF)
    ledger = open_ledger(target)
    try:
        if ledger.dialect != "postgresql":
            pytest.skip("SQLite's plans are made without statistics")
        analyzed = ledger.scalar(
            "SELECT COUNT(DISTINCT tablename) FROM pg_stats WHERE schemaname = current_schema()"
            " AND tablename IN ('invoice', 'instalment', 'payment', 'allocation')"
        )
        assert analyzed == 4
    finally:
        ledger.close()


def test_a_failed_copy_writes_nothing(dunner, tmp_path, source, monkeypatch):
    target = new_ledger(tmp_path, "copy.db")
    real = copy_service._copy_table

    def fail_at_events(src, dst, table, *how):
        if table == "event":
            raise copy_service.OperationalError("disk full")
        return real(src, dst, table, *how)

    monkeypatch.setattr(copy_service, "_copy_table", fail_at_events)
    assert "disk full" in source("copy", "--to", target, code=1).stderr
    monkeypatch.setattr(copy_service, "_copy_table", real)
    assert dunner("--db", target, "clients", "--format", "json").stdout == "[]\n"


def test_a_copy_that_does_not_match_is_rolled_back(dunner, tmp_path, source, monkeypatch):
    target = new_ledger(tmp_path, "copy.db")
    real = copy_service._copy_table

    def miscount_a_payment(src, dst, table, *how):
        count = real(src, dst, table, *how)
        if table == "payment":
            dst.execute("UPDATE payment SET amount_cents = amount_cents + 1 WHERE id = (SELECT MAX(id) FROM payment)")
        return count

    monkeypatch.setattr(copy_service, "_copy_table", miscount_a_payment)
    error = source("copy", "--to", target, code=1).stderr
    assert "does not match its source (payment: sum of amount_cents" in error and "nothing was written" in error
    assert dunner("--db", target, "clients", "--format", "json").stdout == "[]\n"


def test_a_ledger_is_not_copied_onto_itself(dunner, tmp_path):
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr")
    import os

    assert "onto itself" in dunner("copy", "--to", os.environ["DUNNER_DB"], code=2).stderr


def test_the_copy_reads_its_tables_from_the_models():
    """The SQLModel models say which tables there are, parents first, with their columns and keys."""
    from sqlmodel import SQLModel

    tables = copy_service.schema()
    names = [name for name, _, _ in tables]
    assert set(names) == {t.name for t in SQLModel.metadata.sorted_tables} - {"migration"}
    for table in SQLModel.metadata.sorted_tables:
        for key in table.foreign_keys:  # every row's references arrive before it (an invoice's own: by id)
            if key.column.table is not table:
                assert names.index(key.column.table.name) < names.index(table.name)
    assert dict((n, k) for n, _, k in tables)["number_series"] == "series"
    assert "asked_cents" in dict((n, c) for n, c, _ in tables)["reminder"]


@pytest.mark.sqlite_only
def test_a_ledger_without_the_models_columns_is_not_copied(dunner, tmp_path, source):
    import sqlite3

    db = tmp_path / "demo" / "ledger.db"
    with sqlite3.connect(db) as conn:  # as if written by a dunner that never had this column
        conn.execute("ALTER TABLE reminder DROP COLUMN asked_cents")
    result = source("copy", "--to", new_ledger(tmp_path, "copy.db"), code=1)
    assert "does not have the tables of this dunner (reminder: no asked_cents)" in result.stderr
