"""The HTML report: aging, late payers, grades and the forecast on one self-contained page.

Everything the page needs is inside it (styles, charts as inline SVG, no script, no link out), so it
opens offline and survives being mailed. The template (`report/report.html`) can be overridden like
the others; the charts are made here (charts.py) and handed to it as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from dunner.core.buckets import Buckets
from dunner.core.charts import Bar, svg_bars, svg_sparkline
from dunner.core.money import Money
from dunner.edges.config import Config
from dunner.edges.formatting import format_money
from dunner.edges.storage.ledger import Ledger

TOP_LATE = 10  # late payers listed
# The machine names of buckets, forecast periods, trends and grades, as the report's reader says them.
LABELS = {
    "fr": {
        "current": "Non échu",
        "week": "Semaine",
        "later": "Plus tard",
        "at-risk": "À risque",
        "better": "en amélioration",
        "worse": "en dégradation",
        "steady": "stable",
        "unknown": "inconnue",
        "aging": "Balance âgée",
        "forecast": "Prévision",
    },
    "en": {
        "current": "Current",
        "week": "Week",
        "later": "Later",
        "at-risk": "At risk",
        "unknown": "unknown",
        "aging": "Aging",
        "forecast": "Forecast",
    },
}


def labeller(language: str) -> Callable[[str], str]:
    """`label(name)`: "week-3" is "Semaine 3" in French; names without a word (A, 1-30) stay as they are."""
    words = LABELS.get(language, LABELS["en"])

    def label(name: str) -> str:
        if name.startswith("week-"):
            return f"{words['week']} {name.removeprefix('week-')}"
        return words.get(name, name)

    return label


def _tone(low: int) -> str:
    """The colour of an aging bucket by its fewest days overdue."""
    return "normal" if low == 0 else "late" if low <= 60 else "risk"


def report_context(ledger: Ledger, config: Config, as_of: date, weeks: int, locale: str) -> dict[str, Any]:
    """What the template shows, every figure computed by the same services as the commands."""
    from markupsafe import Markup

    from dunner.insight.figures import Aging
    from dunner.insight.forecast import forecast
    from dunner.insight.stats import client_stats

    label = labeller(config.defaults.language)
    buckets = Buckets.parse("30,60,90")
    aged = Aging(buckets)  # the aging comes from the pass that makes the figures (issue 15 item 3)
    stats = list(client_stats(ledger, config, as_of, language=config.defaults.language, aging=aged))
    aging, totals, aging_charts = _aging(aged.rows, buckets, label, locale)
    for row in stats:
        days = [int(d) for d in row["lateness"].split()]
        row["spark"] = Markup(svg_sparkline(days, title=f"{row['client']}: {row['lateness'] or '-'}")) if days else ""
    late = sorted(
        (r for r in stats if r["overdue"].minor > 0 or (r["avg_days_late_weighted"] or 0) > 0),
        key=lambda r: (-r["overdue"].minor, -(r["avg_days_late_weighted"] or 0), r["client"]),
    )[:TOP_LATE]
    outlook = forecast(ledger, config, as_of, weeks, stats=stats)
    forecast_currencies = list(dict.fromkeys(r["currency"] for r in outlook.rows))
    return {
        "business": config.business,
        "as_of": as_of,
        "weeks": weeks,
        "locale": locale,
        "language": config.defaults.language,
        "label": label,
        "buckets": buckets.names,
        "aging": aging,
        "totals": totals,
        "aging_charts": aging_charts,
        "late": late,
        "stats": stats,
        "forecast": outlook,
        "forecast_currencies": forecast_currencies,
        "forecast_charts": {cur: _forecast_chart(outlook, cur, label, locale) for cur in forecast_currencies},
    }


def _aging(aging: list[dict[str, Any]], buckets: Buckets, label: Any, locale: str) -> tuple[list, dict, dict]:
    """The aging by client with its totals per currency (with what is overdue), and a chart per currency."""
    from markupsafe import Markup

    from dunner.ledger.aging import currency_totals

    totals = {t["currency"]: t for t in sorted(currency_totals(aging, buckets), key=lambda t: t["currency"])}
    for cur, t in totals.items():
        t["overdue"] = Money(sum(t[b].minor for b in buckets.names if b != "current"), cur)
    charts = {
        cur: Markup(
            svg_bars(
                [
                    Bar(label(name), t[name].minor, format_money(t[name], locale), _tone(low))
                    for name, low in zip(buckets.names, buckets.lows, strict=True)
                ],
                title=f"{label('aging')} {cur}",
            )
        )
        for cur, t in totals.items()
    }
    return aging, totals, charts


def _forecast_chart(outlook: Any, cur: str, label: Any, locale: str) -> Any:
    from markupsafe import Markup

    bars = [
        Bar(
            label(r["period"]),
            r["expected"].minor,
            format_money(r["expected"], locale),
            "risk" if r["period"] == "at-risk" else "normal",
        )
        for r in outlook.rows
        if r["currency"] == cur
    ]
    return Markup(svg_bars(bars, title=f"{label('forecast')} {cur}"))


def html_report(ledger: Ledger, config: Config, as_of: date, weeks: int, locale: str) -> Iterator[str]:
    """The page in parts, as the template makes them (the figures are all computed before the first)."""
    from dunner.edges.templates import Renderer

    context = report_context(ledger, config, as_of, weeks, locale)
    return Renderer(config.templates_dir).stream("report/report.html", context)
