"""dunner bank: statements in, credits matched to invoices; people decide what dunner could not."""

from pathlib import Path
from typing import Annotated, Any

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption, date_option
from dunner.cli.state import state

Opt = typer.Option
LineArg = Annotated[int, typer.Argument(help="The line's number, as 'dunner bank lines' shows it.", metavar="LINE")]

bank = typer.Typer(
    name="bank",
    help="Bank statements in (CAMT.053/054, OFX, CSV): payments found and matched to invoices.\n\n"
    "Example: dunner bank import releve-2026-11.xml",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(bank)


def _say_file(report: Any) -> None:
    counts = report.counts
    done = ", ".join(f"{counts[s]} {s}" for s in ("matched", "proposed", "unmatched", "ignored") if counts.get(s))
    source, fmt, lines, new = report.source, report.format, report.lines, report.new
    typer.echo(
        f"{source} ({fmt}): {lines} line{'s' if lines != 1 else ''}, {new} new"
        + (f" ({lines - new} already imported)" if lines - new else "")
        + (f": {done}" if done else "")
        + ".",
        err=True,
    )
    for note in report.notes:
        typer.echo(f"Note: {note}.", err=True)


@bank.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Statement files (default: the new files of [bank] inbox).", metavar="[FILE]..."),
    ] = None,
    fmt: Annotated[
        str | None, Opt("--format", help="camt, ofx or csv (default: seen from the content).", metavar="camt|ofx|csv")
    ] = None,
    csv: Annotated[str | None, Opt("--csv", help="The [bank.csv.NAME] layout of a CSV file.", metavar="NAME")] = None,
    dry_run: Annotated[bool, Opt("--dry-run", help="Read, match and report; write nothing.")] = False,
    as_of: AsOfOption = None,
) -> None:
    """Import bank statements: every line stored once, the credits matched to open invoices.

    A credit with the invoice's RF reference or number, or from an IBAN known for one client paying exactly
    what it owes, is recorded as a payment (method transfer, the bank's reference, the booking date). The rest
    is proposed or left unmatched for 'dunner bank match'. Importing a statement again adds nothing.

    Example: dunner bank import releve-2026-11.xml
    """
    from dunner.bank.importing import import_files
    from dunner.bank.inbox import import_inbox, inbox_folder
    from dunner.core.errors import BadInput

    shared = state(ctx)
    day = shared.as_of(as_of)
    if not files:
        if inbox_folder(shared.config) is None:
            raise BadInput("no statement file given, and no [bank] inbox in the config")
        if dry_run or fmt or csv:
            raise BadInput("--dry-run, --format and --csv need the files named")
        report = import_inbox(shared.ledger, shared.config, day)
        for done in report.imported:
            _say_file(done)
        for name, why in report.failed:
            shown = why if name in why else f"{name}: {why}"
            typer.echo(f"Error: {shown} (moved to {report.folder / 'failed'})", err=True)
        for problem in report.problems:
            typer.echo(f"Warning: {problem}", err=True)
        if not report.imported and not report.failed:
            typer.echo(f"No new statement in {report.folder}.", err=True)
        _report_received(shared, dry_run=False)
        if report.failed:
            raise typer.Exit(2)
        return
    refused = 0
    for done in import_files(shared.ledger, shared.config, files, day, fmt=fmt, csv_name=csv, dry_run=dry_run):
        if done.error is None:
            _say_file(done)
            continue
        refused += 1
        message = done.error.message if done.source in done.error.message else f"{done.source}: {done.error.message}"
        typer.echo(f"Error: {message} (nothing of it was written)", err=True)
        if done.error.hint:
            typer.echo(f"Hint: {done.error.hint}", err=True)
    _report_received(shared, dry_run=dry_run)
    if refused:
        raise typer.Exit(2)


def _report_received(shared: object, *, dry_run: bool) -> None:
    """The payments the statements recorded, reported to the e-invoicing platform (212) when they need it."""
    if not dry_run:
        from dunner.cli.einvoice import report_received

        report_received(shared)


@bank.command("lines")
def lines(
    ctx: typer.Context,
    status: Annotated[
        str, Opt("--status", help="Which lines.", metavar="matched|proposed|unmatched|ignored|all")
    ] = "all",
    fmt: FormatOption = Format.table,
) -> None:
    """List the statement lines imported and what became of each (matched, proposed, unmatched, ignored).

    Example: dunner bank lines --status proposed
    """
    from dunner.bank.lines import COLUMNS, list_lines
    from dunner.edges.output import Column, emit

    shared = state(ctx)
    columns = [Column(c, numeric=c in ("line", "amount", "payment")) for c in COLUMNS]
    if fmt == Format.table:
        shown = ("line", "booked", "amount", "debtor", "text", "status", "client", "invoices", "reason")
        columns = [c for c in columns if c.key in shown]
    emit(fmt, list_lines(shared.ledger, status), columns, locale=shared.locale, empty="No bank line.")


@bank.command("match")
def match(
    ctx: typer.Context,
    line: LineArg,
    invoices: Annotated[
        list[str] | None, typer.Argument(help="The invoices the line pays.", metavar="[INVOICE]...")
    ] = None,
    client: Annotated[
        str | None, Opt("--client", help="Or: the client who paid (its open invoices, oldest due first).")
    ] = None,
) -> None:
    """Record a line as the payment of invoices (or of a client's), and remember the debtor's IBAN.

    Example: dunner bank match 12 F-2026-0007 F-2026-0009
    """
    from dunner.bank.lines import match_line

    shared = state(ctx)
    done = match_line(shared.ledger, shared.config, line, list(invoices or []), client)
    typer.echo(f"Line {line}: {done['amount']} recorded as {done['client']}'s payment.", err=True)
    from dunner.cli.einvoice import report_received

    report_received(shared)


@bank.command("ignore")
def ignore(
    ctx: typer.Context,
    line: LineArg,
    reason: Annotated[str, Opt("--reason", help="Why it is no client's payment (kept with the line).")],
) -> None:
    """Set a line aside: it pays no invoice (a refund, a transfer between your own accounts...).

    Example: dunner bank ignore 14 --reason "refund from the supplier"
    """
    from dunner.bank.lines import ignore_line

    ignore_line(state(ctx).ledger, line, reason)
    typer.echo(f"Line {line} ignored.", err=True)


@bank.command("unmatch")
def unmatch(
    ctx: typer.Context,
    line: LineArg,
    on: Annotated[str | None, date_option("--on", "Date of the reversal (default today).")] = None,
) -> None:
    """Undo a match: the payment it made is reversed (a reversing entry) and its invoices are owed again.

    Example: dunner bank unmatch 12
    """
    from dunner.bank.lines import unmatch_line

    shared = state(ctx)
    reversal = unmatch_line(shared.ledger, line, shared.as_of(on))
    what = f"its payment reversed by payment #{reversal}" if reversal else "its payment left as it was typed"
    typer.echo(f"Line {line} unmatched: {what}.", err=True)
