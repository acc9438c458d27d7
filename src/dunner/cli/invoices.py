"""Commands about invoices: invoice (issue one), invoices (list them)."""

from __future__ import annotations

from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption
from dunner.cli.state import state

Opt = typer.Option


@app.command("invoice")
def invoice(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The client's code.")],
    amount: Annotated[str, typer.Argument(help="Total amount, e.g. 1200 or 1200.50.")],
    number: Annotated[str | None, Opt("--number", help="Bring an existing invoice over with its own number.")] = None,
    issued: Annotated[str | None, Opt("--issued", help="Issue date (default today).", metavar="DATE")] = None,
    due: Annotated[str | None, Opt("--due", help="Due date.", metavar="DATE")] = None,
    terms: Annotated[int | None, Opt("--terms", help="Days from the issue date to the due date.")] = None,
    currency: Annotated[str | None, Opt("--currency", help="ISO 4217 code (default: the client's).")] = None,
    description: Annotated[str | None, Opt("--description", help="What the invoice is for.")] = None,
) -> None:
    """Issue a one-line invoice and print its number.

    The number comes from the configured pattern (gapless); the due date defaults to the issue date
    plus the client's terms, else the configured default.

    Example: dunner invoice ACME 1200 --description "Site web, phase 1" --terms 30
    """
    from dunner.dates import parse_date
    from dunner.formatting import format_money
    from dunner.services.invoices import create_invoice

    shared = state(ctx)
    new = create_invoice(
        shared.ledger,
        shared.config,
        client,
        amount,
        number=number,
        issued_on=shared.as_of(issued),
        due_on=parse_date(due) if due else None,
        terms=terms,
        currency=currency,
        description=description,
    )
    typer.echo(new.number)
    typer.echo(
        f"Invoice {new.number} to {new.client.code}: {format_money(new.total, shared.locale)}, "
        f"issued {new.issued_on}, due {new.due_on}.",
        err=True,
    )


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
    from dunner.cli.render import lateness_style
    from dunner.output import Column, days_late, emit
    from dunner.services.invoices import list_invoices

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
