"""One client's statement: what is open, what they paid and where it went, and their credit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from dunner.core.money import Money
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import OpenInstalment, client_credit, iter_open_instalments
from dunner.ledger.clients import Client, get_client


@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment_id: int
    received_on: date
    amount: Money
    method: str
    reference: str | None
    applied: list[tuple[str, Money]]
    unapplied: Money


@dataclass(frozen=True)
class Statement:
    """One client's statement as of a date. What is open and the payments are read as they are asked for,
    row by row (issue 15 item 2: the statement of a client of 30,000 invoices is never held whole)."""

    client: Client
    as_of: date
    credit: list[Money]
    ledger: Ledger

    def open(self) -> Iterator[OpenInstalment]:
        """The instalments still owing, oldest due first."""
        return iter_open_instalments(self.ledger, self.as_of, client_id=self.client.id)

    def payments(self) -> Iterator[PaymentLine]:
        """The payments received by the date, oldest first, with where each went."""
        return _payments(self.ledger, self.client.id, self.as_of)

    def balance(self) -> list[Money]:
        """What the client owes per currency: open amounts minus credit (negative: we owe them)."""
        totals: dict[str, int] = defaultdict(int)
        for item in self.open():
            totals[item.amount.currency] += item.outstanding.minor
        for money in self.credit:
            totals[money.currency] -= money.minor
        return [Money(cents, cur) for cur, cents in sorted(totals.items())]


def _payments(ledger: Ledger, client_id: int, as_of: date) -> Iterator[PaymentLine]:
    """Two streams in the same order (date received, payment id) merged: the payments, and what each paid."""
    day = as_of.isoformat()
    applied = ledger.rows(
        "SELECT a.payment_id, v.number, p.currency, SUM(a.amount_cents) AS cents FROM allocation a"
        " JOIN payment p ON p.id = a.payment_id JOIN instalment i ON i.id = a.instalment_id"
        " JOIN invoice v ON v.id = i.invoice_id"
        " WHERE p.client_id = ? AND p.received_on <= ? AND a.applied_on <= ?"
        " GROUP BY p.received_on, a.payment_id, v.number, p.currency ORDER BY p.received_on, a.payment_id, MIN(a.id)",
        (client_id, day, day),
    )
    row = next(applied, None)
    for payment in ledger.rows(
        "SELECT * FROM payment WHERE client_id = ? AND received_on <= ? ORDER BY received_on, id",
        (client_id, day),
    ):
        went: list[tuple[str, Money]] = []
        while row is not None and row["payment_id"] == payment["id"]:
            went.append((row["number"], Money(row["cents"], row["currency"])))
            row = next(applied, None)
        amount = Money(payment["amount_cents"], payment["currency"])
        yield PaymentLine(
            payment["id"],
            date.fromisoformat(payment["received_on"]),
            amount,
            payment["method"],
            payment["reference"],
            went,
            Money(amount.minor - sum(m.minor for _, m in went), amount.currency),
        )


def statement(ledger: Ledger, code: str, as_of: date) -> Statement:
    client = get_client(ledger, code)
    return Statement(client=client, as_of=as_of, credit=client_credit(ledger, client.id, as_of), ledger=ledger)
