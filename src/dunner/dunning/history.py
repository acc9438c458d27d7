"""The history of a client or an invoice: one timeline of invoices, payments, reminders and events."""

from __future__ import annotations

from datetime import date
from typing import Any

from dunner.core.errors import NotFound
from dunner.core.money import Money
from dunner.edges.storage.ledger import Ledger

COLUMNS = ["date", "kind", "invoice", "amount", "detail"]


def history(ledger: Ledger, who: str) -> tuple[str, list[dict[str, Any]]]:
    """(title, rows) for an invoice number, else a client code."""
    invoice = ledger.one("SELECT id, number, client_id FROM invoice WHERE number = ?", (who.strip(),))
    if invoice is not None:
        where, params, title = "v.id = ?", (invoice["id"],), f"History of invoice {invoice['number']}"
    else:
        client = ledger.one("SELECT id, code, name FROM client WHERE lower(code) = lower(?)", (who.strip(),))
        if client is None:
            raise NotFound(f"no invoice or client '{who}'")
        where, params, title = (
            "v.client_id = ?",
            (client["id"],),
            f"History of {client['name']} ({client['code']})",
        )
    rows = _invoices(ledger, where, params) + _payments(ledger, where, params) + _reminders(ledger, where, params)
    rows += _events(ledger, invoice, params if invoice is None else (invoice["client_id"],))
    rows.sort(key=lambda r: (r["date"], r.pop("_order")))
    return title, rows


def _invoices(ledger: Ledger, where: str, params: tuple) -> list[dict[str, Any]]:
    rows = []
    for r in ledger.all(
        "SELECT v.number, v.issued_on, v.total_cents, v.currency, v.description, i.seq, i.due_on, i.amount_cents"
        f" FROM invoice v JOIN instalment i ON i.invoice_id = v.id WHERE {where}",
        params,
    ):
        if r["seq"] == 1:
            rows.append(
                {
                    "date": date.fromisoformat(r["issued_on"]),
                    "kind": "invoice",
                    "invoice": r["number"],
                    "amount": Money(r["total_cents"], r["currency"]),
                    "detail": r["description"] or "",
                    "_order": 0,
                }
            )
        rows.append(
            {
                "date": date.fromisoformat(r["due_on"]),
                "kind": "due",
                "invoice": r["number"],
                "amount": Money(r["amount_cents"], r["currency"]),
                "detail": f"instalment {r['seq']} due",
                "_order": 1,
            }
        )
    return rows


def _payments(ledger: Ledger, where: str, params: tuple) -> list[dict[str, Any]]:
    return [
        {
            "date": date.fromisoformat(r["received_on"]),
            "kind": "payment",
            "invoice": r["number"],
            "amount": Money(r["cents"], r["currency"]),
            "detail": f"{r['method']}" + (f" {r['reference']}" if r["reference"] else "") + f" (payment #{r['id']})",
            "_order": 2,
        }
        for r in ledger.all(
            "SELECT p.id, p.received_on, p.method, p.reference, p.currency, v.number, SUM(a.amount_cents) AS cents"
            " FROM allocation a JOIN payment p ON p.id = a.payment_id JOIN instalment i ON i.id = a.instalment_id"
            f" JOIN invoice v ON v.id = i.invoice_id WHERE {where} GROUP BY p.id, v.id",
            params,
        )
    ]


def _reminders(ledger: Ledger, where: str, params: tuple) -> list[dict[str, Any]]:
    return [
        {
            "date": date.fromisoformat(r["acted_on"]),
            "kind": f"reminder {r['status']}",
            "invoice": r["number"],
            "amount": None,
            "detail": f"{r['step']} ({r['channel']})"
            + (f" {r['message_id']}" if r["message_id"] else "")
            + (f": {r['error']}" if r["error"] else ""),
            "_order": 3,
        }
        for r in ledger.all(
            "SELECT r.step, r.channel, r.status, r.acted_on, r.message_id, r.error, v.number FROM reminder r"
            f" JOIN instalment i ON i.id = r.instalment_id JOIN invoice v ON v.id = i.invoice_id WHERE {where}",
            params,
        )
    ]


def _events(ledger: Ledger, invoice: Any, params: tuple) -> list[dict[str, Any]]:
    only = " AND (e.invoice_id = ? OR e.invoice_id IS NULL)" if invoice is not None else ""
    args = params + ((invoice["id"],) if invoice is not None else ())
    return [
        {
            "date": date.fromisoformat(r["happened_on"]),
            "kind": r["kind"],
            "invoice": r["number"] or "",
            "amount": None,
            "detail": (r["text"] or "") + (f" (until {r['promise_on']})" if r["promise_on"] else ""),
            "_order": 4,
        }
        for r in ledger.all(
            "SELECT e.happened_on, e.kind, e.text, e.promise_on, v.number FROM event e"
            f" LEFT JOIN invoice v ON v.id = e.invoice_id WHERE e.client_id = ?{only} ORDER BY e.id",
            args,
        )
    ]
