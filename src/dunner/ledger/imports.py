"""CSV imports: all-or-nothing, every bad row reported, and idempotent on natural keys.

Natural keys: a client's code, an invoice's number, a payment's reference within its client (or, for
payments without one, the same client, date, amount and currency: a file imported twice adds nothing).
Everything runs in one transaction; any bad row and it rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dunner.core import validate
from dunner.core.errors import ImportRejected, RowError
from dunner.edges.config import Config
from dunner.edges.csvio import Record, read_records
from dunner.edges.runtime import few_collections
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import COLUMN_OF, Client, client_values, insert_client, list_clients
from dunner.ledger.import_invoices import import_invoices
from dunner.ledger.import_payments import import_payments
from dunner.ledger.importing import COLUMNS, KINDS, REQUIRED, Importer, ImportReport


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _check_header(kind: str, header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS[kind]]
    missing = [r for r in REQUIRED[kind] if r not in header]
    problems = [RowError(1, h, f"unknown column (known: {', '.join(COLUMNS[kind])})") for h in unknown]
    problems += [RowError(1, m, "required column is missing") for m in missing]
    if problems:
        raise ImportRejected(problems)


def import_file(
    ledger: Ledger,
    config: Config,
    kind: str,
    source: str,
    *,
    date_format: str | None = None,
    delimiter: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import clients, invoices or payments from a CSV file ('-' for stdin); all or nothing."""
    validate.choice(kind, KINDS, "what to import")
    header, records = read_records(source, delimiter)
    _check_header(kind, header)
    run = Importer(ledger, config, header, date_format, ImportReport(kind, dry_run=dry_run))
    steps = {"clients": _import_clients, "invoices": import_invoices, "payments": import_payments}
    try:
        with ledger.transaction(), few_collections():
            steps[kind](run, records)
            if run.errors:
                raise ImportRejected(run.errors)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return run.report


# -- clients ----------------------------------------------------------------------------------------


def _import_clients(run: Importer, records: Iterator[Record]) -> None:
    existing = {c.code.lower(): c for c in list_clients(run.ledger)}
    seen: dict[str, int] = {}
    for record in records:
        values = run.check(record, lambda chk, raw: client_values(run.config, raw))
        if values is None:
            continue
        key = values["code"].lower()
        if key in seen:
            run.errors.append(RowError(record.line, "code", f"client {values['code']} already on line {seen[key]}"))
            continue
        seen[key] = record.line
        old = existing.get(key)
        if old is None:
            insert_client(run.ledger, values)
            run.report.added += 1
        elif _client_changes(old, values, record.values):
            changes = _client_changes(old, values, record.values)
            run.ledger.execute(
                f"UPDATE client SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                [*changes.values(), old.id],
            )
            run.report.updated += 1
        else:
            run.report.unchanged += 1


def _client_changes(old: Client, values: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """The columns the file sets to something new (columns absent from the file are left alone)."""
    field_of = {column: name for name, column in COLUMN_OF.items()}
    current = old.stored()
    return {
        column: value
        for column, value in values.items()
        if column != "code" and field_of.get(column, column) in given and current[column] != value
    }


# -- invoices ---------------------------------------------------------------------------------------
#
# Two shapes: one row per invoice with its `amount` (and an optional `vat` rate, the amount then being
# before VAT), or one row per line with `quantity`, `unit_price` and `vat_rate`, the rows of one invoice
# next to each other and repeating its number, client and dates.


# -- payments ---------------------------------------------------------------------------------------
