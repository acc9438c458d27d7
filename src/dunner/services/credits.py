"""Credit notes and write-offs: how an issued invoice is corrected or given up, never edited or deleted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dunner import validate
from dunner.config import Config
from dunner.db import Ledger
from dunner.errors import BadInput
from dunner.invoicing import Line, split, totals
from dunner.money import Money, parse_amount
from dunner.services.balances import PAID
from dunner.services.clients import get_client
from dunner.services.followup import log_event
from dunner.services.invoices import Invoice, get_invoice
from dunner.services.issuing import NewInvoice, write_invoice
from dunner.services.payments import METHOD_CREDIT_NOTE, Receipt, record_system_payment

WRITE_OFF_COLUMNS = ["year", "invoice", "client", "written_off_on", "currency", "amount", "net", "vat", "reason"]


@dataclass(frozen=True)
class CreditNote:
    note: NewInvoice
    original: Invoice
    receipt: Receipt


def _lines_of(ledger: Ledger, invoice: Invoice) -> list[Line]:
    return [
        Line(
            r["description"],
            Decimal(r["quantity"]),
            Money(r["unit_price_cents"], invoice.currency),
            None if r["vat_rate"] is None else Decimal(r["vat_rate"]),
        )
        for r in ledger.all("SELECT * FROM invoice_line WHERE invoice_id = ? ORDER BY position", (invoice.id,))
    ]


def _reachable(net: int, rate: Decimal | None, currency: str) -> int:
    """The total (VAT included) of a line of `net` minor units at `rate`."""
    if rate is None:
        return net
    return totals([Line("", Decimal(1), Money(net, currency), rate)], currency).total.minor


def _net_for(share: int, rate: Decimal | None, currency: str) -> int:
    """The largest net whose total at `rate` does not exceed `share` (VAT rounding skips some totals)."""
    if rate is None:
        return share
    net = int(Decimal(share) / (1 + rate / 100)) + 2
    while net > 0 and _reachable(net, rate, currency) > share:
        net -= 1
    return net


def _partial_lines(original: Invoice, lines: list[Line], amount: Money, label: str) -> tuple[Line, ...]:
    """A partial credit spread over the original's VAT rates in proportion to what each rate weighs.

    VAT rounding makes some totals unreachable at a rate (3 cents at 20 %): each rate takes the nearest
    total at or below its share and passes the cent left over to the next; the last must land exactly.
    """
    base = totals(lines, original.currency)
    parts: list[tuple[Decimal | None, int]] = [(v.rate, v.base.minor + v.vat.minor) for v in base.by_rate]
    untaxed = sum(line.net.minor for line in lines if line.vat_rate is None)
    if untaxed:
        parts.append((None, untaxed))
    shares = [s.minor for s in split(amount, [weight for _, weight in parts])]
    out, carry = [], 0
    for n, ((rate, _), share) in enumerate(zip(parts, shares, strict=True)):
        wanted = share + carry
        net = _net_for(wanted, rate, original.currency)
        got = _reachable(net, rate, original.currency)
        if n == len(parts) - 1 and got != wanted:
            raise BadInput(f"{amount} cannot be credited exactly at these VAT rates", hint="try a cent more or less")
        carry = wanted - got
        if net:
            out.append(
                Line(
                    label + ("" if rate is None else f" (TVA {rate} %)"),
                    Decimal(1),
                    Money(net, original.currency),
                    rate,
                )
            )
    return tuple(out)


def credit_note(ledger: Ledger, config: Config, number: str, amount: str | None, reason: str, on: date) -> CreditNote:
    """Credit all (or part) of an invoice: a credit note in its own series, applied to what the invoice owes."""
    original = get_invoice(ledger, number)
    text = validate.line(reason, "reason", required=True, max_len=500)
    if original.kind not in ("invoice", "deposit") or original.status != "issued":
        raise BadInput(
            f"{original.number} cannot be credited (it is a {original.kind.replace('_', ' ')}, {original.status})"
        )
    if on < original.issued_on:
        raise BadInput(f"a credit note cannot predate the invoice it corrects ({original.issued_on})")
    credited = ledger.scalar(
        "SELECT COALESCE(SUM(total_cents), 0) FROM invoice WHERE kind = 'credit_note' AND related_invoice_id = ?",
        (original.id,),
    )
    remaining = Money(original.total.minor - credited, original.currency)
    value = remaining if amount is None else parse_amount(amount, original.currency)
    if not remaining or value.minor > remaining.minor:
        raise BadInput(f"{original.number} has {remaining} left to credit, not {value}")
    client = get_client(ledger, ledger.scalar("SELECT code FROM client WHERE id = ?", (original.client_id,)))
    lines = _lines_of(ledger, original)
    label = f"{'Avoir sur' if client.language == 'fr' else 'Credit on'} {original.number}"
    if value == original.total and not credited:
        items = tuple(
            Line(f"{label} - {line.description}", line.quantity, line.unit_price, line.vat_rate) for line in lines
        )
    else:
        items = _partial_lines(original, lines, value, label)
    note = NewInvoice(
        client=client,
        issued_on=on,
        lines=items,
        totals=totals(items, original.currency),
        plan=(),
        kind="credit_note",
        description=text,
        related_invoice_id=original.id,
    )
    with ledger.transaction():
        note = write_invoice(ledger, config, note)
        assert note.number is not None
        receipt = record_system_payment(
            ledger, client, note.total, on, METHOD_CREDIT_NOTE, note.number, text, invoice_id=original.id
        )
        log_event(ledger, client.id, "credit_note", on, invoice_id=original.id, text=f"{note.number}: {text}")
    return CreditNote(note, original, receipt)


def _outstanding(ledger: Ledger, invoice: Invoice, on: date) -> Money:
    cents = ledger.scalar(
        f"SELECT COALESCE(SUM(i.amount_cents - {PAID}), 0) FROM instalment i WHERE i.invoice_id = :id",
        {"as_of": on.isoformat(), "id": invoice.id},
    )
    return Money(cents, invoice.currency)


def write_off(ledger: Ledger, number: str, reason: str, on: date) -> Money:
    """Give up a hopeless debt: out of the aging and the dunning from `on`, kept in the write-off report."""
    invoice = get_invoice(ledger, number)
    text = validate.line(reason, "reason", required=True, max_len=500)
    if invoice.status != "issued" or invoice.kind == "credit_note":
        raise BadInput(f"{invoice.number} cannot be written off ({invoice.kind.replace('_', ' ')}, {invoice.status})")
    if on < invoice.issued_on:
        raise BadInput(f"{invoice.number} was issued on {invoice.issued_on}, after {on}")
    left = _outstanding(ledger, invoice, on)
    if left.minor <= 0:
        raise BadInput(f"{invoice.number} has nothing left to write off")
    with ledger.transaction():
        ledger.execute(
            "UPDATE invoice SET status = 'written_off', status_on = ? WHERE id = ?", (on.isoformat(), invoice.id)
        )
        log_event(ledger, invoice.client_id, "write_off", on, invoice_id=invoice.id, text=f"{left}: {text}")
    return left


def write_offs(ledger: Ledger, year: int | None = None) -> Iterator[dict[str, Any]]:
    """Written-off debts, per year, with the VAT they carry (what a VAT return may recover)."""
    where = "" if year is None else " AND substr(v.status_on, 1, 4) = :year"
    for row in ledger.rows(
        f"SELECT v.id, v.number, v.status_on, v.currency, v.net_cents, v.vat_cents, v.total_cents, c.code,"
        f" (SELECT SUM(i.amount_cents - {PAID.replace(':as_of', 'v.status_on')}) FROM instalment i"
        "   WHERE i.invoice_id = v.id) AS left_cents,"
        " (SELECT text FROM event e WHERE e.invoice_id = v.id AND e.kind = 'write_off' ORDER BY e.id DESC LIMIT 1)"
        "   AS reason"
        f" FROM invoice v JOIN client c ON c.id = v.client_id WHERE v.status = 'written_off'{where}"
        " ORDER BY v.status_on, v.number",
        {"year": str(year)},
    ):
        left = Money(row["left_cents"], row["currency"])
        net, vat = (
            split(left, [row["net_cents"], row["vat_cents"]]) if row["vat_cents"] else (left, Money.zero(left.currency))
        )
        yield {
            "year": int(row["status_on"][:4]),
            "invoice": row["number"],
            "client": row["code"],
            "written_off_on": date.fromisoformat(row["status_on"]),
            "currency": row["currency"],
            "amount": left,
            "net": net,
            "vat": vat,
            "reason": (row["reason"] or "").partition(": ")[2],
        }
