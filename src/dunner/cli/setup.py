"""Getting started: init (a starter config and an empty ledger) and demo (a ledger to play with)."""

from pathlib import Path
from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption
from dunner.cli.state import state


@app.command("init")
def init(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing config file with the starter one.")
    ] = False,
) -> None:
    """Write a starter config (from example.toml) unless there is one, and create the ledger it names.

    The config is the one dunner would read (--config, $DUNNER_CONFIG, ./dunner.toml, the app folder's);
    if none exists, a starter one goes to --config or $DUNNER_CONFIG if given, else the user's app folder.
    The ledger is the one --db, $DUNNER_DB or that config names: other commands never create one, so run
    this once for each new ledger (a script or a crontab included). A ledger already there is kept.

    Example: dunner --db ~/books/ledger.db init
    """
    from dunner.setup.init import init_files

    shared = state(ctx)
    done = init_files(shared.config_option, shared.db_option, force=force)
    if done.config_written:
        typer.echo(f"Wrote {done.config}", err=True)
    else:
        typer.echo(f"Kept {done.config} (already there; --force replaces it with the starter config)", err=True)
    if done.ledger_created:
        typer.echo(f"Created ledger {done.ledger}", err=True)
    else:
        typer.echo(f"Kept ledger {done.ledger} (already a dunner ledger)", err=True)
    if done.config_written:
        typer.echo(f"Next: edit [business] in {done.config}, then 'dunner add-client ...'.", err=True)


@app.command("demo")
def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Build the demo here (default: a new temporary folder).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
) -> None:
    """Build a realistic demo ledger in a folder of its own and show its aging table.

    Never touches your own ledger: --db, $DUNNER_DB and your config are ignored.

    Example: dunner demo --dir /tmp/dunner-demo
    """
    import tempfile

    from dunner.cli.render import show_aging
    from dunner.core.buckets import Buckets
    from dunner.core.dates import parse_date
    from dunner.edges.clock import today
    from dunner.edges.storage import open_ledger
    from dunner.setup.demo import build_demo

    day = today("Europe/Paris") if as_of is None else parse_date(as_of)
    target = folder or Path(tempfile.mkdtemp(prefix="dunner-demo-"))
    built = build_demo(target, day)
    ledger = open_ledger(str(built.ledger_path))
    try:
        show_aging(ledger, day, "client", Buckets(), "table", built.config.defaults.babel_locale)
    finally:
        ledger.close()
    typer.echo(
        f"\nDemo ledger: {built.ledger_path}\nTry: dunner --config {built.folder / 'dunner.toml'} "
        "invoices --status overdue\n"
        f"Then the bank statement of the week: dunner --config {built.folder / 'dunner.toml'} "
        f"bank import {built.folder / 'releve.xml'}",
        err=True,
    )
