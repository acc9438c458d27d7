"""The aging table: what each client owes, split by how late it is, as of a date.

The bucketing runs in the database: each bucket is a range of due dates computed from the as-of
date (buckets.Buckets.due_ranges), so SQL only compares dates and sums cents, one pass over the
instalments, and Python sees one row per client and currency.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.core.buckets import Buckets
from dunner.core.money import Money
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import FENCE, all_instalments, paid_sql

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
        # open = active amount - paid; a voided or written-off instalment has no active amount
        exprs.append(
            f"SUM(CASE WHEN {' AND '.join(tests)} AND active_cents > 0 THEN active_cents - paid_cents ELSE 0 END)"
            f" AS b{i}"
        )
    return ", ".join(exprs), params


def client_sql(as_of: date, buckets: Buckets, dialect: str = "sqlite") -> tuple[str, dict[str, str]]:
    """The aging-by-client query and its parameters (the benchmark runs it raw as its baseline).

    Credit is what the client paid by `as_of` minus what was applied by then; both sums come from one
    pass over the instalments (each allocation belongs to one) and one over the payments.
    """
    sums, params = _bucket_sums(buckets, as_of)
    paid, join = paid_sql(dialect)
    zeros = ", ".join(f"0 AS b{i}" for i in range(len(buckets.names)))
    totals = ", ".join(f"SUM(b{i}) AS b{i}" for i in range(len(buckets.names)))
    nonzero = " OR ".join(f"SUM(b{i}) <> 0" for i in range(len(buckets.names)))
    sql = f"""
        SELECT c.code, x.currency, SUM(x.received) - SUM(x.applied) AS credit_cents, {totals}
        FROM (
            SELECT client_id, currency, SUM(paid_cents) AS applied, 0 AS received, {sums}
            FROM (
                SELECT v.client_id, v.currency, i.due_on, {paid} AS paid_cents,
                       CASE WHEN v.status = 'issued' OR v.status_on > :as_of THEN i.amount_cents ELSE 0 END
                           AS active_cents
                FROM instalment i JOIN invoice v ON v.id = i.invoice_id{join}
                WHERE v.issued_on <= :as_of {FENCE}
            ) GROUP BY client_id, currency
            UNION ALL
            SELECT client_id, currency, 0, SUM(amount_cents), {zeros}
            FROM payment WHERE received_on <= :as_of GROUP BY client_id, currency
        ) x JOIN client c ON c.id = x.client_id
        GROUP BY x.client_id, x.currency, c.code
        HAVING SUM(x.received) <> SUM(x.applied) OR {nonzero}
        ORDER BY lower(c.code), x.currency
    """
    return sql, {"as_of": as_of.isoformat(), **params}


def aging_by_client(ledger: Ledger, as_of: date, buckets: Buckets) -> Iterator[dict[str, Any]]:
    """One row per client and currency: credit, each bucket, and total = buckets - credit."""
    count = len(buckets.names)
    sql, params = client_sql(as_of, buckets, ledger.dialect)
    for row in ledger.rows(sql, params):
        amounts = [row[f"b{i}"] for i in range(count)]
        yield aging_row(row["code"], row["currency"], row["credit_cents"], amounts, buckets)


def aging_row(client: str, cur: str, credit: int, amounts: list[int], buckets: Buckets) -> dict[str, Any]:
    """A row of the aging by client from its cents (also made by insight/figures.py for the report)."""
    return {
        "client": client,
        "currency": cur,
        "credit": Money(credit, cur),
        **{name: Money(cents, cur) for name, cents in zip(buckets.names, amounts, strict=True)},
        "total": Money(sum(amounts) - credit, cur),
    }


def currency_totals(rows: list[dict[str, Any]], buckets: Buckets) -> list[dict[str, Any]]:
    """A TOTAL row per currency of aging_by_client's rows (never one across currencies)."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = totals.setdefault(row["currency"], {"client": "TOTAL", "currency": row["currency"]})
        for key in client_columns(buckets)[2:]:
            total[key] = total[key] + row[key] if key in total else row[key]
    return list(totals.values())


def aging_by_invoice(ledger: Ledger, as_of: date, buckets: Buckets) -> Iterator[dict[str, Any]]:
    """One row per instalment with money still owing as of `as_of`."""
    sql = f"""
        SELECT c.code, x.number, x.currency, x.due_on, x.amount_cents - x.paid_cents AS open_cents
        FROM ({all_instalments(ledger.dialect)}) x JOIN client c ON c.id = x.client_id
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
