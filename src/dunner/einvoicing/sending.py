"""`dunner send INVOICE --via platform`: the Factur-X submitted to the approved platform, exactly once.

Which invoices go through the platform (the reform, from 1 September 2027 for small companies): domestic
B2B ones, to a French business client with a SIREN. Consumers, foreign clients and reminders stay email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dunner.core.errors import BadInput
from dunner.documents.views import check_complete, invoice_view
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.einvoicing.flows import Flow, Outcome, refuse_if_uncertain, submit
from dunner.ledger.events import log_event

FACTURX_SYNTAX, FACTURX_PROFILE, DOMESTIC = "Factur-X", "CIUS", "B2B"


@dataclass(frozen=True)
class Submitted:
    number: str
    outcome: Outcome


def via_platform(config: Config, client: Any) -> bool:
    """Whether `dunner send` (no --via) uses the platform for this client: `[einvoicing] send = "platform"`
    and a French business client (the reform's domestic B2B invoices)."""
    return config.section("einvoicing").get("send") == "platform" and in_scope(config, client)


def in_scope(config: Config, client: Any) -> bool:
    country = client.country or config.business.country or "FR"
    return client.kind == "business" and country == "FR" and bool(client.registration)


def send_via_platform(
    ledger: Ledger, config: Config, number: str, on: date, flows: Any, *, resend_uncertain: bool = False
) -> Submitted:
    """Submit the invoice's Factur-X to the platform; the outcome says what the platform answered."""
    from dunner.documents.printing import check_identifiers, invoice_pdf

    check_identifiers(config)
    view = invoice_view(ledger, config, number)
    check_complete(view)
    invoice, client = view.invoice, view.client
    if invoice.status != "issued":
        raise BadInput(f"{invoice.number} is {invoice.status.replace('_', ' ')}: it is not sent")
    if not in_scope(config, client):
        raise BadInput(
            f"{client.code} is not a French business with a SIREN: its invoices do not go through the platform",
            hint=f"dunner send {invoice.number} (by email)",
        )
    if not resend_uncertain:
        refuse_if_uncertain(ledger, invoice.number)
    pdf = invoice_pdf(ledger, config, number, as_of=on, facturx=True)
    flow = Flow(
        tracking_id=invoice.number,
        invoice_id=invoice.id,
        kind="invoice",
        name=f"{invoice.number}.pdf",
        content=pdf,
        syntax=FACTURX_SYNTAX,
        profile=FACTURX_PROFILE,
        processing_rule=DOMESTIC,
    )
    outcome = submit(ledger, flows, flow, resend_uncertain=resend_uncertain, asked=True)
    if outcome.state == "submitted":
        with ledger.transaction():
            log_event(
                ledger,
                client.id,
                "submitted",
                on,
                invoice_id=invoice.id,
                text=f"to the platform: flow {outcome.flow_id}",
            )
    return Submitted(invoice.number, outcome)
