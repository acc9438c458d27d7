"""Payments: recording money received and applying it to open instalments, oldest due first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunner.core import validate
from dunner.core.errors import BadInput, Conflict
from dunner.core.money import Money, check_currency, parse_amount
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import OpenInstalment, client_credit, open_instalments
from dunner.ledger.clients import Client, get_client
from dunner.ledger.invoices import Invoice, credited_on, get_invoice
from dunner.ledger.settling import METHODS, Applied, Receipt, apply_payment


@dataclass(frozen=True, slots=True)
class NewPayment:
    client: Client
    amount: Money
    received_on: date
    method: str
    reference: str | None
    invoice: Invoice | None = None
    note: str | None = None
    invoices: tuple[Invoice, ...] = ()  # several invoices paid by one transfer (a bank line), oldest due first


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
        if target.kind == "credit_note":
            raise BadInput(f"{target.number} is a credit note: nothing is paid on it", hint="pay the invoice instead")
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


def _targets(ledger: Ledger, new: NewPayment) -> list[OpenInstalment]:
    """The instalments a payment goes to: its invoice's, its invoices' (oldest due first), or all the client's."""
    if not new.invoices:
        invoice_id = new.invoice.id if new.invoice else None
        return open_instalments(ledger, client_id=new.client.id, currency=new.amount.currency, invoice_id=invoice_id)
    found = [
        t
        for invoice in new.invoices
        for t in open_instalments(ledger, client_id=new.client.id, currency=new.amount.currency, invoice_id=invoice.id)
    ]
    return sorted(found, key=lambda t: (t.due_on, t.issued_on, t.number, t.seq))


def write_payment(ledger: Ledger, config: Config, new: NewPayment) -> Receipt:
    """Record the payment and apply it, oldest due first; what is left stays as client credit."""
    with ledger.transaction():
        payment_id, applied, discounts = apply_new_payment(ledger, config, new)
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
        tuple(discounts),
    )


def apply_new_payment(
    ledger: Ledger, config: Config, new: NewPayment
) -> tuple[int, list[Applied], list[tuple[str, Money, str, str]]]:
    """Record the payment, apply it and grant the early-payment discounts it earns: the payment's id, where
    it went and the discounts. `write_payment` without the receipt's client credit, which reads all the
    client's payments (the bank import records thousands and says nothing of credit)."""
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
        targets = _targets(ledger, new)
        applied = apply_payment(ledger, payment_id, new.amount, new.received_on, targets)
        discounts = _early_payment_discounts(ledger, config, new, {a.number for a in applied})
    return payment_id, applied, discounts


def _early_payment_discounts(
    ledger: Ledger, config: Config, new: NewPayment, numbers: set[str]
) -> list[tuple[str, Money, str, str]]:
    """An invoice paid within its discount window, short by no more than the discount, is settled by it.

    The discount is computed on what the invoice asked for (its total, less the deposits it deducts and
    any credit note) and granted by a credit note, as French VAT rules want (the VAT comes down too).
    """
    from dunner.core.invoicing import discount_amount
    from dunner.ledger.credits import discount_note

    granted = []
    for number in sorted(numbers):
        row = ledger.one(
            "SELECT id, issued_on, total_cents, prepaid_cents, currency, discount_rate, discount_days FROM invoice"
            " WHERE number = ? AND discount_rate IS NOT NULL AND status = 'issued'",
            (number,),
        )
        if row is None:
            continue
        deadline = date.fromisoformat(row["issued_on"]) + timedelta(days=row["discount_days"])
        left = ledger.scalar(
            "SELECT COALESCE(SUM(i.amount_cents), 0) - COALESCE((SELECT SUM(a.amount_cents) FROM allocation a JOIN"
            " instalment j ON j.id = a.instalment_id WHERE j.invoice_id = :id), 0) FROM instalment i"
            " WHERE i.invoice_id = :id",
            {"id": row["id"]},
        )
        late_money = ledger.scalar(
            "SELECT COUNT(*) FROM allocation a JOIN instalment i ON i.id = a.instalment_id JOIN payment p"
            " ON p.id = a.payment_id WHERE i.invoice_id = ? AND p.received_on > ?",
            (row["id"], deadline.isoformat()),
        )
        rate = Decimal(row["discount_rate"])
        asked = row["total_cents"] - row["prepaid_cents"] - credited_on(ledger, row["id"])
        allowed = discount_amount(Money(asked, row["currency"]), rate)
        if new.received_on > deadline or late_money or not 0 < left <= allowed.minor:
            continue
        terms = f"{rate} % / {row['discount_days']} d"
        amount = Money(left, row["currency"])
        note = discount_note(ledger, config, number, amount, new.received_on, terms)
        granted.append((number, amount, terms, note))
    return granted


def record_payment(ledger: Ledger, config: Config, amount: str, **options: Any) -> Receipt:
    """Check, record and apply one payment."""
    return write_payment(ledger, config, prepare_payment(ledger, amount, **options))
