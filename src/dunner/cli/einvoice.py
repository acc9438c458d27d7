"""dunner platform: the approved e-invoicing platform (sync of statuses, what it knows of an invoice, directory)."""

from typing import Annotated, Any

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption
from dunner.cli.state import state

platform = typer.Typer(
    name="platform",
    help="The approved e-invoicing platform (AFNOR XP Z12-013): lifecycle statuses in, payments reported.\n\n"
    "Example: dunner platform sync",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(platform)


def say_sync(report: Any) -> bool:
    """What a sync found, on stderr (remind prints it too); False if it found nothing to say."""
    said = bool(report.acknowledged or report.rejected or report.reported or report.problems)
    for number in report.acknowledged:
        typer.echo(f"Platform: {number} acknowledged.", err=True)
    for number, why in report.rejected:
        typer.echo(f"Warning: the platform REJECTED {number}: {why}. It is not issued legally.", err=True)
    for applied in report.statuses:
        if applied.new:
            said = True
            from dunner.einvoicing.statuses import label

            typer.echo(
                f"Platform: {applied.invoice} {label(applied.code)} on {applied.status_on}: {applied.effect}.", err=True
            )
    say_reported(report.reported)
    for problem in report.problems:
        typer.echo(f"Warning: {problem}", err=True)
    return said


def say_reported(outcomes: list[Any]) -> None:
    """The 212 "Encaissée" statuses submitted, on stderr; one the platform did not take is a warning."""
    for outcome in outcomes:
        if outcome.state == "submitted":
            typer.echo(f"Platform: payment reported (212 Encaissée) as {outcome.tracking_id}: flow {outcome.flow_id}.",
                       err=True)  # fmt: skip
        elif outcome.state in ("failed", "uncertain"):
            typer.echo(f"Warning: payment {outcome.tracking_id} not reported to the platform yet ({outcome.detail}):"
                       " the next sync or remind tries again.", err=True)  # fmt: skip
        elif outcome.state != "skipped":
            typer.echo(f"Warning: the platform refused the payment report {outcome.tracking_id}: {outcome.detail}.",
                       err=True)  # fmt: skip


def report_received(shared: Any) -> None:
    """After a payment is recorded (pay, import, bank): its 212 submitted now when the platform takes it. The
    payment stays recorded whatever the platform says; what it did not take, a later run reports."""
    from dunner.core.errors import DunnerError
    from dunner.einvoicing.reports import report_received as report

    try:
        outcomes = report(shared.ledger, shared.config)
    except DunnerError as exc:
        typer.echo(f"Warning: the payment was not reported to the platform yet ({exc.message}):"
                   " the next sync or remind tries again.", err=True)  # fmt: skip
        return
    say_reported(outcomes)


@platform.command("sync")
def sync(ctx: typer.Context, as_of: AsOfOption = None) -> None:
    """Read the statuses the platform has for dunner's invoices since the last sync, and report the
    payments received (212 Encaissée). `dunner remind` does it first when [einvoicing] is set.

    Example: dunner platform sync
    """
    from dunner.einvoicing.status import connect
    from dunner.einvoicing.sync import sync as run

    shared = state(ctx)
    report = run(shared.ledger, shared.config, connect(shared.config), shared.as_of(as_of))
    if not say_sync(report):
        typer.echo("Platform: nothing new.", err=True)
    if report.rejected or report.problems or any(o.state in ("failed", "rejected") for o in report.reported):
        raise typer.Exit(1)


@platform.command("status")
def status(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice number.", metavar="INVOICE")],
    fmt: FormatOption = Format.table,
) -> None:
    """Show what was submitted to the platform about an invoice, and every status received.

    Example: dunner platform status F-2026-0012
    """
    import json

    from dunner.edges.output import Column, emit, machine
    from dunner.einvoicing.status import CSV_COLUMNS, FLOW_COLUMNS, STATUS_COLUMNS, invoice_status, status_rows

    shared = state(ctx)
    found = invoice_status(shared.ledger, invoice)
    if fmt == Format.json:
        typer.echo(json.dumps(found, default=machine, ensure_ascii=False, indent=1))
    elif fmt == Format.csv:
        emit("csv", status_rows(found), [Column(k) for k in CSV_COLUMNS], locale=shared.locale)
    else:
        flows = [Column(k, numeric=k == "amount") for k in FLOW_COLUMNS if k not in ("currency", "updated")]
        emit("table", found["flows"], flows, locale=shared.locale, title=f"Submitted: {found['invoice']}",
             empty="Nothing submitted to the platform.")  # fmt: skip
        columns = [Column(k, numeric=k == "amount") for k in STATUS_COLUMNS if k != "currency"]
        emit("table", found["statuses"], columns, locale=shared.locale, title="Statuses", empty="No status yet.")


@platform.command("lookup")
def lookup(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The client's code.", metavar="CLIENT")],
) -> None:
    """Ask the platform's Directory Service where a client receives its invoices, and remember it.

    Example: dunner platform lookup ACME
    """
    from dunner.einvoicing.directory import look_up
    from dunner.einvoicing.status import connect

    shared = state(ctx)
    found = look_up(shared.ledger, shared.config, connect(shared.config), client)
    typer.echo(found)
