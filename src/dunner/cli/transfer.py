"""import and export: CSV in and out, for spreadsheets and shell scripts."""

from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, DateFormatOption, Format, FormatOption
from dunner.cli.state import state

What = Annotated[str, typer.Argument(help="clients, invoices or payments.", metavar="clients|invoices|payments")]


@app.command("import")
def import_(
    ctx: typer.Context,
    what: What,
    file: Annotated[str, typer.Argument(help="CSV file, or - for stdin.")],
    date_format: DateFormatOption = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="Field separator (default: guessed from the header).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the file and report, write nothing.")] = False,
) -> None:
    """Import clients, invoices or payments from CSV: all or nothing, safe to run twice.

    Any bad row and nothing is written; every bad row is reported with its line and column.
    Semicolon-separated files with decimal commas, UTF-8 (with or without BOM) or Windows-1252 work.

    Example: dunner import invoices factures.csv --date-format %d/%m/%Y
    """
    from dunner.ledger.imports import import_file

    shared = state(ctx)
    report = import_file(
        shared.open_ledger(first_write=not dry_run),
        shared.config,
        what,
        file,
        date_format=date_format,
        delimiter=delimiter,
        dry_run=dry_run,
    )
    verb = "would add" if report.dry_run else "added"
    shown = 20
    for warning in report.warnings[:shown]:
        typer.echo(f"Warning: {warning}", err=True)
    if len(report.warnings) > shown:
        typer.echo(f"Warning: ... and {len(report.warnings) - shown} more rows like these.", err=True)
    typer.echo(
        f"{report.kind}: {verb} {report.added}, updated {report.updated}, unchanged {report.unchanged}"
        + (" (dry run, nothing written)" if report.dry_run else "")
        + ".",
        err=True,
    )
    if what == "payments" and not report.dry_run:
        from dunner.cli.einvoice import report_received

        report_received(shared)


@app.command("export")
def export(
    ctx: typer.Context,
    what: What,
    file: Annotated[str, typer.Argument(help="CSV file to write, or - for stdout.")] = "-",
) -> None:
    """Export clients, invoices or payments as CSV, in the columns import reads.

    Example: dunner export invoices - | grep F-2026
    """
    from dunner.core.validate import choice
    from dunner.edges.csvio import open_output
    from dunner.edges.output import Column, write_csv
    from dunner.ledger.exports import export_notes, export_rows

    shared = state(ctx)
    kind = choice(what, ("clients", "invoices", "payments"), "what to export")
    columns, rows = export_rows(shared.ledger, kind)
    with open_output(file) as out:
        write_csv(rows, [Column(c) for c in columns], out)
    notes = export_notes(shared.ledger, kind)
    for note in notes:
        typer.echo(f"Warning: {note}.", err=True)
    if notes:
        typer.echo("An export is not a backup: copy the ledger file to keep everything.", err=True)


@app.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The ledger to fill: postgresql+psycopg://USER@HOST/DB, or an SQLite file. Must be empty.",
            metavar="URL",
        ),
    ],
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Copy the whole ledger into another database, then prove the totals match.

    Every table is copied with its ids in one transaction; row counts, money sums and the aging
    totals per currency are compared on both sides before it commits. Any difference and nothing
    is written.

    Example: dunner copy --to postgresql+psycopg://dunner@db.example.com/ledger
    """
    from dunner.core.errors import BadInput
    from dunner.edges.output import Column, emit
    from dunner.edges.storage import open_ledger
    from dunner.ledger.copy import CHECK_COLUMNS, copy_ledger

    shared = state(ctx)
    source = shared.ledger
    target = open_ledger(to, create=True)  # copy fills a new ledger (it refuses one holding data)
    try:
        if target.location == source.location:
            raise BadInput("the ledger cannot be copied onto itself", hint="give --to another database")
        copied, checks = copy_ledger(source, target, shared.as_of(as_of))
    finally:
        target.close()
    emit(fmt.value, checks, [Column(c, numeric=c in ("source", "target")) for c in CHECK_COLUMNS], locale=shared.locale)
    typer.echo(f"Copied {copied} rows into {target.location}; all {len(checks)} checks match.", err=True)
