"""Credit notes and write-offs: how an issued invoice is corrected or given up, never edited or deleted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dunner.core import validate
from dunner.core.errors import BadInput
from dunner.core.invoicing import Line, has_zero_rate, split, totals
from dunner.core.money import Money, parse_amount
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import FOREVER, PAID
from dunner.ledger.clients import Client, get_client
from dunner.ledger.events import log_event
from dunner.ledger.invoices import Invoice, credited_on, get_invoice, invoice_lines
from dunner.ledger.settling import METHOD_CREDIT_NOTE, METHOD_DISCOUNT, Receipt, record_system_payment
from dunner.ledger.writing import NewInvoice, write_invoice

WRITE_OFF_COLUMNS = [
    "year",
    "invoice",
    "client",
    "written_off_on",
    "currency",
    "amount",
    "net",
    "vat",
    "credited",
    "reason",
]


@dataclass(frozen=True)
class CreditNote:
    note: NewInvoice
    original: Invoice
    receipt: Receipt | None  # None when the invoice was written off: nothing is left to settle
    remaining: Money  # what is left to credit on the original after this note


def _reachable(net: int, rate: Decimal | None, currency: str) -> int:
    """The total (VAT included) of a line of `net` minor units at `rate`."""
    if rate is None or net <= 0:
        return max(net, 0)
    return totals([Line("", Decimal(1), Money(net, currency), rate)], currency).total.minor


def _net_for(share: int, rate: Decimal | None, currency: str) -> int:
    """The largest net whose total at `rate` does not exceed `share` (VAT rounding skips some totals)."""
    if share <= 0:
        return 0
    if rate is None:
        return share
    net = int(Decimal(share) / (1 + rate / 100)) + 2
    while net > 0 and _reachable(net, rate, currency) > share:
        net -= 1
    return net


def _partial_lines(
    original: Invoice, lines: list[Line], amount: Money, label: str, rounding: str | None = None
) -> tuple[Line, ...]:
    """A partial credit spread over the original's VAT rates in proportion to what each rate weighs.

    VAT rounding makes some totals unreachable at a rate (3 cents at 20 %): each rate takes the nearest
    total at or below its share and passes the cent left over to the next; the last must land exactly,
    or, given a `rounding` label, the cent left over becomes a line of its own at 0 % VAT.
    """
    base = totals(lines, original.currency)
    parts: list[tuple[Decimal | None, int]] = [(v.rate, v.base.minor + v.vat.minor) for v in base.by_rate]
    parts.append((None, sum(line.net.minor for line in lines if line.vat_rate is None)))
    parts = [(rate, weight) for rate, weight in parts if weight > 0]  # a rebate line can leave a rate at or below 0
    if not parts:
        raise BadInput(f"{original.number} has no positive amount at any VAT rate to credit")
    shares = [s.minor for s in split(amount, [weight for _, weight in parts])]
    out, carry = [], 0
    for (rate, _), share in zip(parts, shares, strict=True):
        wanted = share + carry
        net = _net_for(wanted, rate, original.currency)
        carry = wanted - _reachable(net, rate, original.currency)
        if net:
            suffix = "" if rate is None else f" (TVA {rate} %)"
            out.append(Line(label + suffix, Decimal(1), Money(net, original.currency), rate))
    if carry and rounding is None:
        raise BadInput(f"{amount} cannot be credited exactly at these VAT rates", hint="try a cent more or less")
    if carry:  # only VAT rates leave a carry: the rounding line is at 0 %, so every line has a rate
        out.append(Line(rounding or "", Decimal(1), Money(carry, original.currency), Decimal(0)))
    return tuple(out)


def _client_of(ledger: Ledger, invoice: Invoice) -> Client:
    return get_client(ledger, ledger.scalar("SELECT code FROM client WHERE id = ?", (invoice.client_id,)))


def credit_note(ledger: Ledger, config: Config, number: str, amount: str | None, reason: str, on: date) -> CreditNote:
    """Credit all (or part) of an invoice: a credit note in its own series, applied to what the invoice owes.

    Everything is checked inside the write transaction, so two credit notes issued at once cannot
    together credit more than the invoice.
    """
    text = validate.line(reason, "reason", required=True, max_len=500)
    with ledger.transaction():
        original = get_invoice(ledger, number)
        if original.kind not in ("invoice", "deposit") or original.status not in ("issued", "written_off"):
            raise BadInput(
                f"{original.number} cannot be credited (it is a {original.kind.replace('_', ' ')}, {original.status})"
            )
        if on < original.issued_on:
            raise BadInput(f"a credit note cannot predate the invoice it corrects ({original.issued_on})")
        deducted = ledger.one(
            "SELECT v.number FROM deposit_deduction d JOIN invoice v ON v.id = d.invoice_id WHERE d.deposit_id = ?",
            (original.id,),
        )
        if deducted is not None:
            raise BadInput(
                f"deposit {original.number} is deducted from {deducted['number']}",
                hint=f"credit {deducted['number']} instead: its total includes the deposit",
            )
        credited = credited_on(ledger, original.id)
        remaining = Money(original.total.minor - credited, original.currency)
        if not remaining:
            raise BadInput(f"{original.number} is already fully credited")
        value = remaining if amount is None else parse_amount(amount, original.currency)
        if value.minor > remaining.minor:
            raise BadInput(f"{original.number} has {remaining} left to credit, not {value}")
        client = _client_of(ledger, original)
        lines = invoice_lines(ledger, original)
        label = f"{'Avoir sur' if client.language == 'fr' else 'Credit on'} {original.number}"
        if value == original.total and not credited:
            items = tuple(
                Line(f"{label} - {line.description}", line.quantity, line.unit_price, line.vat_rate) for line in lines
            )
        else:
            items = _partial_lines(original, lines, value, label)
        note = write_invoice(ledger, config, _note(ledger, client, original, on, items, text))
        assert note.number is not None
        receipt = None
        if original.status == "issued":
            receipt = record_system_payment(
                ledger, client, note.total, on, METHOD_CREDIT_NOTE, note.number, text, invoice_id=original.id
            )
        log_event(ledger, client.id, "credit_note", on, invoice_id=original.id, text=f"{note.number}: {text}")
    return CreditNote(note, original, receipt, remaining - note.total)


def _note(
    ledger: Ledger, client: Client, original: Invoice, on: date, items: tuple[Line, ...], text: str | None
) -> NewInvoice:
    """A credit note on `original`: its 0 % lines carry the same VAT exemption, worded as on the invoice, and
    it corrects an operation of the same nature (goods, services or both)."""
    from dunner.core.vat import COLUMNS, from_row
    from dunner.ledger.writing import Operation

    row = ledger.one(f"SELECT category, {', '.join(COLUMNS)} FROM invoice WHERE id = ?", (original.id,))
    exemption = from_row(row) if has_zero_rate(items) else None
    return NewInvoice(
        client=client,
        issued_on=on,
        lines=items,
        totals=totals(items, original.currency),
        plan=(),
        kind="credit_note",
        description=text,
        related_invoice_id=original.id,
        exemption=exemption,
        operation=Operation(category=row["category"]),
    )


def discount_note(ledger: Ledger, config: Config, number: str, amount: Money, on: date, terms: str) -> str:
    """The credit note that grants an early-payment discount (avoir d'escompte), settling the invoice."""
    original = get_invoice(ledger, number)
    client = _client_of(ledger, original)
    fr = client.language == "fr"
    label = f"{'Escompte pour paiement anticipé sur' if fr else 'Early-payment discount on'} {original.number}"
    items = _partial_lines(original, invoice_lines(ledger, original), amount, label, "Arrondi" if fr else "Rounding")
    text = f"{'Escompte' if fr else 'Early-payment discount'} {terms}"
    with ledger.transaction():
        note = write_invoice(ledger, config, _note(ledger, client, original, on, items, text))
        assert note.number is not None
        record_system_payment(
            ledger, client, note.total, on, METHOD_DISCOUNT, note.number, text, invoice_id=original.id
        )
        log_event(ledger, client.id, "credit_note", on, invoice_id=original.id, text=f"{note.number}: {text}")
    return note.number


def write_off(ledger: Ledger, number: str, reason: str, on: date) -> Money:
    """Give up a hopeless debt: out of the aging and the dunning from `on`, kept in the write-off report.

    What is written off is what the invoice still owes now; a payment dated after `on` would make the
    aging of those days wrong, so it is refused (record the write-off on a later date).
    """
    text = validate.line(reason, "reason", required=True, max_len=500)
    with ledger.transaction():
        invoice = get_invoice(ledger, number)
        if invoice.status != "issued" or invoice.kind == "credit_note":
            raise BadInput(
                f"{invoice.number} cannot be written off ({invoice.kind.replace('_', ' ')}, {invoice.status})"
            )
        if on < invoice.issued_on:
            raise BadInput(f"{invoice.number} was issued on {invoice.issued_on}, after {on}")
        later = ledger.scalar(
            "SELECT MAX(a.applied_on) FROM allocation a JOIN instalment i ON i.id = a.instalment_id"
            " WHERE i.invoice_id = ?",
            (invoice.id,),
        )
        if later is not None and later > on.isoformat():
            raise BadInput(
                f"{invoice.number} received money on {later}, after {on}",
                hint=f"write it off on {later} or later",
            )
        left = Money(
            ledger.scalar(
                f"SELECT COALESCE(SUM(i.amount_cents - {PAID}), 0) FROM instalment i WHERE i.invoice_id = :id",
                {"as_of": FOREVER.isoformat(), "id": invoice.id},
            ),
            invoice.currency,
        )
        if left.minor <= 0:
            raise BadInput(f"{invoice.number} has nothing left to write off")
        ledger.execute(
            "UPDATE invoice SET status = 'written_off', status_on = ? WHERE id = ?", (on.isoformat(), invoice.id)
        )
        log_event(ledger, invoice.client_id, "write_off", on, invoice_id=invoice.id, text=f"{left}: {text}")
    return left


def write_offs(ledger: Ledger, year: int | None = None) -> Iterator[dict[str, Any]]:
    """Written-off debts, per year, with the VAT they carry (what a VAT return may recover).

    `credited` is what credit notes issued on the debt after it was written off took back (a credit
    note is how the VAT of a bad debt is recovered in France; it settles nothing, the debt being gone).
    """
    where = "" if year is None else " AND substr(v.status_on, 1, 4) = :year"
    for row in ledger.rows(
        f"SELECT v.id, v.number, v.status_on, v.currency, v.net_cents, v.vat_cents, v.total_cents, c.code,"
        f" (SELECT SUM(i.amount_cents - {PAID.replace(':as_of', 'v.status_on')}) FROM instalment i"
        "   WHERE i.invoice_id = v.id) AS left_cents,"
        " (SELECT text FROM event e WHERE e.invoice_id = v.id AND e.kind = 'write_off' ORDER BY e.id DESC LIMIT 1)"
        "   AS reason,"
        " (SELECT COALESCE(SUM(n.total_cents), 0) FROM invoice n WHERE n.kind = 'credit_note'"
        "   AND n.related_invoice_id = v.id AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.client_id = v.client_id"
        "   AND p.reference = n.number AND p.method IN ('credit_note', 'discount'))) AS credited_cents"
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
            "credited": Money(row["credited_cents"], row["currency"]),
            "reason": (row["reason"] or "").partition(": ")[2],
        }
