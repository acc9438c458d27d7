"""The history of a client or an invoice: one timeline of invoices, payments, reminders and events."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.core.errors import NotFound
from dunner.core.money import Money
from dunner.edges.storage.ledger import Ledger

COLUMNS = ["date", "kind", "invoice", "amount", "detail"]


def history(ledger: Ledger, who: str) -> tuple[str, Iterator[dict[str, Any]]]:
    """(title, rows) for an invoice number, else a client code.

    The rows stream (issue 15 item 2): each kind of entry comes from its own query in date order and the
    streams are merged, so a client of 30,000 invoices is never held whole. On one day: issued, due,
    payments, reminders, then events; within a kind, the order the timeline always had (by currency and
    invoice, a payment's invoices by id, an instalment's reminders by step, events as recorded)."""
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
    streams = [
        _issued(ledger, where, params),
        _dues(ledger, where, params),
        _payments(ledger, where, params),
        _reminders(ledger, where, params),
        _events(ledger, invoice, params if invoice is None else (invoice["client_id"],)),
    ]
    return title, (row for _, row in heapq.merge(*streams, key=lambda item: item[0]))


def _issued(ledger: Ledger, where: str, params: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    for r in ledger.rows(
        "SELECT v.number, v.issued_on, v.total_cents, v.currency, v.description FROM invoice v"
        f" WHERE {where} AND EXISTS (SELECT 1 FROM instalment i WHERE i.invoice_id = v.id)"
        " ORDER BY v.issued_on, v.currency, v.id",
        params,
    ):
        day = date.fromisoformat(r["issued_on"])
        money = Money(r["total_cents"], r["currency"])
        yield (day, 0), {"date": day, "kind": "invoice", "invoice": r["number"], "amount": money,
                         "detail": r["description"] or ""}  # fmt: skip


def _dues(ledger: Ledger, where: str, params: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    for r in ledger.rows(
        "SELECT v.number, v.currency, i.seq, i.due_on, i.amount_cents FROM invoice v"
        f" JOIN instalment i ON i.invoice_id = v.id WHERE {where} ORDER BY i.due_on, v.currency, v.id, i.seq",
        params,
    ):
        day = date.fromisoformat(r["due_on"])
        money = Money(r["amount_cents"], r["currency"])
        yield (day, 1), {"date": day, "kind": "due", "invoice": r["number"], "amount": money,
                         "detail": f"instalment {r['seq']} due"}  # fmt: skip


def _payments(ledger: Ledger, where: str, params: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    for r in ledger.rows(
        "SELECT p.id, p.received_on, p.method, p.reference, p.currency, v.number, SUM(a.amount_cents) AS cents"
        " FROM allocation a JOIN payment p ON p.id = a.payment_id JOIN instalment i ON i.id = a.instalment_id"
        f" JOIN invoice v ON v.id = i.invoice_id WHERE {where} GROUP BY p.id, v.id ORDER BY p.received_on, p.id, v.id",
        params,
    ):
        day = date.fromisoformat(r["received_on"])
        yield (
            (day, 2),
            {
                "date": day,
                "kind": "payment",
                "invoice": r["number"],
                "amount": Money(r["cents"], r["currency"]),
                "detail": f"{r['method']}"
                + (f" {r['reference']}" if r["reference"] else "")
                + f" (payment #{r['id']})",
            },
        )


def _reminders(ledger: Ledger, where: str, params: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    for r in ledger.rows(
        "SELECT r.step, r.channel, r.status, r.acted_on, r.message_id, r.error, v.number FROM reminder r"
        f" JOIN instalment i ON i.id = r.instalment_id JOIN invoice v ON v.id = i.invoice_id WHERE {where}"
        " ORDER BY r.acted_on, v.currency, v.id, i.seq, r.step",
        params,
    ):
        day = date.fromisoformat(r["acted_on"])
        yield (
            (day, 3),
            {
                "date": day,
                "kind": f"reminder {r['status']}",
                "invoice": r["number"],
                "amount": None,
                "detail": f"{r['step']} ({r['channel']})"
                + (f" {r['message_id']}" if r["message_id"] else "")
                + (f": {r['error']}" if r["error"] else ""),
            },
        )


def _events(ledger: Ledger, invoice: Any, params: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    only = " AND (e.invoice_id = ? OR e.invoice_id IS NULL)" if invoice is not None else ""
    args = params + ((invoice["id"],) if invoice is not None else ())
    for r in ledger.rows(
        "SELECT e.happened_on, e.kind, e.text, e.promise_on, v.number FROM event e"
        f" LEFT JOIN invoice v ON v.id = e.invoice_id WHERE e.client_id = ?{only} ORDER BY e.happened_on, e.id",
        args,
    ):
        day = date.fromisoformat(r["happened_on"])
        yield (
            (day, 4),
            {
                "date": day,
                "kind": r["kind"],
                "invoice": r["number"] or "",
                "amount": None,
                "detail": (r["text"] or "") + (f" (until {r['promise_on']})" if r["promise_on"] else ""),
            },
        )
