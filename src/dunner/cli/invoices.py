"""Commands about invoices: invoice (issue one), invoices (list them)."""

from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption, date_option, whole_option
from dunner.cli.state import state

Opt = typer.Option


@app.command("invoice")
def invoice(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The client's code.")],
    amount: Annotated[str | None, typer.Argument(help="One amount (with --vat: before VAT); or use --line.")] = None,
    line: Annotated[
        list[str] | None,
        Opt("--line", help='A line "description;quantity;unit price;VAT rate" (repeat).', metavar="LINE"),
    ] = None,
    vat: Annotated[
        str | None, Opt("--vat", help="VAT rate of the one-amount form (AMOUNT is then before VAT).")
    ] = None,
    number: Annotated[str | None, Opt("--number", help="Bring an existing invoice over with its own number.")] = None,
    issued: Annotated[str | None, date_option("--issued", "Issue date (default today).")] = None,
    service_date: Annotated[
        str | None, date_option("--service-date", "When the work was done (default: issue date).")
    ] = None,
    due: Annotated[str | None, date_option("--due", "Due date.")] = None,
    terms: Annotated[
        int | None, whole_option("--terms", "Days from the issue date to the due date.", metavar="DAYS")
    ] = None,
    end_of_month: Annotated[
        bool, Opt("--end-of-month", help="Terms run to the end of the month (fin de mois).")
    ] = False,
    instalments: Annotated[int | None, whole_option("--instalments", "Split into N equal instalments.")] = None,
    every: Annotated[
        int | None, whole_option("--every", "Days between instalments (default 30).", metavar="DAYS")
    ] = None,
    schedule: Annotated[
        str | None, Opt("--schedule", help="Explicit plan DATE=AMOUNT,...,DATE (last = the rest).")
    ] = None,
    discount: Annotated[
        str | None, Opt("--discount", help="Early-payment discount RATE/DAYS, e.g. 2/10; none.")
    ] = None,
    deduct: Annotated[
        list[str] | None, Opt("--deduct", help="A deposit invoice to deduct (repeat).", metavar="DEPOSIT")
    ] = None,
    currency: Annotated[str | None, Opt("--currency", help="ISO 4217 code (default: the client's).")] = None,
    description: Annotated[str | None, Opt("--description", help="What the invoice is for.")] = None,
    force: Annotated[bool, Opt("--force", help="Accept terms beyond the legal caps (they are noted).")] = False,
    vat_exemption: Annotated[
        str | None,
        Opt("--vat-exemption", help="Why its 0 % VAT lines carry none (default: the client's; none).", metavar="KEY"),
    ] = None,
) -> None:
    """Issue an invoice and print its number.

    Lines carry a quantity, a unit price before VAT and a VAT rate; VAT is computed per rate. The
    number comes from the configured pattern (gapless, following issue dates); the due date defaults
    to the issue date plus the client's terms, else the configured default. Between French
    businesses, terms beyond 60 days (or 45 days end of month) are refused unless --force.

    Example: dunner invoice ACME --line "Maquettes;3;450;20" --line "Hébergement;12;15;20" --instalments 3
    """
    from dunner.cli.render import show_issued
    from dunner.core.dates import parse_date
    from dunner.insight.stats import credit_advice
    from dunner.ledger.issuing import create_invoice

    shared = state(ctx)
    new = create_invoice(
        shared.ledger,
        shared.config,
        client,
        amount,
        lines=line,
        vat=vat,
        number=number,
        issued_on=shared.as_of(issued),
        service_on=None if service_date is None else parse_date(service_date),
        due_on=None if due is None else parse_date(due),
        terms=terms,
        end_of_month=end_of_month,
        instalments=instalments,
        every=every,
        schedule=schedule,
        discount=discount,
        deduct=deduct,
        currency=currency,
        description=description,
        force=force,
        vat_exemption=vat_exemption,
    )
    show_issued(new, shared.locale)
    for advice in credit_advice(shared.ledger, shared.config, new):
        typer.echo(f"Warning: {advice}", err=True)


@app.command("invoices")
def invoices(
    ctx: typer.Context,
    client: Annotated[str | None, Opt("--client", help="Only this client's invoices.")] = None,
    status: Annotated[str, Opt("--status", help="open, overdue, paid or all.")] = "open",
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List invoices with what was paid and what remains due.

    Example: dunner invoices --status overdue --format csv
    """
    from dunner.cli.styles import lateness_style
    from dunner.edges.output import Column, days_late, emit
    from dunner.ledger.invoices import list_invoices

    shared = state(ctx)
    day = shared.as_of(as_of)
    rows = list_invoices(shared.ledger, day, client_code=client, status=status)
    columns = [
        Column("invoice"),
        Column("client"),
        Column("issued"),
        Column("due"),
        Column("currency"),
        Column("total", numeric=True),
        Column("paid", numeric=True),
        Column("outstanding", numeric=True),
        Column("days_overdue", "days late" if fmt is Format.table else None, numeric=True, show=days_late),
        Column("status"),
    ]
    if fmt is Format.table:
        columns = [c for c in columns if c.key != "currency"]
    emit(
        fmt.value,
        rows,
        columns,
        locale=shared.locale,
        title=f"Invoices ({status}) as of {day}",
        row_style=lambda r: lateness_style(r["days_overdue"]),
        empty="No invoices match.",
    )
