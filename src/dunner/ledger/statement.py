"""One client's statement: what is open, what they paid and where it went, and their credit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from dunner.core.money import Money
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import OpenInstalment, client_credit, open_instalments
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


@dataclass(frozen=True, slots=True)
class Statement:
    client: Client
    as_of: date
    open: list[OpenInstalment]
    payments: list[PaymentLine]
    credit: list[Money]

    @property
    def balance(self) -> list[Money]:
        """What the client owes per currency: open amounts minus credit (negative: we owe them)."""
        totals: dict[str, int] = defaultdict(int)
        for item in self.open:
            totals[item.amount.currency] += item.outstanding.minor
        for money in self.credit:
            totals[money.currency] -= money.minor
        return [Money(cents, cur) for cur, cents in sorted(totals.items())]


def _payments(ledger: Ledger, client_id: int, as_of: date) -> list[PaymentLine]:
    day = as_of.isoformat()
    applied: dict[int, list[tuple[str, Money]]] = defaultdict(list)
    for row in ledger.all(
        "SELECT a.payment_id, v.number, p.currency, SUM(a.amount_cents) AS cents FROM allocation a"
        " JOIN payment p ON p.id = a.payment_id JOIN instalment i ON i.id = a.instalment_id"
        " JOIN invoice v ON v.id = i.invoice_id"
        " WHERE p.client_id = ? AND p.received_on <= ? AND a.applied_on <= ?"
        " GROUP BY a.payment_id, v.number, p.currency ORDER BY a.payment_id, MIN(a.id)",
        (client_id, day, day),
    ):
        applied[row["payment_id"]].append((row["number"], Money(row["cents"], row["currency"])))
    lines = []
    for row in ledger.all(
        "SELECT * FROM payment WHERE client_id = ? AND received_on <= ? ORDER BY received_on, id",
        (client_id, day),
    ):
        amount = Money(row["amount_cents"], row["currency"])
        used = sum(m.minor for _, m in applied[row["id"]])
        lines.append(
            PaymentLine(
                row["id"],
                date.fromisoformat(row["received_on"]),
                amount,
                row["method"],
                row["reference"],
                applied[row["id"]],
                Money(amount.minor - used, amount.currency),
            )
        )
    return lines


def statement(ledger: Ledger, code: str, as_of: date) -> Statement:
    client = get_client(ledger, code)
    return Statement(
        client=client,
        as_of=as_of,
        open=open_instalments(ledger, as_of, client_id=client.id),
        payments=_payments(ledger, client.id, as_of),
        credit=client_credit(ledger, client.id, as_of),
    )
