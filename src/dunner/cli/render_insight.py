"""Renderings of the insight commands: stats with lateness sparklines, forecast and aging bar charts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dunner.core.charts import Bar, bar_lines, sparkline
from dunner.edges.output import Column, console, emit, human

GRADE_STYLES = {"A": "green", "B": "green", "C": "yellow", "D": "dark_orange", "E": "bold red", "unknown": "dim"}
TREND_SHOW = {"better": "↘ better", "worse": "↗ worse", "steady": "→ steady", "unknown": ""}
TONE_STYLES = {"normal": "blue", "late": "dark_orange", "risk": "red"}


def _days(value: Any) -> str:
    return "" if value is None else f"{value} d"


def _percent(value: Any) -> str:
    return "" if value is None else f"{(value * 100).quantize(1)} %"


def stats_columns(machine: bool) -> list[Column]:
    from dunner.insight.stats import COLUMNS

    if machine:
        numeric = {"invoices", "paid", "paid_late", "outstanding", "overdue"}
        return [Column(k, numeric=k in numeric) for k in COLUMNS]
    return [
        Column("client"),
        Column("currency", "cur"),
        Column("grade"),
        Column("invoices", numeric=True),
        Column("paid", numeric=True),
        Column("late_of", "late", numeric=True),
        Column("avg_days_late", "avg late", numeric=True, show=_days),
        Column("avg_days_late_weighted", "by amount", numeric=True, show=_days),
        Column("max_days_late", "max", numeric=True, show=_days),
        Column("avg_days_to_pay", "to pay", numeric=True, show=_days),
        Column("dso", "DSO", numeric=True, show=_days),
        Column("overdue", numeric=True),
        Column("promises", "kept/broken", numeric=True),
        Column("disputes", numeric=True),
        Column("trend_text", "trend"),
        Column("spark", "lateness"),
    ]


def show_stats(rows: Iterable[dict[str, Any]], as_of: Any, fmt: str, locale: str) -> None:
    """Per client and currency: figures, grade, trend and a sparkline of the last paid invoices."""
    if fmt != "table":
        emit(fmt, rows, stats_columns(True), locale=locale)
        return
    listed = []
    for row in rows:
        days = [int(d) for d in row["lateness"].split()]
        trend = TREND_SHOW[row["trend"]]
        if row["trend_days"] is not None and row["trend"] != "steady":
            trend += f" ({row['trend_days']:+} d)"
        listed.append(
            {
                **row,
                "promises": f"{row['promises_kept']}/{row['promises_broken']}",
                "late_of": f"{row['paid_late']} ({_percent(row['late_share'])})" if row["paid"] else "",
                "trend_text": trend,
                "spark": sparkline(days),
            }
        )
    emit(
        fmt,
        listed,
        stats_columns(False),
        locale=locale,
        title=f"Payment behaviour as of {as_of}",
        cell_style=lambda row, col: GRADE_STYLES.get(row["grade"]) if col.key in ("grade", "client") else None,
        empty="No invoices yet.",
    )
    if not listed:
        return
    out = console()
    out.print(
        "paid: invoices (each instalment of a plan counts) paid in full; late: how many of them late; days late,"
        " plain and weighted by amount; lateness: the last paid, oldest first (▁ on time … █ 60+ days)."
        " Grades, and why:"
    )
    for row in listed:
        style = GRADE_STYLES.get(row["grade"], "")
        out.print(f"  [{style}]{row['client']} {row['currency']} {row['grade']}[/]: {row['reasons']}")


def forecast_columns(backtest: bool, machine: bool) -> list[Column]:
    from dunner.insight.forecast import BACKTEST_COLUMNS, COLUMNS

    keys = BACKTEST_COLUMNS if backtest else COLUMNS
    numeric = {"expected", "instalments", "actual", "due_dates", "error"}
    columns = [Column(k, numeric=k in numeric) for k in keys]
    if machine:
        return columns
    columns = [c for c in columns if c.key != "currency"]
    if backtest:
        columns = [Column("due_dates", "by due dates", numeric=True) if c.key == "due_dates" else c for c in columns]
    return [*columns, Column("bar", "")]


def show_forecast(result: Any, fmt: str, locale: str, backtest: bool) -> None:
    """Expected receipts per week with a bar each, the at-risk instalments apart, and the back-test error."""
    import typer

    if fmt != "table":
        emit(fmt, result.rows, forecast_columns(backtest, True), locale=locale)
        if backtest:
            for cur, (ours, naive) in result.errors.items():
                typer.echo(f"Back-test {cur}: {_wape_text(ours, naive)}", err=True)
        return
    out = console()
    currencies = list(dict.fromkeys(r["currency"] for r in result.rows))
    if not currencies:
        out.print(f"Nothing is owed as of {result.as_of}: nothing to forecast.")
        return
    for cur in currencies:
        rows = [r for r in result.rows if r["currency"] == cur]
        bars = [
            Bar(r["period"], r["expected"].minor, "", "risk" if r["period"] == "at-risk" else "normal") for r in rows
        ]
        shown = []
        for row, (_, line, _, tone) in zip(rows, bar_lines(bars, width=30), strict=True):
            shown.append({**row, "bar": f"[{TONE_STYLES[tone]}]{line}[/]" if line else ""})
        _table_with_markup(
            shown,
            forecast_columns(backtest, False),
            locale,
            f"Cash-in forecast in {cur} as of {result.as_of} ({result.weeks} weeks)",
        )
        if backtest:
            ours, naive = result.errors.get(cur, (None, None))
            out.print(f"Back-test {cur}: {_wape_text(ours, naive)}")
    if result.risks:
        emit(
            "table",
            result.risks,
            [Column("client"), Column("invoice"), Column("due"), Column("outstanding", numeric=True), Column("why")],
            locale=locale,
            title="At risk (not counted in the weeks)"
            + (f": the {len(result.risks)} largest of {result.at_risk}" if result.at_risk > len(result.risks) else ""),
            row_style=lambda r: "red",
        )


def _wape_text(ours: Any, naive: Any) -> str:
    def pct(v: Any) -> str:
        return "n/a (nothing came in)" if v is None else f"{v} %"

    return f"error (WAPE over the weeks) {pct(ours)}; trusting due dates alone: {pct(naive)}"


def _table_with_markup(rows: list[dict[str, Any]], columns: list[Column], locale: str, title: str) -> None:
    """A Rich table whose 'bar' cells carry their own colour markup (the other cells are escaped)."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col.title, justify="right" if col.numeric else "left")
    for row in rows:
        table.add_row(
            *(row[c.key] if c.key == "bar" else escape(human(row.get(c.key), locale)) for c in columns),
            style="red" if row["period"] == "at-risk" else "dim" if row["period"] == "later" else None,
        )
    console().print(table)


def show_aging_chart(totals: list[dict[str, Any]], buckets: Any, locale: str) -> None:
    """A bar per aging bucket, per currency, from the TOTAL rows of the aging table."""
    from dunner.cli.styles import lateness_style
    from dunner.core.money import Money

    out = console()
    names = buckets.names
    for total in totals:
        cur = total["currency"]
        bars = [Bar(name, total[name].minor, human(total[name], locale)) for name in names]
        out.print(f"[bold]Aging in {cur}[/] (total {human(Money(total['total'].minor, cur), locale)})")
        width = max(len(name) for name in names)
        for (label, line, text, _), low in zip(bar_lines(bars, width=40), buckets.lows, strict=True):
            style = lateness_style(low) or "green"
            out.print(f"  {label:>{width}} [{style}]{line}[/] {text if line else ''}".rstrip())
