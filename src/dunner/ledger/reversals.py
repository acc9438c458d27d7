"""Reversing a payment: a reversing entry, never a deletion (DESIGN §2: money is never deleted, only reversed).

The reversal is a payment of the opposite amount (`reverses_id` names the original) whose allocations undo
the original's, dated the day of the reversal: as of any earlier date the ledger shows what it showed,
and from that day the instalments it had settled are owed again, so aging, reminders and claims see it.
"""

from __future__ import annotations

from datetime import date

from dunner.core.errors import BadInput, Conflict
from dunner.edges.clock import utc_now
from dunner.edges.storage.ledger import Ledger


def reverse_payment(ledger: Ledger, payment_id: int, on: date, why: str) -> int:
    """Reverse payment `payment_id` on `on`; return the reversing payment's id."""
    original = ledger.one("SELECT * FROM payment WHERE id = ?", (payment_id,))
    if original is None:
        raise BadInput(f"no payment #{payment_id}")
    if original["reverses_id"] is not None or original["amount_cents"] < 0:
        raise BadInput(f"payment #{payment_id} is itself a reversal")
    if ledger.one("SELECT 1 FROM payment WHERE reverses_id = ?", (payment_id,)):
        raise Conflict(f"payment #{payment_id} is already reversed")
    if on.isoformat() < original["received_on"]:
        raise BadInput(f"payment #{payment_id} was received on {original['received_on']}: it is reversed after that")
    now = utc_now()
    with ledger.transaction():
        reversal = ledger.insert(
            "INSERT INTO payment (client_id, received_on, amount_cents, currency, method, reference, note,"
            " reverses_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                original["client_id"],
                on.isoformat(),
                -original["amount_cents"],
                original["currency"],
                original["method"],
                f"reversal of #{payment_id}",
                why[:500],
                payment_id,
                now,
            ),
        )
        ledger.executemany(
            "INSERT INTO allocation (payment_id, instalment_id, amount_cents, applied_on, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (reversal, row["instalment_id"], -row["amount_cents"], max(on.isoformat(), row["applied_on"]), now)
                for row in ledger.all("SELECT * FROM allocation WHERE payment_id = ? ORDER BY id", (payment_id,))
            ],
        )
    return reversal
