"""The aging command: what each client owes, by how late it is."""

from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption
from dunner.cli.state import state

Opt = typer.Option


@app.command("aging")
def aging(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    by: Annotated[str, Opt("--by", help="client (one row per client and currency) or invoice.")] = "client",
    buckets: Annotated[str, Opt("--buckets", help="Bucket edges in days overdue.")] = "30,60,90",
    fmt: FormatOption = Format.table,
    chart: Annotated[bool, Opt("--chart", help="Draw a bar chart of the totals per bucket (table format).")] = False,
) -> None:
    """Show the aging table: amounts owed split by days overdue, net of partial payments.

    Payments dated after the as-of date are ignored, so a past date reproduces the past.

    Example: dunner aging --as-of 2026-06-30 --buckets 15,30,60 --format csv
    """
    from dunner.cli.render import show_aging
    from dunner.core.buckets import Buckets
    from dunner.core.errors import BadInput
    from dunner.core.validate import choice

    if chart and fmt is not Format.table:
        raise BadInput("--chart draws in the table format only", hint="drop --chart, or --format table")
    shared = state(ctx)
    show_aging(
        shared.ledger,
        shared.as_of(as_of),
        choice(by, ("client", "invoice"), "--by"),
        Buckets.parse(buckets),
        fmt.value,
        shared.locale,
        chart,
    )
