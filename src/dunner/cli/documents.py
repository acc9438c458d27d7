"""Documents beyond a plain invoice: deposits, credit notes, write-offs."""

from collections.abc import Iterable
from typing import Annotated

import typer

from dunner.cli import invoice_options as o
from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption, date_option, whole_option
from dunner.cli.state import state

Opt = typer.Option
OnOption = Annotated[str | None, date_option("--on", "Date of the document (default today).")]


@app.command("deposit")
def deposit(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The client's code.")],
    amount: Annotated[str, typer.Argument(help="Amount before VAT, or a percentage such as 30%.")],
    of: Annotated[str | None, Opt("--of", help="With a percentage: the order's amount before VAT.")] = None,
    vat: Annotated[str | None, Opt("--vat", help="VAT rate of the deposit (none under the franchise).")] = None,
    description: Annotated[str | None, Opt("--description", help="What the deposit is for.")] = None,
    issued: Annotated[str | None, date_option("--issued", "Issue date (default today).")] = None,
    terms: Annotated[
        int | None, whole_option("--terms", "Days to pay it (default: the client's).", metavar="DAYS")
    ] = None,
    currency: Annotated[str | None, Opt("--currency", help="ISO 4217 code (default: the client's).")] = None,
    vat_exemption: Annotated[
        str | None,
        Opt("--vat-exemption", help="Why its 0 % VAT lines carry none (default: the client's; none).", metavar="KEY"),
    ] = None,
    category: o.Category = None,
    delivery_address: o.DeliveryAddress = None,
    order: o.Order = None,
) -> None:
    """Issue a deposit invoice (acompte), dunned on its own; deduct it later with `invoice --deduct`.

    Example: dunner deposit ACME 30% --of 6000 --vat 20 --description "Refonte du site"
    """
    from dunner.cli.render import show_issued
    from dunner.ledger.issuing import create_deposit

    shared = state(ctx)
    new = create_deposit(
        shared.ledger,
        shared.config,
        client,
        amount,
        of=of,
        vat=vat,
        description=description,
        issued_on=shared.as_of(issued),
        terms=terms,
        currency=currency,
        vat_exemption=vat_exemption,
        category=category,
        delivery_address=delivery_address,
        order=order,
    )
    show_issued(new, shared.locale)


@app.command("credit-note")
def credit_note(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice to credit.")],
    amount: Annotated[str | None, typer.Argument(help="Amount to credit, VAT included (default: all of it).")] = None,
    reason: Annotated[str, Opt("--reason", help="Why (printed on the credit note).")] = "",
    on: OnOption = None,
) -> None:
    """Credit all or part of an invoice: a credit note in its own series, reducing what is due.

    Example: dunner credit-note F-2026-0012 150 --reason "Remise commerciale accordée"
    """
    from dunner.cli.render import show_issued, show_receipt
    from dunner.ledger.credits import credit_note as do

    shared = state(ctx)
    done = do(shared.ledger, shared.config, invoice, amount, reason, shared.as_of(on))
    show_issued(done.note, shared.locale)
    if done.receipt is not None:
        show_receipt(done.receipt, shared.locale)
    else:
        typer.echo(f"{done.original.number} was written off: the credit note settles nothing.")
    if not done.remaining:
        typer.echo(f"{done.original.number} is now fully credited.", err=True)


@app.command("write-off")
def write_off(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice to give up on.")],
    reason: Annotated[str, Opt("--reason", help="Why (liquidation, lost in court...).")] = "",
    on: OnOption = None,
) -> None:
    """Write off a hopeless debt: out of the aging and the reminders, kept in the write-off report.

    Example: dunner write-off F-2026-0002 --reason "Liquidation judiciaire du client"
    """
    from dunner.edges.formatting import format_money
    from dunner.ledger.credits import write_off as do

    shared = state(ctx)
    left = do(shared.ledger, invoice, reason, shared.as_of(on))
    typer.echo(f"{invoice} written off: {format_money(left, shared.locale)} no longer chased.")


@app.command("write-offs")
def write_offs(
    ctx: typer.Context,
    year: Annotated[int | None, whole_option("--year", "Only this year.", metavar="YEAR")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List written-off debts per year, with the VAT they carry (recoverable on a VAT return).

    Example: dunner write-offs --year 2026 --format csv
    """
    from dunner.edges.output import Column, emit
    from dunner.ledger.credits import WRITE_OFF_COLUMNS
    from dunner.ledger.credits import write_offs as rows

    shared = state(ctx)
    columns = [Column(c, numeric=c in ("amount", "net", "vat", "credited", "year")) for c in WRITE_OFF_COLUMNS]
    emit(
        fmt.value,
        rows(shared.ledger, year),
        columns,
        locale=shared.locale,
        title="Written-off debts" + (f" in {year}" if year else ""),
        empty="No write-offs.",
    )


def _write(target: str, content: bytes) -> str:
    """Write bytes to a file (whole or not at all), or to stdout for '-'."""
    return write_parts(target, [content])


def write_parts(target: str, parts: Iterable[str] | Iterable[bytes]) -> str:
    """Write text (UTF-8) or bytes, part after part, to a file (whole or not at all), or to stdout for '-'
    (where a part that fails to come leaves those before it written)."""
    import sys
    from pathlib import Path

    from dunner.core.errors import BadInput
    from dunner.edges.files import private_output

    data = (part if isinstance(part, bytes) else part.encode("utf-8") for part in parts)
    if target == "-":
        sys.stdout.buffer.writelines(data)
        sys.stdout.flush()
        return "stdout"
    path = Path(target)
    try:
        with private_output(path) as out:  # a new file is 0600: documents hold clients' personal data
            out.writelines(data)
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror}") from None
    return str(path)


Output = Annotated[str | None, Opt("--output", "-o", help="File to write ('-' for stdout).", metavar="FILE")]


@app.command("pdf")
def pdf(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice (or deposit, or credit note) number.")],
    output: Output = None,
    facturx: Annotated[
        bool, Opt("--facturx", help="Embed the Factur-X XML (EN 16931), checked against its schema.")
    ] = False,
    as_of: AsOfOption = None,
) -> None:
    """Write an invoice as a printable PDF: every mandatory mention, the lines, the schedule, how to pay.

    Refused, with the list of what is missing, while a mandatory mention is unknown. It shows what is still
    owed as of --as-of (default today), and its QR code asks that (or the next instalment, labelled so).

    Example: dunner pdf F-2026-0012 --facturx -o F-2026-0012.pdf
    """
    from dunner.core.filenames import safe_filename
    from dunner.documents.printing import invoice_pdf

    shared = state(ctx)
    content = invoice_pdf(shared.ledger, shared.config, invoice, as_of=shared.as_of(as_of), facturx=facturx)
    where = _write(output or safe_filename(invoice, ".pdf"), content)
    typer.echo(f"Wrote {invoice}{' (Factur-X)' if facturx else ''} to {where}.", err=True)


@app.command("send")
def send(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice number.")],
    on: OnOption = None,
    via: Annotated[
        str | None,
        Opt(
            "--via",
            help="email or platform (default: [einvoicing] send for French businesses, else email).",
            metavar="email|platform",
        ),
    ] = None,
    resend_uncertain: Annotated[
        bool, Opt("--resend-uncertain", help="Submit again, same tracking id, a submission a crash left unsure.")
    ] = False,
) -> None:
    """Send an invoice: by email, its PDF attached (Factur-X when its lines allow it), or through the
    approved e-invoicing platform (its Factur-X submitted once, under the invoice number as tracking id).

    An emailed invoice's reminders reply to its message, so they thread together in the client's mail reader.

    Example: dunner send F-2026-0012
    """
    from dunner.core.validate import choice

    shared = state(ctx)
    day = shared.as_of(on)
    chosen = choice(via, ("email", "platform"), "--via") if via else None
    if chosen is None:
        from dunner.einvoicing.sending import via_platform
        from dunner.ledger.invoices import client_of_invoice

        chosen = "platform" if via_platform(shared.config, client_of_invoice(shared.ledger, invoice)) else "email"
    if chosen == "platform":
        _send_platform(shared, invoice, day, resend_uncertain)
        return
    from dunner.documents.sending import send_invoice

    sent = send_invoice(shared.ledger, shared.config, invoice, day)
    typer.echo(
        f"Sent {sent.number}{' (Factur-X)' if sent.facturx else ''} to {', '.join(sent.recipients)}: {sent.message_id}"
    )


def _send_platform(shared: object, invoice: str, day: object, resend_uncertain: bool) -> None:
    from dunner.core.errors import OperationalError
    from dunner.einvoicing.sending import send_via_platform
    from dunner.einvoicing.status import connect

    ledger, config = shared.ledger, shared.config  # type: ignore[attr-defined]
    done = send_via_platform(ledger, config, invoice, day, connect(config), resend_uncertain=resend_uncertain)
    outcome = done.outcome
    if outcome.state == "submitted":
        typer.echo(f"Submitted {done.number} to the platform: flow {outcome.flow_id}")
    elif outcome.state == "skipped":
        typer.echo(f"{done.number} was submitted already ({outcome.detail}): nothing sent", err=True)
    elif outcome.state == "refused":
        raise OperationalError(f"the platform refused {done.number}: {outcome.detail}")
    elif outcome.state == "uncertain":
        raise OperationalError(
            f"{done.number} may or may not have reached the platform: {outcome.detail}",
            hint="'dunner platform sync' finds it there if it arrived; else"
            f" 'dunner send {done.number} --via platform --resend-uncertain'",
        )
    else:
        raise OperationalError(
            f"{done.number} was not submitted: {outcome.detail}",
            hint=f"dunner send {done.number} --via platform, later",
        )


@app.command("notice")
def notice(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="An overdue invoice; the client's other overdue ones join it.")],
    as_of: AsOfOption = None,
    days: Annotated[
        int | None, whole_option("--days", "Days to pay from the letter (default [dunning] notice_days).", metavar="N")
    ] = None,
    output: Output = None,
) -> None:
    """Write the formal notice letter (mise en demeure) as a PDF, with the claim, and log it in the history.

    Example: dunner notice F-2026-0002 --as-of 2026-12-01
    """
    from dunner.core.filenames import safe_filename
    from dunner.dunning.notices import formal_notice
    from dunner.edges.formatting import format_money

    shared = state(ctx)
    day = shared.as_of(as_of)
    letter = formal_notice(shared.ledger, shared.config, invoice, day, days)
    where = _write(output or safe_filename(f"mise-en-demeure-{letter.client.code}-{day}", ".pdf"), letter.pdf)
    typer.echo(
        f"Formal notice to {letter.client.code} for {', '.join(letter.numbers)}:"
        f" {format_money(letter.total, shared.locale)} by {letter.deadline}; written to {where}.",
        err=True,
    )
    for warning in letter.context["claim"]["warnings"]:
        typer.echo(f"Warning: {warning}", err=True)


@app.command("dossier")
def dossier(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The client's code.")],
    as_of: AsOfOption = None,
    output: Output = None,
) -> None:
    """Gather what a collection agency or a court asks for into a zip: invoices, reminders, notice, claim.

    Example: dunner dossier DUPONT -o dossier-dupont.zip
    """
    from dunner.core.filenames import safe_filename
    from dunner.dunning.notices import dossier as build

    shared = state(ctx)
    day = shared.as_of(as_of)
    content, notes = build(shared.ledger, shared.config, client, day)
    where = _write(output or safe_filename(f"dossier-{client}-{day}", ".zip"), content)
    typer.echo(f"Wrote the dossier of {client} to {where}.", err=True)
    for note in notes:
        typer.echo(f"Note: {note}", err=True)
