"""Sending an invoice by email, its PDF attached (with its Factur-X XML when it can carry one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunner.core.errors import BadInput, OperationalError
from dunner.core.filenames import safe_filename
from dunner.documents.views import check_complete, invoice_view
from dunner.edges.config import Config
from dunner.edges.mail import DeliveryError, MailSettings, build_message, thread_root, transport_for
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import Renderer
from dunner.ledger.events import log_event


@dataclass(frozen=True)
class Sent:
    number: str
    message_id: str
    recipients: list[str]
    facturx: bool


def send_invoice(ledger: Ledger, config: Config, number: str, on: date) -> Sent:
    """Email the invoice to its client. The first sending opens the invoice's mail thread: its reminders
    later reply to it."""
    from dunner.documents.printing import check_identifiers, invoice_pdf

    settings = MailSettings.from_config(config.section("mail"), config.business.email, config.resolve)
    if settings.transport == "dry-run":
        raise BadInput("[mail] transport is dry-run: nothing can be sent", hint="set it to smtp or maildir")
    check_identifiers(config)
    view = invoice_view(ledger, config, number)
    check_complete(view)
    if view.invoice.status != "issued":
        raise BadInput(f"{view.invoice.number} is {view.invoice.status.replace('_', ' ')}: it is not sent")
    try:
        pdf, facturx = invoice_pdf(ledger, config, number, as_of=on, facturx=True), True
    except BadInput:  # lines without a VAT rate cannot make a Factur-X invoice: the plain PDF is sent
        pdf, facturx = invoice_pdf(ledger, config, number, as_of=on), False
    client = view.client
    ctx = {
        **view.context,
        "greeting": client.contact or ("Madame, Monsieur" if client.language == "fr" else "Sir or Madam"),
    }
    subject, text, html = Renderer(config.templates_dir).message("invoice", client.language, ctx)
    root = thread_root(view.invoice.number, settings.domain)
    first = not ledger.one("SELECT 1 FROM event WHERE invoice_id = ? AND kind = 'sent'", (view.invoice.id,))
    outgoing = build_message(
        settings,
        sender_name=config.business.name or settings.sender,
        to=[(client.name, addr.strip()) for addr in client.email.split(",")],
        subject=subject,
        text=text,
        html=html,
        references=[],
        thread_root=root,
        attachments=[(safe_filename(view.invoice.number, ".pdf"), pdf)],
        message_id=root if first else None,
    )
    transport = transport_for(settings)
    try:
        transport.open()
        transport.send(outgoing)
    except DeliveryError as exc:
        raise OperationalError(f"{view.invoice.number} was not sent: {exc}") from None
    finally:
        transport.close()
    with ledger.transaction():
        log_event(
            ledger,
            client.id,
            "sent",
            on,
            invoice_id=view.invoice.id,
            text=f"to {', '.join(outgoing.to)} {outgoing.message_id}",
        )
    return Sent(view.invoice.number, outgoing.message_id, outgoing.to, facturx)
