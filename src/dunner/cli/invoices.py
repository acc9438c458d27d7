"""Commands about invoices: invoice (issue one), invoices (list them)."""

from typing import Annotated

import typer

from dunner.cli import invoice_options as o
from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption
from dunner.cli.state import state

Opt = typer.Option


@app.command("invoice")
def invoice(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The client's code.")],
    amount: Annotated[str | None, typer.Argument(help="One amount (with --vat: before VAT); or use --line.")] = None,
    line: o.Lines = None,
    vat: o.Vat = None,
    number: o.Number = None,
    issued: o.Issued = None,
    service_date: o.ServiceDate = None,
    due: o.Due = None,
    terms: o.Terms = None,
    end_of_month: o.EndOfMonth = False,
    instalments: o.Instalments = None,
    every: o.Every = None,
    schedule: o.Schedule = None,
    discount: o.Discount = None,
    deduct: o.Deduct = None,
    currency: o.Currency = None,
    description: o.Description = None,
    force: o.Force = False,
    vat_exemption: o.VatExemption = None,
    category: o.Category = None,
    delivery_address: o.DeliveryAddress = None,
    order: o.Order = None,
) -> None:
    """Issue an invoice and print its number.

    Lines carry a quantity, a unit price before VAT and a VAT rate; VAT is computed per rate. The
    number comes from the configured pattern (gapless, following issue dates); the due date defaults
    to the issue date plus the client's terms, else the configured default. Between French
    businesses, terms beyond 60 days (or 45 days end of month) are refused unless --force.

    Example: dunner invoice ACME --line "Maquettes;3;450;20" --line "Hébergement;12;15;20" --instalments 3
    """
    options = {k: v for k, v in locals().items() if k not in ("ctx", "client", "amount", "line", "issued")}
    from dunner.cli.render import show_issued
    from dunner.core.dates import parse_date
    from dunner.insight.stats import credit_advice
    from dunner.ledger.issuing import create_invoice

    service_on, due_on = (
        None if d is None else parse_date(d) for d in (options.pop("service_date"), options.pop("due"))
    )
    shared = state(ctx)
    new = create_invoice(
        shared.ledger,
        shared.config,
        client,
        amount,
        lines=line,
        issued_on=shared.as_of(issued),
        service_on=service_on,
        due_on=due_on,
        **options,
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
    rows = list_invoices(shared.ledger, day, client_code=client, status=status, machine=fmt is not Format.table)
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
