"""How each client pays: lateness, DSO, promises, disputes, a trend and a risk grade, as of a date.

The ledger is read as of the date, like the aging table: figures.py adds up each client's sums in one
streamed pass (the day each instalment was settled, what is outstanding and overdue, how late it was
paid); this module divides them into the figures and grades them.

What counts, at the edges:
- What is *paid* is counted by what fell due: an invoice, or each instalment of a plan on its own
  (as aging and dunning count them), settled in full and some of it with money: one settled wholly
  by credit notes was cancelled, not paid. Counting instalments keeps an on-time payment from ever
  revealing an earlier instalment's lateness, so it can never worsen a grade.
- *Days late*: day settled - due date, 0 if not late. The day settled is the day of the last cent
  (partial payments do not settle), except that a credit note finishing it later dates it by the
  last money received (the client paid all they ended up owing then). Only money weighs in the
  weighted averages.
- Money received and not applied (the aging table's credit) is netted from the outstanding and the
  overdue, oldest first.
- Written-off invoices are out of the outstanding from their write-off date, counted apart.
- *DSO* over the window: what is owed now / what was invoiced in the window (less the credit notes
  on those invoices) x the window's days.
- A promise renegotiated before its day is superseded by the new one and counts neither way.
- *Trend*: the weighted lateness of invoices paid in the window against the window before.
- A promise is *kept* when what it covered was settled by the promised day, *broken* when that day
  passed with it still open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dunner.core.grades import GRADES, UNKNOWN, Figures, Grading, load_grading
from dunner.core.money import Money
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.insight.figures import Aging, client_figures

DEFAULT_WINDOW = 90
COLUMNS = [
    "client",
    "currency",
    "grade",
    "invoices",
    "paid",
    "paid_late",
    "late_share",
    "avg_days_late",
    "avg_days_late_weighted",
    "max_days_late",
    "avg_days_to_pay",
    "dso",
    "credit",
    "outstanding",
    "overdue",
    "oldest_overdue_days",
    "promises_kept",
    "promises_broken",
    "disputes",
    "written_off",
    "trend",
    "trend_days",
    "lateness",
    "reasons",
]


@dataclass(frozen=True)
class Settings:
    window: int = DEFAULT_WINDOW  # days: DSO and the trend
    trend_tolerance: Decimal = Decimal(2)  # days of lateness either way that are "steady"

    @classmethod
    def from_config(cls, config: Config, window: int | None = None) -> Settings:
        section = config.section("stats")
        return cls(
            window=window if window is not None else section.get("window", DEFAULT_WINDOW),
            trend_tolerance=Decimal(str(section.get("trend_tolerance", 2))),
        )


def grading(config: Config) -> Grading:
    return load_grading(config.section("grades"), str(config.path or "config"))


def _ratio(numerator: int, denominator: int | None, places: str = "0.1") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _trend(row: Any, tolerance: Decimal) -> tuple[str, Decimal | None]:
    now = _ratio(row["now_weighted"] or 0, row["now_money"])
    before = _ratio(row["before_weighted"] or 0, row["before_money"])
    if now is None or before is None:
        return "unknown", None
    change = now - before
    if abs(change) <= tolerance:
        return "steady", change
    return ("worse" if change > 0 else "better"), change


def client_stats(
    ledger: Ledger,
    config: Config,
    as_of: date,
    *,
    client_id: int | None = None,
    window: int | None = None,
    language: str = "en",
    aging: Aging | None = None,
) -> Iterator[dict[str, Any]]:
    """One row per client and currency: the figures, the grade and its reasons (see COLUMNS).

    `language`: of the reasons; CSV and JSON keep English, the French report asks for "fr". `aging`: filled
    with the aging by client as of the same date, from the same pass, once the first row is read."""
    settings = Settings.from_config(config, window)
    rules = grading(config)
    params = {
        "as_of": as_of.isoformat(),
        "window_start": (as_of - timedelta(days=settings.window)).isoformat(),
        "before_start": (as_of - timedelta(days=2 * settings.window)).isoformat(),
        "client_id": client_id,
    }
    for row in client_figures(ledger, params, rules.lookback, client_id, aging):
        yield _stats_row(row, as_of, settings, rules, language)


def _stats_row(row: Any, as_of: date, settings: Settings, rules: Grading, language: str) -> dict[str, Any]:
    cur = row["currency"]
    paid = row["paid"] or 0
    last_late = tuple(late for _, late in row["recent"])  # newest first
    # money received and not applied yet (as in the aging table) pays the oldest overdue first
    credit = row["credit"]
    outstanding = Money(row["outstanding"] - credit, cur)
    overdue = Money(max(row["overdue"] - credit, 0), cur)
    limit = row["credit_limit_cents"]
    over = outstanding.minor - limit if limit is not None and cur == row["client_currency"] else 0
    sales = row["sales_window"] - row["credited_window"]
    oldest = (as_of - date.fromisoformat(row["oldest_due"])).days if row["oldest_due"] and overdue.minor else 0
    trend, change = _trend(row, settings.trend_tolerance)
    figures = Figures(
        paid=paid,
        last_late=last_late,
        avg_days_late=_ratio(row["weighted_late"] or 0, row["money"]),
        max_days_late=row["max_late"],
        oldest_overdue_days=oldest,
        overdue=overdue.amount,
        promises_broken=row["broken"],
        promises=row["broken"] + row["kept"],
        disputes=row["disputes"],
        written_off=row["written_off"],
        over_limit=Money(max(over, 0), cur).amount,
        dso=_ratio(max(outstanding.minor, 0) * settings.window, sales) if sales > 0 else None,
        currency=cur,
    )
    grade, reasons = rules.grade(figures, language)
    return {
        "client": row["code"],
        "client_id": row["client_id"],
        "currency": cur,
        "grade": grade,
        "invoices": row["invoices"],
        "paid": paid,
        "paid_late": row["paid_late"] or 0,
        "late_share": _ratio(row["paid_late"] or 0, paid, "0.01"),
        "avg_days_late": _ratio(row["sum_late"] or 0, paid),
        "avg_days_late_weighted": figures.avg_days_late,
        "max_days_late": row["max_late"],
        "avg_days_to_pay": _ratio(row["sum_to_pay"] or 0, paid),
        "dso": figures.dso,
        "credit": Money(credit, cur),
        "outstanding": outstanding,
        "overdue": overdue,
        "oldest_overdue_days": oldest or None,
        "promises_kept": row["kept"],
        "promises_broken": row["broken"],
        "disputes": row["disputes"],
        "written_off": row["written_off"],
        "trend": trend,
        "trend_days": change,
        "lateness": " ".join(str(d) for d in reversed(last_late)),  # oldest first, as a sparkline reads
        "reasons": "; ".join(reasons),
        "figures": figures,
        "paid_money": row["money"] or 0,  # minor units received on the paid invoices (weights the lateness)
    }


def grades(ledger: Ledger, config: Config, as_of: date) -> dict[int, str]:
    """Each client's worst grade over its currencies (for policy rules that pick a profile by grade)."""
    order = [UNKNOWN, *GRADES]
    worst: dict[int, str] = {}
    for row in client_stats(ledger, config, as_of):
        old = worst.get(row["client_id"], UNKNOWN)
        worst[row["client_id"]] = max(old, row["grade"], key=order.index)
    return worst


def credit_advice(ledger: Ledger, config: Config, new: Any) -> list[str]:
    """Warnings for a new invoice to a client over their credit limit or graded risky, suggesting a deposit.

    `new` is the invoice just issued (ledger.writing.NewInvoice): the figures include it.
    """
    if new.kind != "invoice":
        return []
    client, cur = new.client, new.total.currency
    rows = [r for r in client_stats(ledger, config, new.issued_on, client_id=client.id) if r["currency"] == cur]
    if not rows:
        return []
    row, rules = rows[0], grading(config)
    notes = []
    limit = client.credit_limit
    if limit is not None and limit.currency == cur and row["outstanding"].minor > limit.minor:
        over = Money(row["outstanding"].minor - limit.minor, cur)
        notes.append(
            f"{client.code} now owes {row['outstanding']} {cur}, {over} {cur} over the credit limit of {limit} {cur}"
        )
    if row["grade"] in rules.risky:
        notes.append(f"{client.code} is graded {row['grade']}: {row['reasons']}")
    if notes:
        net = new.totals.net.amount
        notes.append(
            f"ask a deposit before more work, e.g. 'dunner deposit {client.code} 30% --of {net}'"
            f" (see 'dunner stats {client.code}')"
        )
    return notes
