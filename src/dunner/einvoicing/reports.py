"""212 "Encaissée": the payments the seller reports to the platform (XP Z12-012; the reform's e-reporting of
the payment of services, whose VAT is due on receipt unless the business opted for the debits).

A payment recorded on such an invoice (by `dunner pay`, an import, or a bank line matched) is reported
once per payment and invoice, with the amount applied to that invoice and the day it was received. The
reports are found by a query, not by hooking every way a payment gets in: whatever recorded it, the next
sync (or `remind`) submits what is missing, and one the platform could not take is retried later.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dunner.core.identifiers import siren_of
from dunner.core.money import Money
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.einvoicing.flows import Flow, Outcome, submit

STATUS_SYNTAX, STATUS_PROFILE = "CDAR", "Basic"
RECEIVED = 212
# Money received on invoices that went through the platform, per payment and invoice, not reported yet. Read
# from the platform's invoices (index on the flow's state), then their instalments, allocations and payments:
# the CROSS JOINs keep SQLite to that order, so a sync never reads the payments of invoices the platform never
# carried (through the payment_reverses index, `reverses_id IS NULL` is nearly every payment of the ledger).
UNREPORTED = """
    SELECT a.payment_id, v.id AS invoice_id, v.client_id, v.number, v.issued_on, v.currency,
           MIN(p.received_on) AS received_on, SUM(a.amount_cents) AS cents
    FROM (SELECT DISTINCT invoice_id FROM platform_flow WHERE kind = 'invoice'
          AND state IN ('submitted', 'acknowledged')) f
    CROSS JOIN invoice v CROSS JOIN instalment i CROSS JOIN allocation a CROSS JOIN payment p
    WHERE v.id = f.invoice_id AND i.invoice_id = v.id AND a.instalment_id = i.id AND p.id = a.payment_id
      AND p.amount_cents > 0 AND p.reverses_id IS NULL AND p.method NOT IN ('credit_note', 'discount')
      AND v.kind <> 'credit_note' AND {due_on_receipt}
      AND NOT EXISTS (SELECT 1 FROM platform_flow r WHERE r.invoice_id = v.id AND r.payment_id = a.payment_id
                      AND r.kind = 'status'
                      AND r.state IN ('submitted', 'acknowledged', 'rejected', 'refused', 'sending'))
    GROUP BY a.payment_id, v.id, v.client_id, v.number, v.issued_on, v.currency
    HAVING SUM(a.amount_cents) > 0
    ORDER BY MIN(p.received_on), a.payment_id, v.number
"""


@dataclass(frozen=True)
class Received:
    payment_id: int
    invoice_id: int
    client_id: int
    number: str
    issued_on: date
    received_on: date
    amount: Money

    @property
    def tracking_id(self) -> str:
        """Unique per payment and invoice, within the spec's 36 characters (an invoice number may take 35)."""
        return f"212-{self.payment_id}-{self.invoice_id}"


def due_on_receipt(config: Config) -> str:
    """SQL: the invoices whose VAT falls due when paid: services (or mixed) without the debits option."""
    if config.business.vat_on_debits:
        return "0 = 1"
    return "COALESCE(v.category, 'services') IN ('services', 'mixed')"


def unreported(ledger: Ledger, config: Config) -> Iterator[Received]:
    for row in ledger.rows(UNREPORTED.format(due_on_receipt=due_on_receipt(config))):
        yield Received(
            row["payment_id"],
            row["invoice_id"],
            row["client_id"],
            row["number"],
            date.fromisoformat(str(row["issued_on"])),
            date.fromisoformat(str(row["received_on"])),
            Money(row["cents"], row["currency"]),
        )


def report_payments(ledger: Ledger, config: Config, flows: Any) -> list[Outcome]:
    """Submit a 212 for every payment not reported yet; stop at the first the platform cannot take now."""
    outcomes = []
    for received in list(unreported(ledger, config)):
        outcome = submit(ledger, flows, _flow(ledger, config, received))
        outcomes.append(outcome)
        if outcome.state in ("failed", "uncertain"):
            break  # the platform is down or flaky: the rest waits for the next run
    return outcomes


def report_received(ledger: Ledger, config: Config) -> list[Outcome]:
    """Right after a payment is recorded (pay, import, bank): its 212, if it needs one. The platform is called
    only when there is something to report; what it cannot take now, a later run (sync, remind) reports."""
    from dunner.einvoicing.status import configured, connect

    if not configured(config) or next(unreported(ledger, config), None) is None:
        return []
    return report_payments(ledger, config, connect(config))


def _flow(ledger: Ledger, config: Config, received: Received) -> Flow:
    """The 212 of one payment on one invoice, as a CDAR built like the official example (seller to buyer and
    the PPF), its message id the tracking id: unique per payment and invoice."""
    from dunner.edges.cdar import Party, build_cdar

    buyer = ledger.one("SELECT name, registration, electronic_address FROM client WHERE id = ?", (received.client_id,))
    siren = siren_of(buyer["registration"]) if buyer["registration"] else None
    rates = {r[0] for r in ledger.all("SELECT DISTINCT vat_rate FROM invoice_line WHERE invoice_id = ?",
                                      (received.invoice_id,))}  # fmt: skip
    content = build_cdar(
        code=RECEIVED,
        invoice_number=received.number,
        invoice_issued_on=received.issued_on,
        status_on=received.received_on,
        amount=received.amount,
        vat_rate=Decimal(rates.pop()) if len(rates) == 1 and None not in rates else None,  # one rate: the example's
        seller=config.business,
        buyer=Party(siren, buyer["name"], buyer["electronic_address"]) if siren else None,
        message_id=received.tracking_id,
        name=f"{received.number}-CDV-212-{received.payment_id}",
    )
    return Flow(
        tracking_id=received.tracking_id,
        invoice_id=received.invoice_id,
        kind="status",
        name=f"{received.tracking_id}.xml",
        content=content,
        syntax=STATUS_SYNTAX,
        profile=STATUS_PROFILE,
        processing_rule="B2B",
        payment_id=received.payment_id,
        status_code=RECEIVED,
        amount_cents=received.amount.minor,
    )
