"""Claims and demands: what a letter asks, as of a date, computed once for its list, its totals and its claim.

A demand starts from one snapshot of a client's open instalments in one currency, with the client's
unapplied credit netted against them oldest due first and dated (`allocation.spread_credit`). The
lines a letter lists, the total it asks, the principal of its claim and the interest on it are all
read from that snapshot, so they agree to the cent. The fixed indemnity is counted once per late
invoice, whatever the number of its instalments or of the letters that restate it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.latefees import Claim, Instalment, compute_claim
from dunner.core.law import Law
from dunner.core.money import Money, minor_units
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger, batches
from dunner.ledger.invoices import get_invoice
from dunner.ledger.owed import Owed, Snapshot, snapshot


@dataclass(frozen=True)
class InvoiceClaim:
    number: str
    law: Law
    claim: Claim
    owed: tuple[Owed, ...] = ()  # the overdue instalments whose principal the claim counts


@dataclass(frozen=True)
class Demand:
    """What one letter asks: its lines, and the claim on their invoices when the letter claims the late fees."""

    currency: str
    lines: tuple[Owed, ...]
    claims: tuple[InvoiceClaim, ...] = ()
    noticed: dict[str, date] | None = None  # invoice number -> day of its first formal notice, before this letter

    @property
    def principal(self) -> Money:
        return Money(sum(line.due.minor for line in self.lines), self.currency)

    @property
    def interest(self) -> Money:
        return Money(sum(c.claim.interest.minor for c in self.claims), self.currency)

    @property
    def indemnity(self) -> Money:
        return Money(sum(c.claim.indemnity.minor for c in self.claims), self.currency)

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.indemnity

    @property
    def warnings(self) -> list[str]:
        return sorted({w for c in self.claims for w in c.claim.warnings})


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


def claim_invoice(
    ledger: Ledger, config: Config, number: str, as_of: date, snap: Snapshot | None = None
) -> InvoiceClaim:
    """The claim on one invoice: principal overdue, interest by period, indemnity, net of the client's credit."""
    invoice = get_invoice(ledger, number)
    if invoice.kind == "credit_note":
        raise BadInput(f"{invoice.number} is a credit note: nothing is owed on it, so nothing can be claimed")
    client = ledger.one("SELECT kind, law FROM client WHERE id = ?", (invoice.client_id,))
    laws = config.jurisdiction()
    law = laws.law_for(client["law"], client["kind"])
    if snap is None or (snap.client_id, snap.currency, snap.as_of) != (invoice.client_id, invoice.currency, as_of):
        snap = snapshot(ledger, invoice.client_id, invoice.currency, as_of)
    applied: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for row in ledger.all(
        "SELECT a.instalment_id, a.applied_on, a.amount_cents FROM allocation a"
        " JOIN instalment i ON i.id = a.instalment_id WHERE i.invoice_id = ?",
        (invoice.id,),
    ):
        applied[row["instalment_id"]].append((date.fromisoformat(row["applied_on"]), row["amount_cents"]))
    rows = ledger.all("SELECT * FROM instalment WHERE invoice_id = ? ORDER BY seq", (invoice.id,))
    if not rows:  # a final invoice its deposits settled whole
        raise BadInput(f"{invoice.number} asks nothing beyond its deposits: nothing can be claimed on it")
    instalments, owed = [], []
    for r in rows:
        amount, due_on, credit = (
            Money(r["amount_cents"], invoice.currency),
            date.fromisoformat(r["due_on"]),
            snap.shares.get(r["id"], []),
        )
        instalments.append(Instalment(amount, due_on, (*applied[r["id"]], *credit)))
        paid = sum(cents for day, cents in applied[r["id"]] if day <= as_of)
        if due_on < as_of and paid < amount.minor:
            owed.append(
                Owed(
                    r["id"],
                    invoice.id,
                    invoice.number,
                    r["seq"],
                    invoice.issued_on,
                    due_on,
                    amount,
                    Money(paid, invoice.currency),
                    Money(sum(cents for _, cents in credit), invoice.currency),
                )
            )
    fixed, note = indemnity_for(law, invoice.total)
    claim = compute_claim(instalments, as_of, partial(laws.rate_for, law), fixed, laws.daily_rounding)
    if note and claim.interest.minor + claim.principal.minor:
        claim = replace(claim, warnings=(*claim.warnings, note))
    # one computation: the principal claimed is the sum of the instalments listed, to the cent
    assert claim.principal.minor == sum(o.due.minor for o in owed), (number, claim.principal, owed)
    return InvoiceClaim(invoice.number, law, claim, tuple(owed))


def demand(
    ledger: Ledger,
    config: Config,
    client_id: int,
    currency: str,
    as_of: date,
    *,
    instalments: Sequence[int] = (),
    invoices: Sequence[str] = (),
) -> Demand:
    """What a letter asks as of `as_of`: the `instalments` it is about, or the claim on the `invoices`.

    With `invoices`, the letter claims the late fees: it lists every overdue instalment of those
    invoices, and the claim on each (principal, interest, the one indemnity) comes from the same figures.
    """
    snap = snapshot(ledger, client_id, currency, as_of)
    if not invoices:
        lines = tuple(snap.owed[i] for i in dict.fromkeys(instalments) if i in snap.owed)
        return Demand(currency, lines)
    claims = tuple(claim_invoice(ledger, config, n, as_of, snap) for n in dict.fromkeys(invoices))
    noticed = first_notices(ledger, [get_invoice(ledger, c.number).id for c in claims], as_of)
    return Demand(
        currency,
        tuple(line for c in claims for line in c.owed),
        claims,
        {number: day for number, day in noticed.items()},
    )


def first_notices(ledger: Ledger, invoice_ids: Iterable[int], as_of: date) -> dict[str, date]:
    """The day each invoice had its first formal notice, before `as_of` (invoice number -> date).

    Before, not on: a letter printed again the same day is the same letter, and follows nothing.
    A notice is a `formal_notice` event (`dunner notice`, or a claiming step that `remind` sent), or,
    in a ledger written before those steps logged one, a claiming reminder row marked sent.
    """
    found: dict[str, date] = {}
    for chunk in batches(list(dict.fromkeys(invoice_ids))):
        marks = ", ".join("?" * len(chunk))
        for row in ledger.all(
            "SELECT v.number, MIN(x.day) AS day FROM ("
            " SELECT invoice_id, happened_on AS day FROM event"
            f" WHERE kind = 'formal_notice' AND invoice_id IN ({marks}) AND happened_on < ? UNION ALL"
            # by the invoices' instalments, never through the status index (every sent reminder): `|| ''`
            # keeps SQLite (without statistics) from using it
            " SELECT i.invoice_id, r.acted_on FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
            f" WHERE i.invoice_id IN ({marks}) AND r.status || '' = 'sent'"
            " AND r.claim_cents IS NOT NULL AND r.acted_on < ?"
            ") x JOIN invoice v ON v.id = x.invoice_id GROUP BY v.number",
            [*chunk, as_of.isoformat(), *chunk, as_of.isoformat()],
        ):
            found[row["number"]] = date.fromisoformat(row["day"])
    return found


def claim_context(result: Demand, language: str) -> dict[str, Any]:
    """The `claim` a letter's template sees: law, figures, periods, and the notices it follows."""
    noticed = result.noticed or {}
    earlier = sorted(set(noticed.values()))
    return {
        "law": result.claims[0].law.named(language),
        "principal": result.principal,
        "interest": result.interest,
        "indemnity": result.indemnity,
        "total": result.total,
        "periods": period_rows(result.claims),
        "per_invoice": {c.number: c.claim.total for c in result.claims},
        "warnings": result.warnings,
        # a later letter restates the claim: it says which notice it follows and which invoices it adds,
        # and how much of the indemnity (once per invoice) was already claimed then
        "follows": earlier[0] if earlier else None,
        "noticed": [{"invoice": number, "on": day} for number, day in sorted(noticed.items(), key=lambda x: x[1])],
        "new_invoices": [c.number for c in result.claims if c.number not in noticed] if noticed else [],
        **_indemnity_claimed(result, noticed),
    }


def _indemnity_claimed(result: Demand, noticed: dict[str, date]) -> dict[str, Any]:
    """The part of the letter's indemnity already claimed by earlier notices, and the first day it was."""
    before = [c for c in result.claims if c.claim.indemnity and c.number in noticed]
    return {
        "indemnity_claimed": Money(sum(c.claim.indemnity.minor for c in before), result.currency),
        "indemnity_claimed_on": min((noticed[c.number] for c in before), default=None),
    }


def line_context(line: Owed, as_of: date) -> dict[str, Any]:
    """One listed instalment as the letters' templates see it (`invoices`)."""
    return {
        "number": line.label,
        "invoice": line.number,
        "instalment": line.seq,
        "issued_on": line.issued_on,
        "due_on": line.due_on,
        "days_late": (as_of - line.due_on).days,
        "total": line.amount,
        "paid": line.paid + line.credit,  # all that reduced it, so that total - paid = due
        "credit": line.credit,  # of which the client's unapplied credit, netted
        "due": line.due,
    }


def period_rows(claims: Sequence[InvoiceClaim]) -> list[dict[str, Any]]:
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
