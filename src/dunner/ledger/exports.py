"""CSV exports with the same columns the imports read, so an export of plain invoices imports back unchanged.

What those columns cannot carry (deposits, credit notes, instalment plans, discounts, write-offs) is
left out or flattened, and `export_notes` says so, so nobody mistakes an export for a backup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dunner.core.money import machine_amount
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import list_clients
from dunner.ledger.importing import COLUMNS

INVOICE_EXPORT = (
    "number",
    "client",
    "issued",
    "due",
    "currency",
    "service",
    "description",
    "quantity",
    "unit_price",
    "vat_rate",
    "vat_exemption",
    "category",
    "delivery_address",
    "order",
)


def export_rows(ledger: Ledger, kind: str) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """The columns and the rows of an export of clients, invoices (one row a line) or payments."""
    rows = {"clients": _clients, "invoices": _invoices, "payments": _payments}[kind](ledger)
    return (INVOICE_EXPORT if kind == "invoices" else COLUMNS[kind]), rows


def _clients(ledger: Ledger) -> Iterator[dict[str, Any]]:
    for client in list_clients(ledger):
        yield client.as_row()


# Invoices (not deposits or credit notes, which say more than these columns can) with their lines, in the order
# of the export. `vat_exemption` is "none" for 0 % lines issued without a reason: empty would mean the client's.
INVOICES_SQL = (
    "SELECT v.number, c.code, v.issued_on, (SELECT MAX(due_on) FROM instalment i WHERE i.invoice_id = v.id),"
    " v.currency, v.service_on, l.description, l.quantity, l.unit_price_cents, l.vat_rate,"
    " COALESCE(v.vat_exemption, CASE WHEN EXISTS (SELECT 1 FROM invoice_line z"
    " WHERE z.invoice_id = v.id AND CAST(z.vat_rate AS REAL) = 0) THEN 'none' END),"
    " v.category, v.delivery_address, v.order_ref"
    " FROM invoice v JOIN client c ON c.id = v.client_id JOIN invoice_line l ON l.invoice_id = v.id"
    " WHERE v.kind = 'invoice' ORDER BY v.issued_on, v.number, l.position"
)  # the columns of INVOICE_EXPORT, in its order


def _invoices(ledger: Ledger) -> Iterator[dict[str, Any]]:
    # An export is CSV only: dates go as stored (ISO) and cents as machine amounts, straight from the rows.
    for row in ledger.rows(INVOICES_SQL):
        values = dict(zip(INVOICE_EXPORT, row, strict=True))
        values["unit_price"] = machine_amount(values["unit_price"], values["currency"])
        yield values


# A payment reversed (a bank return, a match undone) and its reversal cancel out: neither is exported,
# so a re-import shows the same balances (import takes positive amounts only).
REVERSED = "(p.reverses_id IS NOT NULL OR EXISTS (SELECT 1 FROM payment r WHERE r.reverses_id = p.id))"


# The payments exported, oldest first.
PAYMENTS_SQL = (
    "SELECT p.*, c.code, (SELECT CASE WHEN COUNT(DISTINCT i.invoice_id) = 1"
    " THEN MIN(v.number) END FROM allocation a JOIN instalment i ON i.id = a.instalment_id"
    " JOIN invoice v ON v.id = i.invoice_id WHERE a.payment_id = p.id) AS invoice"
    " FROM payment p JOIN client c ON c.id = p.client_id WHERE p.method NOT IN ('credit_note', 'discount')"
    f" AND NOT {REVERSED} ORDER BY p.received_on, p.id"
)


def _payments(ledger: Ledger) -> Iterator[dict[str, Any]]:
    # `invoice` is filled when the payment went to one invoice (any excess staying as credit), so a
    # re-import applies it the same way; a payment spread over several invoices is applied oldest first.
    for row in ledger.rows(PAYMENTS_SQL):
        yield {
            "client": row["code"],
            "date": row["received_on"],
            "amount": machine_amount(row["amount_cents"], row["currency"]),
            "currency": row["currency"],
            "method": row["method"],
            "reference": row["reference"],
            "invoice": row["invoice"],
            "note": row["note"],
        }


def export_notes(ledger: Ledger, kind: str) -> list[str]:
    """What an export of `kind` leaves out or flattens, one sentence each (none: it re-imports whole)."""
    if kind == "payments":
        count = ledger.scalar("SELECT COUNT(*) FROM payment WHERE method IN ('credit_note', 'discount')")
        notes = [f"{count} settlement(s) by credit note or discount are not exported"] if count else []
        undone = ledger.scalar("SELECT COUNT(*) FROM payment WHERE reverses_id IS NOT NULL")
        return notes + ([f"{undone} reversed payment(s) and their reversals are not exported"] if undone else [])
    if kind != "invoices":
        return []
    counts = ledger.one(
        "SELECT COUNT(CASE WHEN kind = 'deposit' THEN 1 END) AS deposits,"
        " COUNT(CASE WHEN kind = 'credit_note' THEN 1 END) AS notes,"
        " COUNT(CASE WHEN kind = 'invoice' AND (SELECT COUNT(*) FROM instalment i WHERE i.invoice_id = v.id) > 1"
        " THEN 1 END) AS plans,"
        " COUNT(CASE WHEN kind = 'invoice' AND prepaid_cents > 0 THEN 1 END) AS deducting,"
        " COUNT(CASE WHEN kind = 'invoice' AND discount_rate IS NOT NULL THEN 1 END) AS discounts,"
        " COUNT(CASE WHEN kind = 'invoice' AND status <> 'issued' THEN 1 END) AS closed FROM invoice v"
    )
    said = {
        "deposits": "deposit invoice(s) are not exported",
        "notes": "credit note(s) are not exported",
        "plans": "invoice(s) with an instalment plan are exported with their last due date only",
        "deducting": "invoice(s) deducting deposits are exported at their full total",
        "discounts": "invoice(s) with early-payment discount terms are exported without them",
        "closed": "void or written-off invoice(s) are exported as if still issued",
    }
    return [f"{counts[key]} {text}" for key, text in said.items() if counts[key]]
