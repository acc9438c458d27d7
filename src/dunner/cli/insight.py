"""The insight commands: stats (payment behaviour and grades), forecast, and the HTML report."""

from pathlib import Path
from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import AsOfOption, Format, FormatOption, whole_option
from dunner.cli.state import state

Opt = typer.Option


@app.command("stats")
def stats(
    ctx: typer.Context,
    client: Annotated[str | None, typer.Argument(help="Only this client.")] = None,
    as_of: AsOfOption = None,
    window: Annotated[
        int | None,
        whole_option("--window", "Days for DSO and the trend (default [stats] window, 90).", low=7, high=3650),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show how each client pays: lateness, DSO, promises, disputes, trend, and a risk grade with its reasons.

    Example: dunner stats ACME --as-of 2026-06-30
    """
    from dunner.cli.render_insight import show_stats
    from dunner.insight.stats import client_stats
    from dunner.ledger.clients import get_client

    shared = state(ctx)
    day = shared.as_of(as_of)
    client_id = get_client(shared.ledger, client).id if client else None
    rows = client_stats(shared.ledger, shared.config, day, client_id=client_id, window=window)
    show_stats(rows, day, fmt.value, shared.locale)


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    weeks: Annotated[int, whole_option("--weeks", "How many weeks ahead.", low=1, high=104)] = 8,
    backtest: Annotated[
        bool, Opt("--backtest", help="Set the forecast beside what actually came in (use a past --as-of).")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Forecast cash-in per week: each open instalment at its due date shifted by its client's lateness.

    What is at risk (long overdue, disputed, risky clients) is shown apart.

    Example: dunner forecast --weeks 12
    """
    from dunner.cli.render_insight import show_forecast
    from dunner.insight.forecast import forecast as compute

    shared = state(ctx)
    result = compute(shared.ledger, shared.config, shared.as_of(as_of), weeks, backtest=backtest)
    show_forecast(result, fmt.value, shared.locale, backtest)


@app.command("report")
def report(
    ctx: typer.Context,
    html: Annotated[Path, Opt("--html", help="The HTML file to write ('-' for stdout).", metavar="FILE")],
    as_of: AsOfOption = None,
    weeks: Annotated[int, whole_option("--weeks", "Weeks of forecast.", low=1, high=104)] = 8,
) -> None:
    """Write a self-contained HTML report: aging, top late payers, grades, forecast, with charts.

    It needs no network: styles and charts (SVG) are inside the file, ready to open or mail.

    Example: dunner report --html report.html
    """
    from dunner.cli.documents import write_parts
    from dunner.insight.report import html_report

    shared = state(ctx)
    parts = html_report(shared.ledger, shared.config, shared.as_of(as_of), weeks, shared.locale)
    where = write_parts(str(html), parts)
    if where != "stdout":
        typer.echo(f"Report written to {where}", err=True)
