"""Cash-in forecast: what should come in, week by week, judged by each client's own lateness.

Each instalment open on the as-of date is expected on its due date shifted by its client's weighted
average lateness (services/insight.py), or the whole ledger's when the client has no history yet;
one already later than that is expected now. What is at risk is shown apart, not spread over the
weeks: long overdue (`[forecast] at_risk_days`), disputed, or owed by a client of a risky grade.

The back-test runs the same forecast as of a past date and sets it beside what actually came in for
those instalments (money only, not credit notes), week by week, with the forecast that trusts due
dates for the same instalments as a yardstick. Its error is the weighted absolute percentage error
over the weeks (WAPE). What came in within the weeks on the instalments set apart as at risk is
shown on the at-risk row, outside the error: the forecast did not count on it.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dunner.core.money import Money
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger, batches
from dunner.insight.stats import client_stats, grading
from dunner.ledger.balances import all_instalments

DEFAULT_WEEKS = 8
DEFAULT_AT_RISK_DAYS = 90
RISKS_SHOWN = 20  # the largest instalments at risk listed one by one (all are in the at-risk total)
COLUMNS = ["period", "start", "end", "currency", "expected", "instalments"]
BACKTEST_COLUMNS = [*COLUMNS, "actual", "due_dates", "error"]


@dataclass
class Forecast:
    as_of: date
    weeks: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # weeks, then "later", then "at-risk"
    risks: list[dict[str, Any]] = field(default_factory=list)  # the largest instalments at risk, with why
    at_risk: int = 0  # how many instalments are at risk in all
    errors: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)  # currency: (ours, naive)


@dataclass
class _Clients:
    """What the forecast needs of each client's stats, kept small: the stats rows are read once and let go."""

    own: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # each client's weighted days late
    overall: Decimal = Decimal(0)  # the whole ledger's (for clients without history)
    risky: dict[tuple[int, str], str] = field(default_factory=dict)  # the clients of a risky grade: their grade
    credit: dict[tuple[int, str], int] = field(default_factory=dict)  # money received and not applied
    codes: dict[int, str] = field(default_factory=dict)

    @classmethod
    def read(cls, stats: Iterable[dict[str, Any]], risky: set[str]) -> _Clients:
        clients, weighted, money = cls(), Decimal(0), 0
        for row in stats:
            key = (row["client_id"], row["currency"])
            clients.codes[row["client_id"]] = row["client"]
            late = row["avg_days_late_weighted"]
            if late is not None:
                clients.own[key] = late
                weighted += late * row["paid_money"]
                money += row["paid_money"]
            if row["grade"] in risky:
                clients.risky[key] = row["grade"]
            if row["credit"].minor > 0:  # issue 15 item 3: each client's credit as the stats found it
                clients.credit[key] = row["credit"].minor
        clients.overall = weighted / money if money else Decimal(0)
        return clients


def _days(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class _Tally:
    """The open instalments as the forecast places them: expected in a period, or set apart at risk."""

    as_of: date
    end: date
    backtest: bool
    expected: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    naive: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))  # by due dates alone
    ids: list[int] = field(default_factory=list)  # for the back-test: the instalments placed in the weeks
    risky_ids: list[int] = field(default_factory=list)  # ... and those at risk
    largest: list[tuple[Any, ...]] = field(default_factory=list)  # a heap of the largest instalments at risk
    at_risk: int = 0

    def set_apart(self, row: Any, left: int, due: date, why: list[str]) -> None:
        cur = row["currency"]
        if self.backtest:
            self.risky_ids.append(row["instalment_id"])
        self.expected[("at-risk", cur)][0] += left
        self.expected[("at-risk", cur)][1] += 1
        self.at_risk += 1
        item = (left, self.at_risk, row["client_id"], row["number"], row["seq"], due, cur, ", ".join(why))
        (heapq.heappush if len(self.largest) < RISKS_SHOWN else heapq.heappushpop)(self.largest, item)

    def place(self, row: Any, left: int, due: date, shift: int) -> None:
        cur = row["currency"]
        if self.backtest:
            self.ids.append(row["instalment_id"])
        self.naive[(_period(self.as_of, max(due, self.as_of), self.end), cur)] += left
        slot = self.expected[(_period(self.as_of, max(due + timedelta(days=shift), self.as_of), self.end), cur)]
        slot[0] += left
        slot[1] += 1


def forecast(
    ledger: Ledger,
    config: Config,
    as_of: date,
    weeks: int = DEFAULT_WEEKS,
    *,
    backtest: bool = False,
    stats: Iterable[dict[str, Any]] | None = None,
) -> Forecast:
    """The forecast as of a date (`stats`: client_stats already computed for that date, if at hand)."""
    from dunner.core.errors import BadInput

    if not 1 <= weeks <= 104:
        raise BadInput("--weeks must be 1 to 104")
    clients = _Clients.read(client_stats(ledger, config, as_of) if stats is None else stats, set(grading(config).risky))
    tally = _tally(ledger, config, as_of, weeks, backtest, clients)
    result = Forecast(as_of, weeks, at_risk=tally.at_risk)
    result.risks = [
        {
            "client": clients.codes.get(client_id, ""),
            "invoice": number if seq == 1 else f"{number}/{seq}",
            "due": due,
            "outstanding": Money(left, cur),
            "why": why,
        }
        for left, _, client_id, number, seq, due, cur, why in sorted(tally.largest, key=lambda i: (-i[0], i[1]))
    ]
    actual = _actual(ledger, as_of, tally.end, tally.ids, tally.risky_ids) if backtest else {}
    _table(result, tally, actual)
    return result


def _tally(ledger: Ledger, config: Config, as_of: date, weeks: int, backtest: bool, clients: _Clients) -> _Tally:
    """Every instalment open as of the date, net of its client's credit, placed in a period or set apart."""
    from dunner.ledger.events import event_states

    at_risk_days = config.section("forecast").get("at_risk_days", DEFAULT_AT_RISK_DAYS)
    own, overall, risky_clients, credit = clients.own, clients.overall, clients.risky, clients.credit
    states = event_states(ledger, as_of)
    tally = _Tally(as_of, as_of + timedelta(days=7 * weeks - 1), backtest)
    instalments = all_instalments(ledger.dialect)
    for row in ledger.rows(
        f"SELECT * FROM ({instalments}) WHERE amount_cents > paid_cents ORDER BY due_on, number, seq",
        {"as_of": as_of.isoformat()},
    ):
        left, due, key = (
            row["amount_cents"] - row["paid_cents"],
            date.fromisoformat(row["due_on"]),
            (row["client_id"], row["currency"]),
        )
        if credit.get(key):  # money already received and not applied pays the oldest first
            take = min(credit[key], left)
            credit[key] -= take
            left -= take
            if not left:
                continue
        why = []
        if (as_of - due).days >= at_risk_days:
            why.append(f"{(as_of - due).days} days overdue")
        if states.get(row["invoice_id"], {}).get("disputed"):
            why.append("disputed")
        if key in risky_clients:
            why.append(f"client graded {risky_clients[key]}")
        if why:
            tally.set_apart(row, left, due, why)
        else:
            tally.place(row, left, due, _days(own.get(key, overall)))
    return tally


def _table(result: Forecast, tally: _Tally, actual: dict[tuple[str, str], int]) -> None:
    """The forecast's rows: each week, then later, then at risk, per currency; beside what came in, back-testing."""
    weeks, as_of = result.weeks, result.as_of
    currencies = sorted({cur for _, cur in tally.expected} | {cur for _, cur in actual})
    periods = [f"week-{n}" for n in range(1, weeks + 1)] + ["later", "at-risk"]
    for cur in currencies:
        for n, period in enumerate(periods):
            cents, count = tally.expected.get((period, cur), [0, 0])
            start = as_of + timedelta(days=7 * n) if n < weeks else None
            row = {
                "period": period,
                "start": start,
                "end": start + timedelta(days=6) if start else None,
                "currency": cur,
                "expected": Money(cents, cur),
                "instalments": count,
            }
            if tally.backtest:
                got = actual.get((period, cur), 0) if period != "later" else None
                row["actual"] = None if got is None else Money(got, cur)
                row["due_dates"] = Money(tally.naive.get((period, cur), 0), cur) if n < weeks else None
                row["error"] = None if got is None or n >= weeks else Money(cents - got, cur)
            result.rows.append(row)
        if tally.backtest:
            result.errors[cur] = _wape(result.rows, cur, weeks, "expected"), _wape(result.rows, cur, weeks, "due_dates")


def _period(as_of: date, day: date, end: date) -> str:
    return "later" if day > end else f"week-{(day - as_of).days // 7 + 1}"


def _actual(ledger: Ledger, as_of: date, end: date, ids: list[int], risky_ids: list[int]) -> dict[tuple[str, str], int]:
    """Money received after `as_of` and by the last week's end on the instalments open then: by week for
    those the forecast placed in the weeks, in "at-risk" for those it set apart."""
    got: dict[tuple[str, str], int] = defaultdict(int)
    for risky, chosen in ((False, ids), (True, risky_ids)):
        for part in batches(chosen):
            for row in ledger.rows(
                "SELECT a.applied_on, a.amount_cents, p.currency"
                " FROM allocation a JOIN payment p ON p.id = a.payment_id"
                f" WHERE a.instalment_id IN ({', '.join('?' * len(part))}) AND a.applied_on > ? AND a.applied_on <= ?"
                " AND p.method NOT IN ('credit_note', 'discount')",
                [*part, as_of.isoformat(), end.isoformat()],
            ):
                day = date.fromisoformat(row["applied_on"])
                got[("at-risk" if risky else _period(as_of, day, end), row["currency"])] += row["amount_cents"]
    return got


def _wape(rows: list[dict[str, Any]], cur: str, weeks: int, key: str) -> Decimal | None:
    """Sum of |forecast - actual| over the weeks / sum of actual, in percent."""
    weekly = [r for r in rows if r["currency"] == cur and r["period"].startswith("week-")]
    actual = sum(r["actual"].minor for r in weekly)
    if not actual:
        return None
    miss = sum(abs(r[key].minor - r["actual"].minor) for r in weekly)
    return (Decimal(100 * miss) / Decimal(actual)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
