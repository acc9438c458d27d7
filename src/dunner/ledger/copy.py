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

# Parents before children: a row's references always exist when it arrives.
TABLES = (
    "client",
    "invoice_parties",
    "invoice",
    "invoice_line",
    "instalment",
    "deposit_deduction",
    "payment",
    "allocation",
    "event",
    "reminder",
    "number_series",
)
KEYS = {"number_series": "series"}
BATCH = 5000
CHECK_COLUMNS = ["check", "source", "target", "match"]


def copy_ledger(source: Ledger, target: Ledger, as_of: date) -> tuple[int, list[dict[str, Any]]]:
    """Copy every row of `source` into the empty `target`; return the rows copied and the checks."""
    missing = [t for t in TABLES if not target.has_table(t) or not source.has_table(t)]
    if missing:
        raise OperationalError(f"table {missing[0]} is missing from one of the ledgers")
    held = [(t, n) for t in TABLES if (n := target.scalar(f"SELECT COUNT(*) FROM {t}"))]
    if held:
        table, count = held[0]
        raise Conflict(
            f"the target ledger {target.location} is not empty ({count} rows in {table})",
            hint="copy into a new, empty database or schema",
        )
    copied = 0
    with source.transaction(), target.transaction():
        for table in TABLES:
            copied += _copy_table(source, target, table)
            if table != "number_series":
                target.reset_ids(table)
        checks = list(_checks(source, target, as_of))
        wrong = [c for c in checks if c["match"] != "yes"]
        if wrong:
            raise OperationalError(
                f"the copy does not match its source ({wrong[0]['check']}: {wrong[0]['source']} against "
                f"{wrong[0]['target']}); nothing was written"
            )
    return copied, checks


def _copy_table(source: Ledger, target: Ledger, table: str) -> int:
    wanted = set(target.columns(table))
    columns = [c for c in source.columns(table) if c in wanted]
    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    count = 0
    rows = source.rows(f"SELECT {names} FROM {table} ORDER BY {KEYS.get(table, 'id')}")
    for batch in batches((tuple(row) for row in rows), BATCH):
        target.executemany(insert, batch)
        count += len(batch)
    return count


def _checks(source: Ledger, target: Ledger, as_of: date) -> Iterator[dict[str, Any]]:
    """Row counts and money sums per table, then the aging totals per currency, on both sides."""
    for table in TABLES:
        money = [c for c in source.columns(table) if c.endswith("_cents")]
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
