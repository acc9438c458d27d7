"""The aging table: what each client owes, split by how late it is, as of a date.

The bucketing runs in the database: each bucket is a range of due dates computed from the as-of
date (buckets.Buckets.due_ranges), so SQL only compares dates and sums cents, one pass over the
instalments, and Python sees one row per client and currency.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.buckets import Buckets
from dunner.db import Ledger
from dunner.money import Money
from dunner.services.balances import INSTALMENTS, credit_sql

BY = ("client", "invoice")


def client_columns(buckets: Buckets) -> list[str]:
    return ["client", "currency", "credit", *buckets.names, "total"]


INVOICE_COLUMNS = ["client", "invoice", "currency", "due_date", "days_overdue", "outstanding", "bucket"]


def _bucket_sums(buckets: Buckets, as_of: date) -> tuple[str, dict[str, str]]:
    """SUM(CASE ...) expressions, one per bucket, and their date parameters."""
    exprs, params = [], {}
    for i, (earliest, latest) in enumerate(buckets.due_ranges(as_of)):
        tests = []
        if earliest is not None:
            tests.append(f"due_on >= :lo{i}")
            params[f"lo{i}"] = earliest.isoformat()
        if latest is not None:
            tests.append(f"due_on <= :hi{i}")
            params[f"hi{i}"] = latest.isoformat()
        exprs.append(f"SUM(CASE WHEN {' AND '.join(tests)} THEN open_cents ELSE 0 END) AS b{i}")
    return ", ".join(exprs), params


def aging_by_client(ledger: Ledger, as_of: date, buckets: Buckets) -> Iterator[dict[str, Any]]:
    """One row per client and currency: credit, each bucket, and total = buckets - credit."""
    sums, params = _bucket_sums(buckets, as_of)
    sql = f"""
        SELECT c.code, x.currency, SUM(x.credit_cents) AS credit_cents, {sums}
        FROM (
            SELECT client_id, currency, due_on, amount_cents - paid_cents AS open_cents, 0 AS credit_cents
            FROM ({INSTALMENTS}) WHERE amount_cents <> paid_cents
            UNION ALL
            SELECT client_id, currency, NULL, 0, credit_cents FROM ({credit_sql()})
        ) x JOIN client c ON c.id = x.client_id
        GROUP BY x.client_id, x.currency
        ORDER BY lower(c.code), x.currency
    """
    names = buckets.names
    for row in ledger.rows(sql, {"as_of": as_of.isoformat(), **params}):
        cur = row["currency"]
        amounts = [row[f"b{i}"] for i in range(len(names))]
        credit = row["credit_cents"]
        yield {
            "client": row["code"],
            "currency": cur,
            "credit": Money(credit, cur),
            **{name: Money(cents, cur) for name, cents in zip(names, amounts, strict=True)},
            "total": Money(sum(amounts) - credit, cur),
        }


def aging_by_invoice(ledger: Ledger, as_of: date, buckets: Buckets) -> Iterator[dict[str, Any]]:
    """One row per instalment with money still owing as of `as_of`."""
    sql = f"""
        SELECT c.code, x.number, x.currency, x.due_on, x.amount_cents - x.paid_cents AS open_cents
        FROM ({INSTALMENTS}) x JOIN client c ON c.id = x.client_id
        WHERE x.amount_cents <> x.paid_cents
        ORDER BY lower(c.code), x.due_on, x.number, x.seq
    """
    for row in ledger.rows(sql, {"as_of": as_of.isoformat()}):
        due = date.fromisoformat(row["due_on"])
        days = (as_of - due).days
        yield {
            "client": row["code"],
            "invoice": row["number"],
            "currency": row["currency"],
            "due_date": due,
            "days_overdue": days,
            "outstanding": Money(row["open_cents"], row["currency"]),
            "bucket": buckets.name(days),
        }
