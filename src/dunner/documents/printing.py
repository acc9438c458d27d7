"""Printable documents: invoice PDFs (optionally Factur-X) and formal notice letters."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from dunner.documents.views import InvoiceView, check_complete, invoice_view
from dunner.edges.config import Config, check_business
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import renderer as renderer_for

if TYPE_CHECKING:
    from dunner.edges.pdf import Attachment


def check_identifiers(config: Config) -> None:
    """The business's registration, VAT number, IBAN and BIC must pass their checksums before any document."""
    check_business(config)


def render_document(
    config: Config,
    language: str,
    template: str,
    context: dict[str, Any],
    *,
    title: str,
    created: date,
    attachment: Attachment | None = None,
) -> bytes:
    """A PDF/A-3b from the template `pdf/LANGUAGE/TEMPLATE.html` and its footer, with the document's metadata."""
    from dunner.edges.pdf import fonts_dir, render_pdf

    renderer = renderer_for(config.templates_dir)
    html = renderer.render(f"pdf/{language}/{template}.html", context)
    footer = " ".join(renderer.render(f"pdf/{language}/_footer.txt", context).split())
    return render_pdf(
        html,
        fonts=fonts_dir(config.templates_dir),
        title=title,
        author=config.business.name,
        footer=footer,
        created=created,
        language=language,
        attachment=attachment,
    )


# The mentions both the PDF and the Factur-X notes carry, phrased by templates a user can override.
NOTES = {"PMT": "_indemnity.txt", "PMD": "_penalties.txt", "AAB": "_discount.txt"}


def note_wording(config: Config, view: InvoiceView) -> dict[str, str]:
    """The recovery-costs, late-penalty and discount mentions of an invoice, as its templates phrase them."""
    renderer = renderer_for(config.templates_dir)
    return {
        code: " ".join(renderer.render(f"pdf/{view.language}/{name}", view.context).split())
        for code, name in NOTES.items()
    }


def printable_view(ledger: Ledger, config: Config, number: str, as_of: date, *, qr: bool = True) -> InvoiceView:
    """The invoice's view, once its PDF is known to be printable: the business's identifiers pass their
    checksums and every mandatory mention is known (`BadInput` says what is missing). Nothing is rendered;
    without `qr`, a check only: neither the QR code nor the balance as of the date, which the mentions do
    not depend on (a balance reads all of the client's open instalments: one per invoice of a client
    with a thousand would be quadratic)."""
    check_identifiers(config)
    view = invoice_view(ledger, config, number, as_of if qr else None, qr=qr)
    check_complete(view)
    return view


def invoice_pdf(ledger: Ledger, config: Config, number: str, *, as_of: date, facturx: bool = False) -> bytes:
    """The invoice as a PDF/A-3b, complete with the mandatory mentions; with `facturx`, the CII XML embedded.

    Printed as of `as_of`: it shows what is still owed then, and its QR code asks that."""
    view = printable_view(ledger, config, number, as_of)
    attachment = None
    if facturx:
        from dunner.edges.facturx import attachment as facturx_attachment
        from dunner.edges.facturx import invoice_xml

        attachment = facturx_attachment(invoice_xml(view, note_wording(config, view)))
    title = f"{view.context['invoice']['title']} {view.invoice.number}"
    created = view.invoice.issued_on
    return render_document(
        config, view.language, "invoice", view.context, title=title, created=created, attachment=attachment
    )
