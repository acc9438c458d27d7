"""CSV exports with the same columns the imports read, so an export imports back unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.db import Ledger
from dunner.money import Money
from dunner.services.clients import list_clients
from dunner.services.imports import COLUMNS

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
)


def export_rows(ledger: Ledger, kind: str) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """The columns and the rows of an export of clients, invoices (one row a line) or payments."""
    rows = {"clients": _clients, "invoices": _invoices, "payments": _payments}[kind](ledger)
    return (INVOICE_EXPORT if kind == "invoices" else COLUMNS[kind]), rows


def _clients(ledger: Ledger) -> Iterator[dict[str, Any]]:
    for client in list_clients(ledger):
        yield client.as_row()


def _invoices(ledger: Ledger) -> Iterator[dict[str, Any]]:
    # Invoices (not deposits or credit notes, which say more than these columns can) with their lines.
    for row in ledger.rows(
        "SELECT v.number, c.code, v.issued_on, v.currency, v.service_on, l.description, l.quantity,"
        " l.unit_price_cents, l.vat_rate, (SELECT MAX(due_on) FROM instalment i WHERE i.invoice_id = v.id) AS due_on"
        " FROM invoice v JOIN client c ON c.id = v.client_id JOIN invoice_line l ON l.invoice_id = v.id"
        " WHERE v.kind = 'invoice' ORDER BY v.issued_on, v.number, l.position"
    ):
        yield {
            "number": row["number"],
            "client": row["code"],
            "issued": date.fromisoformat(row["issued_on"]),
            "due": date.fromisoformat(row["due_on"]),
            "currency": row["currency"],
            "service": date.fromisoformat(row["service_on"]) if row["service_on"] else None,
            "description": row["description"],
            "quantity": row["quantity"],
            "unit_price": Money(row["unit_price_cents"], row["currency"]),
            "vat_rate": row["vat_rate"],
        }


def _payments(ledger: Ledger) -> Iterator[dict[str, Any]]:
    # `invoice` is filled when the payment went to one invoice (any excess staying as credit), so a
    # re-import applies it the same way; a payment spread over several invoices is applied oldest first.
    for row in ledger.rows(
        "SELECT p.*, c.code, (SELECT CASE WHEN COUNT(DISTINCT i.invoice_id) = 1"
        " THEN MIN(v.number) END FROM allocation a JOIN instalment i ON i.id = a.instalment_id"
        " JOIN invoice v ON v.id = i.invoice_id WHERE a.payment_id = p.id) AS invoice"
        " FROM payment p JOIN client c ON c.id = p.client_id WHERE p.method NOT IN ('credit_note', 'discount')"
        " ORDER BY p.received_on, p.id"
    ):
        yield {
            "client": row["code"],
            "date": date.fromisoformat(row["received_on"]),
            "amount": Money(row["amount_cents"], row["currency"]),
            "currency": row["currency"],
            "method": row["method"],
            "reference": row["reference"],
            "invoice": row["invoice"],
            "note": row["note"],
        }
