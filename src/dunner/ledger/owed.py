"""What a client owes, instalment by instalment, as of a date: net of what they paid and of their unapplied credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunner.core.allocation import OpenItem, spread_credit
from dunner.core.money import Money
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import open_instalments


@dataclass(frozen=True, slots=True)
class Owed:
    """One open instalment as a letter lists it: what it was, what came in, what is still owed."""

    instalment_id: int
    invoice_id: int
    number: str
    seq: int
    issued_on: date
    due_on: date
    amount: Money
    paid: Money  # money applied to it by the date
    credit: Money  # the client's unapplied credit netted against it

    @property
    def due(self) -> Money:
        return self.amount - self.paid - self.credit

    @property
    def label(self) -> str:
        return self.number if self.seq == 1 else f"{self.number}/{self.seq}"


@dataclass(frozen=True)
class Snapshot:
    """A client's open instalments in one currency as of a date, net of their unapplied credit."""

    client_id: int
    currency: str
    as_of: date
    owed: dict[int, Owed]  # by instalment id, oldest due first
    shares: dict[int, list[tuple[date, int]]]  # the dated credit shares behind `Owed.credit`


def snapshot(ledger: Ledger, client_id: int, currency: str, as_of: date) -> Snapshot:
    """The client's open instalments as of `as_of`, their unapplied credit netted oldest due first.

    The same netting `remind` does before it chases anyone, dated, so a letter never demands money the
    client already paid, nor interest on it from the day it arrived.
    """
    opened = open_instalments(ledger, as_of, client_id=client_id, currency=currency)
    credits = [
        (date.fromisoformat(r["received_on"]), r["left_cents"])
        for r in ledger.all(
            "SELECT p.received_on, p.amount_cents - COALESCE((SELECT SUM(a.amount_cents) FROM allocation a"
            " WHERE a.payment_id = p.id AND a.applied_on <= :as_of), 0) AS left_cents FROM payment p"
            " WHERE p.client_id = :client_id AND p.currency = :currency AND p.received_on <= :as_of"
            " ORDER BY p.received_on, p.id",
            {"as_of": as_of.isoformat(), "client_id": client_id, "currency": currency},
        )
    ]
    shares: dict[int, list[tuple[date, int]]] = {}
    if any(left > 0 for _, left in credits):
        items = [OpenItem(t.instalment_id, t.due_on, t.issued_on, t.number, t.seq, t.outstanding.minor) for t in opened]
        shares = spread_credit(credits, items)
    owed = {
        t.instalment_id: Owed(
            t.instalment_id,
            t.invoice_id,
            t.number,
            t.seq,
            t.issued_on,
            t.due_on,
            t.amount,
            t.paid,
            Money(sum(cents for _, cents in shares.get(t.instalment_id, ())), currency),
        )
        for t in opened
    }
    return Snapshot(client_id, currency, as_of, owed, shares)
