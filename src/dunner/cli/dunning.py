"""The dunning commands: remind, claim, agenda, history."""

import sys
from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption
from dunner.cli.state import state

Opt = typer.Option


@app.command("remind")
def remind(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    dry_run: Annotated[bool, Opt("--dry-run", help="Show what would be done; send and record nothing.")] = False,
    client: Annotated[str | None, Opt("--client", help="Only this client.")] = None,
    fmt: FormatOption = Format.table,
    resend_uncertain: Annotated[
        bool, Opt("--resend-uncertain", help="Send again what an interrupted run left 'sending'.")
    ] = False,
    retry_rejected: Annotated[
        bool, Opt("--retry-rejected", help="Try again what the mail server refused for good.")
    ] = False,
) -> None:
    """Send the reminders that are due, exactly once; make the tasks (calls, letters) that are due.

    Run it every morning from cron; it prints one row per action and exits 1 if a delivery failed or a
    reminder is left uncertain (an interrupted run: see --resend-uncertain).

    Example: dunner remind --dry-run
    """
    from dunner.cli.render import show_run
    from dunner.dunning.remind import run
    from dunner.dunning.runs import RunOptions

    shared = state(ctx)
    options = RunOptions(shared.as_of(as_of), dry_run, client, resend_uncertain, retry_rejected)
    table = fmt is Format.table  # drawn once every row is in; CSV and JSON rows go out a batch at a time
    with _progress(shown=table or not sys.stdout.isatty()) as tick:
        report = run(shared.ledger, shared.config, options, progress=tick)
        if table:
            report.actions = iter(list(report.actions))
        else:
            show_run(report, fmt.value, shared.locale)
    if table:
        show_run(report, fmt.value, shared.locale)
    if report.failed:
        raise typer.Exit(1)


class _progress:
    """A progress bar on a terminal (stderr) for long batches; nothing at all under cron, nor while rows
    are written to the same terminal."""

    def __init__(self, shown: bool = True) -> None:
        self.shown = shown

    def __enter__(self):
        self.bar = None
        if self.shown and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(transient=True, console=Console(stderr=True), redirect_stdout=False)
            self.bar.start()
            self.task = self.bar.add_task("Sending reminders", total=None)
        return self.tick if self.bar else None

    def tick(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command("claim")
def claim(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice number.")],
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show what can be claimed on a late invoice: principal, interest by period, indemnity.

    The law is the client's (--law) or [law] profile; consumers follow their own profile.

    Example: dunner claim F-2026-0012 --as-of 2026-11-23 --format json
    """
    from dunner.cli.render import show_claim
    from dunner.dunning.claims import claim_invoice

    shared = state(ctx)
    day = shared.as_of(as_of)
    show_claim(claim_invoice(shared.ledger, shared.config, invoice, day), day, fmt.value, shared.locale)


@app.command("agenda")
def agenda(ctx: typer.Context, as_of: AsOfOption = None, fmt: FormatOption = Format.table) -> None:
    """List what needs a person today: calls to make, letters to send, promises due or broken.

    Large invoices ([agenda] call_amount) get a call to the billing contact shortly before they fall due.

    Example: dunner agenda --format csv
    """
    from dunner.cli.render import show_agenda
    from dunner.dunning.agenda import agenda as items

    shared = state(ctx)
    day = shared.as_of(as_of)
    show_agenda(items(shared.ledger, day, shared.config), day, fmt.value, shared.locale)


@app.command("history")
def history(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="A client code or an invoice number.", metavar="CLIENT|INVOICE")],
    fmt: FormatOption = Format.table,
) -> None:
    """Show the timeline of a client or an invoice: invoices, payments, reminders, calls, notes.

    Example: dunner history ACME
    """
    from dunner.dunning.history import COLUMNS
    from dunner.dunning.history import history as timeline
    from dunner.edges.output import Column, emit

    shared = state(ctx)
    title, rows = timeline(shared.ledger, who)
    emit(
        fmt.value,
        rows,
        [Column(c, numeric=c == "amount") for c in COLUMNS],
        locale=shared.locale,
        title=title,
        empty="Nothing yet.",
    )
