"""Copy a whole ledger into another (SQLite into PostgreSQL, or back), then prove nothing was lost.

The copy is one transaction on the target: every table in dependency order, ids kept (so numbers,
threads and allocations keep pointing at the same rows), then the checks run inside that same
transaction and any difference rolls the whole copy back. The source is read under its write lock,
so no dunner changes it half-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.core.buckets import Buckets
from dunner.core.errors import Conflict, OperationalError
from dunner.edges.storage.ledger import Ledger, batches

BATCH = 5000
CHECK_COLUMNS = ["check", "source", "target", "match"]


def schema() -> list[tuple[str, list[str], str]]:
    """The tables to copy, parents first, each with its columns and key, as the SQLModel models declare them.

    The models (edges/storage/models.py) are the schema's description that tests/test_migrations.py proves
    equal to what the migrations create; SQLAlchemy orders their tables by their foreign keys. Imported
    here, when a copy runs, so that no other command pays for SQLModel."""
    from sqlmodel import SQLModel

    from dunner.edges.storage import models

    assert models.Reminder.__tablename__ == "reminder"  # the import registers the tables
    return [
        (table.name, [c.name for c in table.columns], table.primary_key.columns.values()[0].name)
        for table in SQLModel.metadata.sorted_tables
        if table.name != "migration"  # each ledger keeps its own record of the migrations it ran
    ]


def _check_schema(ledger: Ledger, tables: list[tuple[str, list[str], str]]) -> None:
    """A ledger whose tables are not the models' (another dunner's, half migrated) is not copied from or to."""
    for table, columns, _ in tables:
        have = set(ledger.columns(table)) if ledger.has_table(table) else set()
        missing = [c for c in columns if c not in have]
        if missing:
            raise OperationalError(
                f"the ledger {ledger.location} does not have the tables of this dunner ({table}: no {missing[0]})",
                hint="open it with this dunner once (it migrates), or use the dunner that wrote it",
            )


def copy_ledger(source: Ledger, target: Ledger, as_of: date) -> tuple[int, list[dict[str, Any]]]:
    """Copy every row of `source` into the empty `target`; return the rows copied and the checks."""
    tables = schema()
    for ledger in (source, target):
        _check_schema(ledger, tables)
    held = [(t, n) for t, _, _ in tables if (n := target.scalar(f"SELECT COUNT(*) FROM {t}"))]
    if held:
        table, count = held[0]
        raise Conflict(
            f"the target ledger {target.location} is not empty ({count} rows in {table})",
            hint="copy into a new, empty database or schema",
        )
    copied = 0
    with source.transaction(), target.transaction():
        for table, columns, key in tables:
            copied += _copy_table(source, target, table, columns, key)
            if key == "id":
                target.reset_ids(table)
        # a copied PostgreSQL ledger is planned well from its first query, the checks' included
        target.analyze([table for table, _, _ in tables])
        checks = list(_checks(source, target, as_of, tables))
        wrong = [c for c in checks if c["match"] != "yes"]
        if wrong:
            raise OperationalError(
                f"the copy does not match its source ({wrong[0]['check']}: {wrong[0]['source']} against "
                f"{wrong[0]['target']}); nothing was written"
            )
    return copied, checks


def _copy_table(source: Ledger, target: Ledger, table: str, columns: list[str], key: str) -> int:
    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    count = 0
    rows = source.rows(f"SELECT {names} FROM {table} ORDER BY {key}")
    for batch in batches((tuple(row) for row in rows), BATCH):
        target.executemany(insert, batch)
        count += len(batch)
    return count


def _checks(
    source: Ledger, target: Ledger, as_of: date, tables: list[tuple[str, list[str], str]]
) -> Iterator[dict[str, Any]]:
    """Row counts and money sums per table, then the aging totals per currency, on both sides."""
    for table, columns, _ in tables:
        money = [c for c in columns if c.endswith("_cents")]
        sums = "".join(f", COALESCE(SUM({c}), 0)" for c in money)
        sql = f"SELECT COUNT(*){sums} FROM {table}"
        mine, theirs = tuple(source.one(sql) or ()), tuple(target.one(sql) or ())
        for i, label in enumerate(["rows", *(f"sum of {c}" for c in money)]):
            yield _check(f"{table}: {label}", mine[i], theirs[i])
    before, after = _aging(source, as_of), _aging(target, as_of)
    for key in sorted(before.keys() | after.keys()):
        yield _check(f"aging {key[0]} {key[1]} as of {as_of}", before.get(key), after.get(key))


def _aging(ledger: Ledger, as_of: date) -> dict[tuple[str, str], Any]:
    from dunner.ledger.aging import aging_by_client, currency_totals

    buckets = Buckets()
    totals = currency_totals(list(aging_by_client(ledger, as_of, buckets)), buckets)
    return {(row["currency"], key): row[key] for row in totals for key in ("credit", "total")}


def _check(what: str, source: Any, target: Any) -> dict[str, Any]:
    return {"check": what, "source": source, "target": target, "match": "yes" if source == target else "NO"}
