"""Follow-up commands: pause, unpause, log-call, promise, dispute, resolve, note, done, edit-client."""

from typing import Annotated

import typer

from dunner.cli import client_options as c
from dunner.cli.app import app
from dunner.cli.options import date_option
from dunner.cli.state import state

Opt = typer.Option
OnOption = Annotated[str | None, date_option("--on", "When it happened (default today).")]
Invoice = Annotated[str, typer.Argument(help="The invoice number.")]
Client = Annotated[str, typer.Argument(help="The client's code.")]


def _say(logged: object) -> None:
    typer.echo(getattr(logged, "text", ""))


def _date(value: str | None) -> object:
    from dunner.core.dates import parse_date

    return None if value is None else parse_date(value)


@app.command("pause")
def pause(
    ctx: typer.Context,
    client: Client,
    until: Annotated[str | None, date_option("--until", "Last day of the pause (default: until unpause).")] = None,
    reason: Annotated[str | None, Opt("--reason", help="Why (kept in the history).")] = None,
    on: OnOption = None,
) -> None:
    """Stop all reminders to a client (during a negotiation, say).

    Example: dunner pause ACME --until 2026-12-15 --reason "Renégociation du contrat"
    """
    from dunner.dunning.followup import pause as do

    shared = state(ctx)
    _say(do(shared.ledger, client, _date(until), shared.as_of(on), reason))


@app.command("unpause")
def unpause(ctx: typer.Context, client: Client, on: OnOption = None) -> None:
    """Resume reminders to a paused client.

    Example: dunner unpause ACME
    """
    from dunner.dunning.followup import unpause as do

    shared = state(ctx)
    _say(do(shared.ledger, client, shared.as_of(on)))


@app.command("log-call")
def log_call(
    ctx: typer.Context,
    invoice: Invoice,
    note: Annotated[str, Opt("--note", help="What was said.")],
    promise: Annotated[str | None, date_option("--promise", "The date they promised to pay.")] = None,
    on: OnOption = None,
) -> None:
    """Log a call about an invoice (its call task is done), with a promise to pay if one was made.

    Example: dunner log-call F-2026-0007 --note "Virement parti vendredi" --promise 2026-11-30
    """
    from dunner.dunning.followup import log_call as do

    shared = state(ctx)
    _say(do(shared.ledger, invoice, note, shared.as_of(on), _date(promise)))


@app.command("promise")
def promise(
    ctx: typer.Context,
    invoice: Invoice,
    when: Annotated[str, typer.Argument(help="The date they promised to pay by.", metavar="DATE")],
    note: Annotated[str | None, Opt("--note", help="Who promised, how.")] = None,
    on: OnOption = None,
) -> None:
    """Record a promise to pay: escalation pauses until that date; a broken promise resumes it.

    Example: dunner promise F-2026-0007 2026-11-30 --note "Promis par M. Durand au téléphone"
    """
    from dunner.dunning.followup import promise as do

    shared = state(ctx)
    _say(do(shared.ledger, invoice, _date(when), shared.as_of(on), note))


@app.command("dispute")
def dispute(
    ctx: typer.Context,
    invoice: Invoice,
    reason: Annotated[str, Opt("--reason", help="What the client contests.")],
    on: OnOption = None,
) -> None:
    """Mark an invoice as disputed: no reminders until it is resolved.

    Example: dunner dispute F-2026-0005 --reason "Livraison incomplète selon le client"
    """
    from dunner.dunning.followup import dispute as do

    shared = state(ctx)
    _say(do(shared.ledger, invoice, reason, shared.as_of(on)))


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    invoice: Invoice,
    note: Annotated[str | None, Opt("--note", help="How it was settled.")] = None,
    on: OnOption = None,
) -> None:
    """End a dispute: reminders resume on the next run.

    Example: dunner resolve F-2026-0005 --note "Complément livré le 12"
    """
    from dunner.dunning.followup import resolve as do

    shared = state(ctx)
    _say(do(shared.ledger, invoice, shared.as_of(on), note))


@app.command("note")
def note(
    ctx: typer.Context,
    client: Client,
    text: Annotated[str, typer.Argument(help="The note.")],
    on: OnOption = None,
) -> None:
    """Add a note to a client's history.

    Example: dunner note ACME "Nouvelle comptable : Mme Roux, compta@acme.fr"
    """
    from dunner.dunning.followup import note as do

    shared = state(ctx)
    _say(do(shared.ledger, client, text, shared.as_of(on)))


@app.command("done")
def done(
    ctx: typer.Context,
    invoice: Invoice,
    step: Annotated[str | None, Opt("--step", help="Only this step's task (default: all of the invoice's).")] = None,
    note: Annotated[str | None, Opt("--note", help="What was done.")] = None,
    on: OnOption = None,
) -> None:
    """Mark an invoice's agenda tasks as done (a letter sent, a file handed over).

    A reminder left uncertain by an interrupted run, which you checked did reach the client, is marked sent.

    Example: dunner done F-2026-0002 --step handoff --note "Dossier transmis au cabinet de recouvrement"
    """
    from dunner.dunning.followup import done as do

    shared = state(ctx)
    _say(do(shared.ledger, invoice, step, shared.as_of(on), note))


@app.command("edit-client")
def edit_client(
    ctx: typer.Context,
    code: Client,
    name: c.Name = None,
    email: c.Email = None,
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
    """Change a client's details, dunning profile or law; what is not given stays as it is.

    Example: dunner edit-client ACME --profile gentle --contact "Claire Martin"
    """
    from dunner.dunning.followup import edit_client as do

    fields = c.given(locals())
    shared = state(ctx)
    with shared.ledger.transaction():
        if iban and all(v is None for v in fields.values()):
            from dunner.ledger.clients import get_client

            client = get_client(shared.ledger, code)  # only an IBAN to add
        else:
            client = do(shared.ledger, shared.config, code, fields)
        if iban:
            from dunner.bank.recording import give_ibans

            give_ibans(shared.ledger, client.id, iban)
    typer.echo(f"Updated client {client.code}.", err=True)
