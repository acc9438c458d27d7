"""Invoices: finding them, and listing what is open, overdue or paid (issuing them is in issuing.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dunner.core import validate
from dunner.core.errors import NotFound
from dunner.core.invoicing import Line
from dunner.core.money import Money, machine_amount
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import PAID
from dunner.ledger.clients import Client, get_client

STATUSES = ("open", "overdue", "paid", "all")


@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    number: str
    client_id: int
    issued_on: date
    currency: str
    total: Money
    status: str
    kind: str = "invoice"


def get_invoice(ledger: Ledger, number: str) -> Invoice:
    row = ledger.one("SELECT * FROM invoice WHERE number = ?", (number.strip(),))
    if row is None:
        raise NotFound(f"no invoice '{number}'", hint="see 'dunner invoices --status all'")
    return Invoice(
        id=row["id"],
        number=row["number"],
        client_id=row["client_id"],
        issued_on=date.fromisoformat(row["issued_on"]),
        currency=row["currency"],
        total=Money(row["total_cents"], row["currency"]),
        status=row["status"],
        kind=row["kind"],
    )


def credited_on(ledger: Ledger, invoice_id: int) -> int:
    """Minor units already credited on an invoice (credit notes, early-payment discounts included)."""
    return ledger.scalar(
        "SELECT COALESCE(SUM(total_cents), 0) FROM invoice WHERE kind = 'credit_note' AND related_invoice_id = ?",
        (invoice_id,),
    )


def list_invoices(
    ledger: Ledger, as_of: date, *, client_code: str | None = None, status: str = "open", machine: bool = False
) -> Iterator[dict[str, Any]]:
    """Invoices issued by `as_of` with what was paid and remains due on that date. With `machine`, dates and
    amounts come as CSV and JSON write them (ISO dates, "1234.56"), straight from the query's rows."""
    validate.choice(status, STATUSES, "status")
    params: dict[str, Any] = {"as_of": as_of.isoformat()}
    if client_code is not None:
        params["client_id"] = get_client(ledger, client_code).id
    sql = listing_sql(status, one_client=client_code is not None)
    yield from _invoice_rows(ledger.rows(sql, params), as_of, machine)


def listing_sql(status: str, *, one_client: bool = False) -> str:
    """The query of `list_invoices` (:as_of, and :client_id with `one_client`): one row an invoice."""
    where = "v.issued_on <= :as_of AND v.kind <> 'credit_note'"
    if one_client:
        where += " AND v.client_id = :client_id"
    having = {
        "open": "MAX(active) = 1 AND SUM(open_cents) > 0",
        "overdue": "MAX(active) = 1 AND SUM(open_cents) > 0 AND MIN(CASE WHEN open_cents > 0 THEN due_on END) < :as_of",
        "paid": "MAX(active) = 1 AND SUM(open_cents) = 0",
        "all": "1 = 1",
    }[status]
    return f"""
        SELECT number, code, issued_on, currency, total_cents, status, status_on,
               SUM(paid_cents) AS paid_cents, SUM(open_cents) AS open_cents,
               MIN(CASE WHEN open_cents > 0 THEN due_on END) AS next_due, MAX(due_on) AS last_due
        FROM (
            SELECT *, amount_cents - paid_cents AS open_cents FROM (
                SELECT v.id, v.number, c.code, v.issued_on, v.currency, v.total_cents, v.status,
                       v.status_on, COALESCE(i.due_on, v.issued_on) AS due_on,
                       COALESCE(i.amount_cents, 0) AS amount_cents, {PAID} AS paid_cents,
                       CASE WHEN v.status = 'issued' OR v.status_on > :as_of THEN 1 ELSE 0 END AS active
                FROM invoice v JOIN client c ON c.id = v.client_id LEFT JOIN instalment i ON i.invoice_id = v.id
                WHERE {where}
            )
        )
        GROUP BY id, number, code, issued_on, currency, total_cents, status, status_on HAVING {having}
        ORDER BY issued_on, number
    """


def _invoice_rows(rows: Iterator[Any], as_of: date, machine: bool) -> Iterator[dict[str, Any]]:
    """One dict an invoice; with `machine`, dates and amounts as CSV and JSON carry them (no date or Money a row)."""
    day = as_of.isoformat()
    amount: Any = machine_amount if machine else Money
    when: Any = str if machine else date.fromisoformat
    for row in rows:
        cur, outstanding = row["currency"], row["open_cents"]
        due = row["next_due"] or row["last_due"]
        yield {
            "invoice": row["number"],
            "client": row["code"],
            "issued": when(row["issued_on"]),
            "due": when(due),
            "currency": cur,
            "total": amount(row["total_cents"], cur),
            "paid": amount(row["paid_cents"], cur),
            "outstanding": amount(outstanding, cur),
            "days_overdue": (as_of - date.fromisoformat(due)).days if outstanding > 0 else None,
            "status": _status(row, due, day),
        }


def _status(row: Any, due: str, day: str) -> str:
    """What an invoice is on `day` (ISO): void or written off by then, paid, overdue (`due`, ISO) or open."""
    if row["status"] != "issued" and row["status_on"] and row["status_on"] <= day:
        return row["status"].replace("_", " ")
    if row["open_cents"] <= 0:
        return "paid"
    return "overdue" if due < day else "open"


def invoice_lines(ledger: Ledger, invoice: Invoice) -> list[Line]:
    """An issued invoice's lines, in order, as the invoicing core computes with them."""
    return [
        Line(
            r["description"],
            Decimal(r["quantity"]),
            Money(r["unit_price_cents"], invoice.currency),
            None if r["vat_rate"] is None else Decimal(r["vat_rate"]),
        )
        for r in ledger.all("SELECT * FROM invoice_line WHERE invoice_id = ? ORDER BY position", (invoice.id,))
    ]


def client_of_invoice(ledger: Ledger, number: str) -> Client:
    """The client an invoice is made out to."""
    invoice = get_invoice(ledger, number)
    return get_client(ledger, ledger.scalar("SELECT code FROM client WHERE id = ?", (invoice.client_id,)))
