"""Commands about clients: add-client, clients, client (the statement)."""

from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption, whole_option
from dunner.cli.state import state

Opt = typer.Option


@app.command("add-client")
def add_client(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique code used on the command line, e.g. ACME.")],
    name: Annotated[str, Opt("--name", help="Legal or trading name.")],
    email: Annotated[str, Opt("--email", help="Where reminders go; several addresses separated by commas.")],
    contact: Annotated[str | None, Opt("--contact", help="The person who releases payments.")] = None,
    phone: Annotated[str | None, Opt("--phone", help="Phone number for calls.")] = None,
    kind: Annotated[str | None, Opt("--kind", help="business or consumer (default from config).")] = None,
    registration: Annotated[str | None, Opt("--registration", help="SIREN/SIRET or company number.")] = None,
    vat_number: Annotated[str | None, Opt("--vat-number", help="Intra-EU VAT number.")] = None,
    address: Annotated[str | None, Opt("--address", help="Postal address (may span lines).")] = None,
    language: Annotated[str | None, Opt("--language", help="fr or en: language of their documents.")] = None,
    currency: Annotated[str | None, Opt("--currency", help="Default currency of their invoices.")] = None,
    terms: Annotated[
        int | None, whole_option("--terms", "Payment terms in days (default from config).", metavar="DAYS")
    ] = None,
    credit_limit: Annotated[str | None, Opt("--credit-limit", help="Most you will let them owe.")] = None,
    country: Annotated[str | None, Opt("--country", help="ISO country code (default: the business's).")] = None,
    end_of_month: Annotated[
        bool | None, Opt("--end-of-month/--not-end-of-month", help="Their terms run to the end of the month.")
    ] = None,
    profile: Annotated[str | None, Opt("--profile", help="Dunning profile, e.g. gentle or firm.")] = None,
    law: Annotated[str | None, Opt("--law", help="Late-payment law profile, e.g. fr-b2b, uk, de-b2b.")] = None,
    vat_exemption: Annotated[
        str | None,
        Opt(
            "--vat-exemption",
            help="Why their 0 % VAT lines carry none: reverse-charge, intra-eu, export or a [vat] exemptions key.",
            metavar="KEY",
        ),
    ] = None,
) -> None:
    """Add a client to the ledger.

    Example: dunner add-client ACME --name "Acme SARL" --email compta@acme.fr --terms 30
    """
    from dunner.ledger.clients import add_client as add

    fields = {
        "code": code,
        "name": name,
        "email": email,
        "contact": contact,
        "phone": phone,
        "kind": kind,
        "registration": registration,
        "vat_number": vat_number,
        "address": address,
        "language": language,
        "currency": currency,
        "terms": terms,
        "credit_limit": credit_limit,
        "profile": profile,
        "law": law,
        "country": country,
        "end_of_month": end_of_month,
        "vat_exemption": vat_exemption,
    }
    shared = state(ctx)
    client = add(shared.open_ledger(first_write=True), shared.config, fields)
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
        columns = [c for c in columns if c.key not in ("address", "registration", "vat_number", "law", "vat_exemption")]
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
