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
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing config file.")] = False,
) -> None:
    """Write a starter config (from example.toml) and create an empty ledger.

    The config goes to --config or $DUNNER_CONFIG if given, else the user's app folder; the ledger
    next to it (or to --db). Edit the [business] section before sending anything.

    Example: dunner --config ./dunner.toml init
    """
    from dunner.services.setup import init_files

    shared = state(ctx)
    config_path, ledger_path = init_files(shared.config_option, shared.db_option, force=force)
    typer.echo(f"Wrote {config_path}\nCreated ledger {ledger_path}", err=True)
    typer.echo(f"Next: edit [business] in {config_path}, then 'dunner add-client ...'.", err=True)


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

    from dunner.buckets import Buckets
    from dunner.cli.render import show_aging
    from dunner.dates import parse_date, today
    from dunner.db import Ledger
    from dunner.services.demo import build_demo

    day = today("Europe/Paris") if as_of is None else parse_date(as_of)
    target = folder or Path(tempfile.mkdtemp(prefix="dunner-demo-"))
    built = build_demo(target, day)
    ledger = Ledger.open(str(built.ledger_path))
    try:
        show_aging(ledger, day, "client", Buckets(), "table", built.config.defaults.babel_locale)
    finally:
        ledger.close()
    typer.echo(
        f"\nDemo ledger: {built.ledger_path}\nTry: dunner --config {built.folder / 'dunner.toml'} "
        "invoices --status overdue",
        err=True,
    )
