"""What an invoice asks when it is printed: what was settled, what is left, what to pay now, and how."""

from __future__ import annotations

from datetime import date
from typing import Any

from dunner.core.money import Money
from dunner.core.payment import grouped_reference, invoice_reference
from dunner.edges.config import Config
from dunner.edges.qr import data_uri, epc_png
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.invoices import Invoice
from dunner.ledger.owed import Owed, snapshot
from dunner.ledger.settling import METHOD_CREDIT_NOTE, METHOD_DISCOUNT


def balance(ledger: Ledger, invoice: Invoice, row: Any, as_of: date) -> dict[str, Any] | None:
    """What the invoice still asks as of `as_of`, from the same figures as the letters (`owed.snapshot`):
    what was settled (payments, credit notes, an early-payment discount, the client's credit netted),
    what is left, and what to pay now: the instalments due by then, else the next one, else nothing."""
    if invoice.kind == "credit_note" or invoice.issued_on > as_of:
        return None
    zero = Money.zero(invoice.currency)
    if row["status"] != "issued" and row["status_on"] and row["status_on"] <= as_of.isoformat():
        # written off or voided by then: the document asks nothing more
        return {"as_of": as_of, "settled": [], "left": zero, "asked": zero, "asked_is": "none", "next_on": None,
                "status": row["status"]}  # fmt: skip
    owed = [
        o
        for o in snapshot(ledger, invoice.client_id, invoice.currency, as_of).owed.values()
        if o.invoice_id == invoice.id
    ]
    settled = _settled(ledger, invoice, as_of, owed)
    left = Money(sum(o.due.minor for o in owed), invoice.currency)
    asked, what, when = _asked(owed, as_of, zero)
    if what != "none" and asked == left:
        # all that is left is asked now: "reste dû" once something was settled, else the net to pay itself
        what = "balance" if settled else "total"
    return {
        "as_of": as_of,
        "settled": settled,
        "left": left,
        "asked": asked,
        # total (nothing settled) | balance | due (the instalments due by then) | next (the next one) | none
        "asked_is": what,
        "next_on": when,
        "status": "issued",
    }


def _settled(ledger: Ledger, invoice: Invoice, as_of: date, owed: list[Owed]) -> list[dict[str, Any]]:
    """What reduced the invoice by `as_of`: payments, credit notes, a discount, the client's credit netted."""
    zero = Money.zero(invoice.currency)
    settled: dict[str, Money] = {}
    for r in ledger.all(
        "SELECT p.method, SUM(a.amount_cents) AS cents FROM allocation a JOIN payment p ON p.id = a.payment_id"
        " JOIN instalment i ON i.id = a.instalment_id WHERE i.invoice_id = ? AND a.applied_on <= ?"
        " GROUP BY p.method ORDER BY p.method",
        (invoice.id, as_of.isoformat()),
    ):
        kind = r["method"] if r["method"] in (METHOD_CREDIT_NOTE, METHOD_DISCOUNT) else "payment"
        settled[kind] = settled.get(kind, zero) + Money(r["cents"], invoice.currency)
    credit = Money(sum(o.credit.minor for o in owed), invoice.currency)
    if credit:
        settled["credit"] = credit
    order = ("payment", METHOD_CREDIT_NOTE, METHOD_DISCOUNT, "credit")
    return [{"kind": k, "amount": settled[k]} for k in order if k in settled]


def _asked(owed: list[Owed], as_of: date, zero: Money) -> tuple[Money, str, date | None]:
    """What to pay now: the instalments due by `as_of`, else the next one, else nothing; and which it is."""
    due_now = [o for o in owed if o.due_on <= as_of and o.due]
    later = [o for o in owed if o.due_on > as_of and o.due]
    if due_now:
        return Money(sum(o.due.minor for o in due_now), zero.currency), "due", None
    if later:
        return later[0].due, "next", later[0].due_on
    return zero, "none", None


def payment(config: Config, invoice: Invoice, row: Any, to_pay: Money, *, qr: bool = True) -> dict[str, Any]:
    """How to pay the invoice; with `qr`, the EPC QR code asking `to_pay` (a PNG data URI: ~20 ms to make)."""
    business = config.business
    link = row["payment_link"] or (
        business.payment_link.replace("{invoice}", invoice.number) if business.payment_link else None
    )
    rf = invoice_reference(invoice.number, invoice.id) if invoice.kind != "credit_note" else ""
    code = None  # for what the document asks now
    if qr and business.iban and invoice.currency == "EUR" and rf and to_pay.minor > 0:
        code = data_uri(epc_png(business.name, business.iban, business.bic, to_pay, invoice.number, rf))
    return {
        "iban": business.iban,
        "bic": business.bic,
        "reference": invoice.number,
        "rf": grouped_reference(rf) if rf else "",  # the ISO 11649 reference a transfer should carry
        "link": link,
        "qr": code,
        "amount": to_pay,  # what the QR code asks
    }
