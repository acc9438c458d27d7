"""Claims: the late fees of one invoice under its client's law, as of a date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from dunner.config import Config
from dunner.db import Ledger
from dunner.latefees import Claim, Instalment, compute_claim
from dunner.law import Jurisdiction, Law, load_jurisdiction
from dunner.money import Money, minor_units
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


def claim_invoice(ledger: Ledger, config: Config, number: str, as_of: date) -> InvoiceClaim:
    """The claim on one invoice: principal overdue, interest by period, indemnity."""
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
    instalments = [
        Instalment(
            Money(r["amount_cents"], invoice.currency),
            date.fromisoformat(r["due_on"]),
            tuple(payments[r["id"]]),
        )
        for r in ledger.all("SELECT * FROM instalment WHERE invoice_id = ? ORDER BY seq", (invoice.id,))
    ]
    fixed, note = indemnity_for(law, invoice.total)
    claim = compute_claim(instalments, as_of, partial(laws.rate_for, law), fixed, laws.daily_rounding)
    if note and claim.interest.minor + claim.principal.minor:
        claim = Claim(
            claim.currency,
            claim.principal,
            claim.interest,
            claim.indemnity,
            claim.periods,
            (*claim.warnings, note),
        )
    return InvoiceClaim(invoice.number, law, claim)


def rate_text(rate: Decimal) -> str:
    """A rate as people write it: 12.15, not 12.1500."""
    return f"{rate.normalize():f}"
