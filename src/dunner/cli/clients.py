"""Commands about clients: add-client, clients, client (the statement)."""

from typing import Annotated

import typer

from dunner.cli import client_options as c
from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption
from dunner.cli.state import state

Opt = typer.Option


@app.command("add-client")
def add_client(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique code used on the command line, e.g. ACME.")],
    name: Annotated[str, Opt("--name", help="Legal or trading name.")],
    email: Annotated[str, Opt("--email", help="Where reminders go; several addresses separated by commas.")],
    contact: c.Contact = None,
    phone: c.Phone = None,
    kind: c.Kind = None,
    registration: c.Registration = None,
    vat_number: c.VatNumber = None,
    address: c.Address = None,
    language: c.Language = None,
    currency: c.Currency = None,
    terms: c.Terms = None,
    credit_limit: c.CreditLimit = None,
    country: c.Country = None,
    end_of_month: c.EndOfMonth = None,
    profile: c.Profile = None,
    law: c.Law = None,
    vat_exemption: c.VatExemption = None,
    electronic_address: c.ElectronicAddress = None,
    iban: c.Iban = None,
) -> None:
    """Add a client to the ledger.

    Example: dunner add-client ACME --name "Acme SARL" --email compta@acme.fr --terms 30
    """
    from dunner.ledger.clients import add_client as add

    fields = {"code": code, **c.given(locals())}
    shared = state(ctx)
    ledger = shared.open_ledger(first_write=True)
    with ledger.transaction():
        client = add(ledger, shared.config, fields)
        if iban:
            from dunner.bank.recording import give_ibans

            give_ibans(ledger, client.id, iban)
    typer.echo(f"Added client {client.code} ({client.name}).", err=True)


@app.command("clients")
def clients(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List the clients.

    Example: dunner clients --format csv > clients.csv
    """
    from dunner.edges.output import Column, emit
    from dunner.ledger.clients import CLIENT_COLUMNS, list_clients

    shared = state(ctx)
    rows = (c.as_row() for c in list_clients(shared.ledger))
    columns = [Column(k, numeric=k in ("terms", "credit_limit")) for k in CLIENT_COLUMNS]
    if fmt is Format.table:
        columns = [
            c
            for c in columns
            if c.key not in ("address", "registration", "vat_number", "law", "vat_exemption", "electronic_address")
        ]
    emit(fmt.value, rows, columns, locale=shared.locale, title="Clients", empty="No clients yet.")


@app.command("client")
def client(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The client's code.")],
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show one client's statement: open invoices, payments and unapplied credit.

    Example: dunner client ACME --as-of 2026-06-30
    """
    from dunner.cli.render import show_statement
    from dunner.ledger.statement import statement

    shared = state(ctx)
    show_statement(statement(shared.ledger, code, shared.as_of(as_of)), fmt.value, shared.locale)
