"""Uncertain deliveries: reminders left `sending` by a run that is no longer going (a crash, a lost answer).

A run writes its token (`Ledger.run_token`: its process, or its database session) on every row it
marks `sending`. A row whose run is still going is a delivery in progress (a concurrent `remind`); any
other is uncertain at once, without waiting: the message may or may not have gone out. Every run warns
about them and exits 1, `dunner agenda` lists them, and `remind --resend-uncertain` sends them again
under the Message-ID of the first attempt, so a mail reader that did get it shows one message.
"""

from __future__ import annotations

from dataclasses import dataclass

from dunner.edges.storage.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Uncertain:
    id: int
    instalment_id: int
    step: str
    number: str
    message_id: str | None
    updated_at: str
    owner: str | None = None


def uncertain_rows(ledger: Ledger) -> list[Uncertain]:
    """The rows left `sending` by runs no longer going (this run's own included, once it is done with them)."""
    rows = ledger.all(
        "SELECT r.id, r.instalment_id, r.step, r.owner, r.message_id, r.updated_at, v.number FROM reminder r"
        " JOIN instalment i ON i.id = r.instalment_id JOIN invoice v ON v.id = i.invoice_id"
        " WHERE r.status = 'sending' ORDER BY r.updated_at, r.id"
    )
    going = ledger.running(r["owner"] for r in rows if r["owner"])
    return [
        Uncertain(r["id"], r["instalment_id"], r["step"], r["number"], r["message_id"], r["updated_at"], r["owner"])
        for r in rows
        if r["owner"] not in going
    ]


def describe(rows: list[Uncertain]) -> list[str]:
    return [f"{r.number} {r.step} (since {r.updated_at})" for r in rows]
