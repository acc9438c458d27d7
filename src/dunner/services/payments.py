"""Payments: recording money received and applying it to open instalments, oldest due first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dunner import validate
from dunner.allocation import OpenItem, allocate
from dunner.dates import utc_now
from dunner.db import Ledger
from dunner.errors import BadInput, Conflict
from dunner.money import Money, check_currency, parse_amount
from dunner.services.balances import OpenInstalment, client_credit, open_instalments
from dunner.services.clients import Client, get_client
from dunner.services.invoices import Invoice, get_invoice

METHODS = ("transfer", "card", "cheque", "cash", "direct_debit", "other")


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


@dataclass(frozen=True, slots=True)
class NewPayment:
    client: Client
    amount: Money
    received_on: date
    method: str
    reference: str | None
    invoice: Invoice | None = None
    note: str | None = None


def prepare_payment(
    ledger: Ledger,
    amount: str,
    *,
    received_on: date,
    invoice: str | None = None,
    client: str | None = None,
    method: str = "transfer",
    reference: str | None = None,
    currency: str | None = None,
    note: str | None = None,
) -> NewPayment:
    """Check a payment for one invoice, or for a client's open invoices, before anything is written."""
    if (invoice is None) == (client is None):
        raise BadInput("name an invoice, or a client with --client, not both")
    target = get_invoice(ledger, invoice) if invoice is not None else None
    payer = get_client(ledger, client) if client is not None else None
    if target is not None:
        if target.status == "void":
            raise BadInput(f"invoice {target.number} is void; record the payment with --client")
        payer = _client_by_id(ledger, target.client_id)
    assert payer is not None
    cur = check_currency(currency) if currency else target.currency if target else payer.currency
    if target is not None and cur != target.currency:
        raise BadInput(f"invoice {target.number} is in {target.currency}, not {cur}")
    ref = validate.line(reference, "reference", max_len=100)
    if ref is not None and ledger.one("SELECT 1 FROM payment WHERE client_id = ? AND reference = ?", (payer.id, ref)):
        raise Conflict(f"a payment with reference '{ref}' from {payer.code} is already recorded")
    return NewPayment(
        client=payer,
        amount=parse_amount(amount, cur),
        received_on=received_on,
        method=validate.choice(method, METHODS, "method"),
        reference=ref,
        invoice=target,
        note=validate.line(note, "note", max_len=500),
    )


def _client_by_id(ledger: Ledger, client_id: int) -> Client:
    code = ledger.scalar("SELECT code FROM client WHERE id = ?", (client_id,))
    return get_client(ledger, code)


def write_payment(ledger: Ledger, new: NewPayment) -> Receipt:
    """Record the payment and apply it, oldest due first; what is left stays as client credit."""
    with ledger.transaction():
        payment_id = ledger.insert(
            "INSERT INTO payment (client_id, received_on, amount_cents, currency, method, reference, note,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.client.id,
                new.received_on.isoformat(),
                new.amount.minor,
                new.amount.currency,
                new.method,
                new.reference,
                new.note,
                utc_now(),
            ),
        )
        targets = open_instalments(
            ledger,
            client_id=new.client.id,
            currency=new.amount.currency,
            invoice_id=new.invoice.id if new.invoice else None,
        )
        applied = apply_payment(ledger, payment_id, new.amount, new.received_on, targets)
        left = new.amount.minor - sum(a.amount.minor for a in applied)
        credit = sum((m.minor for m in client_credit(ledger, new.client.id) if m.currency == new.amount.currency), 0)
    cur = new.amount.currency
    return Receipt(
        payment_id,
        new.client.code,
        new.amount,
        new.received_on,
        applied,
        Money(left, cur),
        Money(credit, cur),
    )


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


def record_payment(ledger: Ledger, amount: str, **options: Any) -> Receipt:
    """Check, record and apply one payment."""
    return write_payment(ledger, prepare_payment(ledger, amount, **options))
