"""The agenda: what a person has to do today (calls, letters, promises to check, sends to verify)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.db import Ledger
from dunner.money import Money
from dunner.services.balances import PAID

COLUMNS = ["kind", "client", "invoice", "contact", "phone", "amount", "since", "detail"]


def _open_cents(ledger: Ledger, invoice_id: int, as_of: date) -> int:
    return ledger.scalar(
        f"SELECT COALESCE(SUM(i.amount_cents - {PAID}), 0) FROM instalment i WHERE i.invoice_id = :invoice_id",
        {"as_of": as_of.isoformat(), "invoice_id": invoice_id},
    )


def agenda(ledger: Ledger, as_of: date) -> Iterator[dict[str, Any]]:
    """Tasks from `remind` not yet done, promises due today or broken, and sends to check."""
    day = as_of.isoformat()
    for row in ledger.rows(
        "SELECT r.step, r.channel, r.status, r.acted_on, r.error, v.id AS invoice_id, v.number, v.currency,"
        " c.code, c.name, c.contact, c.phone, c.email FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
        " JOIN invoice v ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id"
        " WHERE r.status IN ('task', 'sending', 'rejected') AND r.acted_on <= ?"
        " ORDER BY r.acted_on, c.code, v.number",
        (day,),
    ):
        kind = row["channel"] if row["status"] == "task" else "check"
        detail = {
            "task": f"step {row['step']}",
            "sending": f"step {row['step']}: the run stopped while sending; did it go out?",
            "rejected": f"step {row['step']} refused by the mail server: {row['error']}",
        }[row["status"]]
        yield _item(
            kind,
            row,
            Money(_open_cents(ledger, row["invoice_id"], as_of), row["currency"]),
            date.fromisoformat(row["acted_on"]),
            detail,
        )
    yield from _promises(ledger, as_of)


def _item(kind: str, row: Any, amount: Money, since: date, detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "client": row["code"],
        "invoice": row["number"],
        "contact": row["contact"] or row["name"],
        "phone": row["phone"] or row["email"],
        "amount": amount,
        "since": since,
        "detail": detail,
    }


def _promises(ledger: Ledger, as_of: date) -> Iterator[dict[str, Any]]:
    """The latest promise of each invoice: falling due today, or broken (past and still unpaid)."""
    day = as_of.isoformat()
    for row in ledger.rows(
        "SELECT e.invoice_id, e.promise_on, v.number, v.currency, c.code, c.name, c.contact, c.phone, c.email"
        " FROM event e JOIN invoice v ON v.id = e.invoice_id JOIN client c ON c.id = v.client_id"
        " WHERE e.kind = 'promise' AND e.happened_on <= ? AND e.promise_on <= ? AND e.id = ("
        "   SELECT MAX(id) FROM event x"
        "   WHERE x.invoice_id = e.invoice_id AND x.kind = 'promise' AND x.happened_on <= ?)"
        " ORDER BY e.promise_on, c.code",
        (day, day, day),
    ):
        owed = _open_cents(ledger, row["invoice_id"], as_of)
        if owed <= 0:
            continue
        promised = date.fromisoformat(row["promise_on"])
        kind = "promise" if promised == as_of else "broken-promise"
        detail = "payment promised for today" if promised == as_of else f"promised for {promised}, still unpaid"
        yield _item(kind, row, Money(owed, row["currency"]), promised, detail)
