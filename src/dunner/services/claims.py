"""Claims: the late fees of one invoice under its client's law, as of a date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from dunner.allocation import OpenItem, spread_credit
from dunner.config import Config
from dunner.db import Ledger
from dunner.latefees import Claim, Instalment, compute_claim
from dunner.law import Jurisdiction, Law, load_jurisdiction
from dunner.money import Money, minor_units
from dunner.services.balances import open_instalments
from dunner.services.invoices import get_invoice


@dataclass(frozen=True)
class InvoiceClaim:
    number: str
    law: Law
    claim: Claim


def jurisdiction(config: Config) -> Jurisdiction:
    return load_jurisdiction(config.section("law"), str(config.path or "config"))


def indemnity_for(law: Law, total: Money) -> tuple[Money | None, str | None]:
    """The law's fixed indemnity for a debt of `total`, or a note when it cannot apply."""
    amount = law.indemnity_for(total.amount)
    if not amount:
        return None, None
    if law.currency != total.currency:
        return (
            None,
            f"the {amount} {law.currency} indemnity of {law.name} is not added to a {total.currency} debt",
        )
    return Money(int(amount.scaleb(minor_units(total.currency))), total.currency), None


def _credit_shares(ledger: Ledger, client_id: int, currency: str, as_of: date) -> dict[int, list[tuple[date, int]]]:
    """The client's unapplied money as of `as_of`, netted against their open instalments oldest due first.

    The same netting `remind` does before it chases anyone, dated, so a claim never demands money the
    client already paid, nor interest on it from the day it arrived.
    """
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
    if not any(left > 0 for _, left in credits):
        return {}
    items = [
        OpenItem(t.instalment_id, t.due_on, t.issued_on, t.number, t.seq, t.outstanding.minor)
        for t in open_instalments(ledger, as_of, client_id=client_id, currency=currency)
    ]
    return spread_credit(credits, items)


def claim_invoice(ledger: Ledger, config: Config, number: str, as_of: date) -> InvoiceClaim:
    """The claim on one invoice: principal overdue, interest by period, indemnity, net of the client's credit."""
    invoice = get_invoice(ledger, number)
    client = ledger.one("SELECT kind, law FROM client WHERE id = ?", (invoice.client_id,))
    laws = jurisdiction(config)
    law = laws.law_for(client["law"], client["kind"])
    payments: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for row in ledger.all(
        "SELECT a.instalment_id, a.applied_on, a.amount_cents FROM allocation a"
        " JOIN instalment i ON i.id = a.instalment_id WHERE i.invoice_id = ?",
        (invoice.id,),
    ):
        payments[row["instalment_id"]].append((date.fromisoformat(row["applied_on"]), row["amount_cents"]))
    for instalment_id, shares in _credit_shares(ledger, invoice.client_id, invoice.currency, as_of).items():
        payments[instalment_id].extend(shares)
    instalments = [
        Instalment(
            Money(r["amount_cents"], invoice.currency), date.fromisoformat(r["due_on"]), tuple(payments[r["id"]])
        )
        for r in ledger.all("SELECT * FROM instalment WHERE invoice_id = ? ORDER BY seq", (invoice.id,))
    ]
    fixed, note = indemnity_for(law, invoice.total)
    claim = compute_claim(instalments, as_of, partial(laws.rate_for, law), fixed, laws.daily_rounding)
    if note and claim.interest.minor + claim.principal.minor:
        claim = replace(claim, warnings=(*claim.warnings, note))
    return InvoiceClaim(invoice.number, law, claim)


def period_rows(claims: list[InvoiceClaim]) -> list[dict[str, Any]]:
    """The interest periods of several claims, one row each, as the letters and the notice list them."""
    return [
        {
            "invoice": c.number,
            "start": p.start,
            "end": p.end,
            "days": p.days,
            "rate": p.rate.normalize(),
            "base": p.base,
            "amount": amount,
        }
        for c in claims
        for p, amount in zip(c.claim.periods, c.claim.amounts, strict=True)
    ]


def rate_text(rate: Decimal) -> str:
    """A rate as people write it: 12.15, not 12.1500."""
    return f"{rate.normalize():f}"
