"""Settling instalments: writing a payment's allocations, oldest due first, and what a payment did.

The low part of receiving money, shared by payments (money received) and credit notes (which settle
what an invoice owes like money does): neither imports the other through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunner.core.allocation import OpenItem, allocate
from dunner.core.money import Money
from dunner.edges.clock import utc_now
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import OpenInstalment, client_credit, open_instalments
from dunner.ledger.clients import Client

METHODS = ("transfer", "card", "cheque", "cash", "direct_debit", "other")
# Money that is not received but settles what is owed all the same: a credit note, an early-payment
# discount. Recorded as payments (so balances, aging and interest see them) that dunner writes itself.
METHOD_CREDIT_NOTE = "credit_note"
METHOD_DISCOUNT = "discount"
SYSTEM_METHODS = (METHOD_CREDIT_NOTE, METHOD_DISCOUNT)


@dataclass(frozen=True, slots=True)
class Applied:
    number: str
    seq: int
    amount: Money
    still_due: Money


@dataclass(frozen=True, slots=True)
class Receipt:
    """What `pay` did: the payment, where it went, and what is left as credit."""

    payment_id: int
    client: str
    amount: Money
    received_on: date
    applied: list[Applied]
    unapplied: Money
    client_credit: Money
    # early-payment discounts granted: (invoice, amount, terms, the credit note that records it)
    discounts: tuple[tuple[str, Money, str, str], ...] = ()


def record_system_payment(
    ledger: Ledger,
    client: Client,
    amount: Money,
    on: date,
    method: str,
    reference: str,
    note: str | None,
    *,
    invoice_id: int,
) -> Receipt:
    """Settle part of one invoice with a credit note or a discount (anything beyond it is client credit)."""
    with ledger.transaction():
        payment_id = ledger.insert(
            "INSERT INTO payment (client_id, received_on, amount_cents, currency, method, reference, note,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (client.id, on.isoformat(), amount.minor, amount.currency, method, reference, note, utc_now()),
        )
        targets = open_instalments(ledger, client_id=client.id, currency=amount.currency, invoice_id=invoice_id)
        applied = apply_payment(ledger, payment_id, amount, on, targets)
        left = amount.minor - sum(a.amount.minor for a in applied)
        credit = sum((m.minor for m in client_credit(ledger, client.id) if m.currency == amount.currency), 0)
    cur = amount.currency
    return Receipt(payment_id, client.code, amount, on, applied, Money(left, cur), Money(credit, cur))


def apply_payment(
    ledger: Ledger, payment_id: int, amount: Money, received_on: date, targets: list[OpenInstalment]
) -> list[Applied]:
    """Write the allocations of `amount` over `targets` (already oldest first)."""
    items = [OpenItem(t.instalment_id, t.due_on, t.issued_on, t.number, t.seq, t.outstanding.minor) for t in targets]
    pairs, _left = allocate(amount.minor, items)
    by_id = {t.instalment_id: t for t in targets}
    now = utc_now()
    ledger.executemany(
        "INSERT INTO allocation (payment_id, instalment_id, amount_cents, applied_on, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (payment_id, item.instalment_id, cents, max(received_on, item.issued_on).isoformat(), now)
            for item, cents in pairs
        ],
    )
    return [
        Applied(
            item.number,
            item.seq,
            Money(cents, amount.currency),
            by_id[item.instalment_id].outstanding - Money(cents, amount.currency),
        )
        for item, cents in pairs
    ]
