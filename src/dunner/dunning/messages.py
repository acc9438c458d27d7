"""One reminder message: its template context, its claim, its QR code and its threading headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.payment import grouped_iban, grouped_reference, invoice_reference, transfer_text
from dunner.core.policy import Step
from dunner.dunning.claims import Demand, claim_context, demand, line_context
from dunner.dunning.targets import Target
from dunner.edges.config import LOCALES, Config
from dunner.edges.mail import MailSettings, Outgoing, build_message
from dunner.edges.qr import epc_png
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import Renderer

QR_CID = "epc-qr@dunner"


@dataclass(frozen=True)
class Draft:
    """A message about to be sent: the step, and the instalments it is about (one client, one currency)."""

    step: Step
    targets: tuple[Target, ...]
    message_id: str | None = None  # set once its rows are marked `sending`: a resend keeps the first one

    @property
    def client(self) -> Any:
        return self.targets[0].client

    @property
    def currency(self) -> str:
        return self.targets[0].amount.currency


def letter(ledger: Ledger, config: Config, draft: Draft, as_of: date) -> Demand:
    """What the draft's message asks: its instalments, or (a claiming step) the claim on their invoices."""
    return demand(
        ledger,
        config,
        draft.client.id,
        draft.currency,
        as_of,
        instalments=[t.instalment_id for t in draft.targets],
        invoices=[t.number for t in draft.targets] if draft.step.claim else (),
    )


def context(ledger: Ledger, config: Config, draft: Draft, as_of: date, notice_days: int) -> dict[str, Any]:
    """Everything a mail template may use (see the README's template section).

    The list, its total and the claim come from one `Demand`, so they agree to the cent."""
    client, business = draft.client, config.business
    language = client.language
    result = letter(ledger, config, draft, as_of)
    claim = claim_context(result, language) if draft.step.claim else None
    numbers = list(dict.fromkeys(line.number for line in result.lines))
    own = {t.number: t.payment_link for t in draft.targets if t.payment_link}
    links = {
        n: own.get(n) or business.payment_link.replace("{invoice}", n)
        for n in numbers
        if own.get(n) or business.payment_link
    }
    iban = grouped_iban(business.iban)
    ids = {t.number: t.invoice_id for t in draft.targets}
    rf = invoice_reference(numbers[0], ids[numbers[0]]) if len(numbers) == 1 and numbers[0] in ids else ""
    return {
        "locale": LOCALES.get(language, config.defaults.babel_locale),
        "language": language,
        "as_of": as_of,
        "subject": "",
        "business": {k: getattr(business, k) for k in business.__dataclass_fields__},
        "client": {
            "code": client.code,
            "name": client.name,
            "contact": client.contact,
            "email": client.email,
            "kind": client.kind,
            "address": client.address,
        },
        "greeting": client.contact or ("Madame, Monsieur" if language == "fr" else "Sir or Madam"),
        "step": {"name": draft.step.name, "offset": draft.step.offset, "claim": draft.step.claim},
        "invoices": [{**line_context(line, as_of), "link": links.get(line.number)} for line in result.lines],
        "total_due": result.principal,
        "to_pay": result.total,
        "currency": draft.currency,
        "claim": claim,
        "deadline": as_of + timedelta(days=notice_days),
        "payment": {
            "iban": iban,
            "bic": business.bic,
            "reference": transfer_text(numbers),
            "rf": grouped_reference(rf) if rf else "",  # one invoice: its ISO 11649 reference
            "links": [{"number": n, "url": url} for n, url in links.items()],
            "qr": bool(business.iban) and draft.currency == "EUR",
            "qr_cid": QR_CID,
        },
    }


def compose(
    ledger: Ledger,
    config: Config,
    renderer: Renderer,
    settings: MailSettings,
    draft: Draft,
    as_of: date,
    notice_days: int,
    *,
    pdfs: bool = True,
) -> tuple[Outgoing, dict[str, Any]]:
    """Render the draft and build the message, threaded under what dunner sent about its invoices before.

    Only messages that really went out are referred to: the invoice's own message when `dunner send`
    sent it, then the reminders marked sent. Without them, the message starts the thread. Without
    `pdfs` (a check before the run), the invoices' PDFs are only checked printable, not rendered."""
    ctx = context(ledger, config, draft, as_of, notice_days)
    subject, text, html = renderer.message(draft.step.template, draft.client.language, ctx)
    invoice_ids = list(dict.fromkeys(t.invoice_id for t in draft.targets))
    earlier = [*invoice_messages(ledger, invoice_ids), *earlier_messages(ledger, invoice_ids)]
    business = config.business
    qr = (
        epc_png(
            business.name, business.iban, business.bic, ctx["to_pay"], ctx["payment"]["reference"], ctx["payment"]["rf"]
        )
        if ctx["payment"]["qr"]
        else None
    )
    to = [(draft.client.name, addr.strip()) for addr in draft.client.email.split(",")]
    attachments, ctx["pdf_notes"] = invoice_pdfs(ledger, config, [t.number for t in draft.targets], as_of, render=pdfs)
    outgoing = build_message(
        settings,
        sender_name=config.business.name or settings.sender,
        to=to,
        subject=subject,
        text=text,
        html=html,
        references=earlier,
        qr_png=qr,
        qr_cid=QR_CID,
        attachments=attachments,
        message_id=draft.message_id,
    )
    return outgoing, ctx


def invoice_messages(ledger: Ledger, invoice_ids: list[int]) -> list[str]:
    """The Message-IDs under which dunner sent these invoices (`dunner send`), first sending first."""
    rows = ledger.all(
        f"SELECT text FROM event WHERE invoice_id IN ({', '.join('?' * len(invoice_ids))}) AND kind = 'sent'"
        " ORDER BY happened_on, id",
        invoice_ids,
    )
    return list(dict.fromkeys(m.group(0) for r in rows if (m := re.search(r"<[^<>\s]+>$", r["text"] or ""))))


def earlier_messages(ledger: Ledger, invoice_ids: list[int]) -> list[str]:
    """The Message-IDs of the reminders sent about these invoices, oldest first (for References).

    The status is tested here, not in SQL: with `status = 'sent'` in the query, SQLite (which has
    no statistics on a ledger) reads every sent reminder through the status index instead of looking
    up these invoices' instalments.
    """
    rows = ledger.all(
        "SELECT r.message_id, r.status FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
        f" WHERE i.invoice_id IN ({', '.join('?' * len(invoice_ids))}) AND r.message_id IS NOT NULL"
        " ORDER BY r.acted_on, r.id",
        invoice_ids,
    )
    return list(dict.fromkeys(r["message_id"] for r in rows if r["status"] == "sent"))


def invoice_pdfs(
    ledger: Ledger, config: Config, numbers: list[str], as_of: date, *, render: bool = True
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The invoices' PDFs to attach (`[dunning] attach_pdf`, on by default), and why any is missing.

    An invoice whose mandatory mentions are incomplete still gets its reminder, without the PDF. Without
    `render`, each PDF is only checked printable and none is made (no files are returned)."""
    made = pdf_plan(ledger, config, numbers, as_of, render=render)
    files = [(name, pdf) for _, name, pdf, why in made if pdf is not None]
    return files, [f"{number}: no PDF attached ({why})" for number, _, _, why in made if why]


def pdf_plan(
    ledger: Ledger, config: Config, numbers: list[str], as_of: date, *, render: bool = False
) -> list[tuple[str, str, bytes | None, str]]:
    """For each invoice (once): its number, the file name its PDF is attached under, the PDF (with
    `render`; a PDF costs ~0.1 s) and, when it cannot be attached, why not. Empty with `[dunning]
    attach_pdf = false`."""
    if not config.section("dunning").get("attach_pdf", True):
        return []
    from dunner.core.filenames import distinct_filenames
    from dunner.documents.printing import invoice_pdf, printable_view

    plan: list[tuple[str, str, bytes | None, str]] = []
    numbers = list(dict.fromkeys(numbers))
    for number, name in zip(numbers, distinct_filenames(numbers, ".pdf"), strict=True):
        try:
            if render:
                plan.append((number, name, invoice_pdf(ledger, config, number, as_of=as_of), ""))
            else:
                printable_view(ledger, config, number, as_of, qr=False)
                plan.append((number, name, None, ""))
        except BadInput as exc:
            plan.append((number, name, None, exc.message))
    return plan


def attached(ledger: Ledger, config: Config, draft: Draft, as_of: date) -> dict[str, str]:
    """What a dry run says of each invoice of the draft: "would attach F-1.pdf" or "no PDF attached (why)";
    empty when `[dunning] attach_pdf = false`."""
    plan = pdf_plan(ledger, config, [t.number for t in draft.targets], as_of)
    return {n: f"no PDF attached ({why})" if why else f"would attach {name}" for n, name, _, why in plan}
