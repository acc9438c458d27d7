"""The floor of `dunner forecast` (issue 15 item 1): the stats floor's one pass (baseline_stats.py), which
also keeps the instalments still owing, then each of those placed in Python.

    python bench/baseline_forecast.py LEDGER AS_OF WEEKS WINDOW

It writes the CSV of `dunner forecast --format csv`; bench/insight_rows.py checks that it is dunner's. Like
the stats floor it reads bench ledgers only. The one thing it takes from dunner is the grading rules
(dunner.core.grades, pure code, the default rules): a client graded risky has its instalments set apart, and
writing the rules a second time here would only test the copy.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from baseline_stats import amount, client_rows, figures, ratio

from dunner.core.grades import Figures, load_grading

AT_RISK_DAYS = 90  # dunner's default [forecast] at_risk_days
COLUMNS = ["period", "start", "end", "currency", "expected", "instalments"]


def client_outlook(conn: sqlite3.Connection, as_of: str, window: int):
    """The one pass, then per client: its key, its stats cells, (grade, reasons), its weighted lateness, the money
    paid on what it settled, what it has overdue and its credit."""
    rules = load_grading({}, "config")
    parts: list[tuple] = []
    codes, sums, counted, credit = figures(conn, as_of, window, parts)
    clients = []
    for key, cells, (have, overdue, oldest, dso, last_late) in client_rows(
        codes, sums, counted, credit, date.fromisoformat(as_of), window, rules.lookback
    ):
        s = sums[key]
        late = ratio(s[8], s[9])
        grade = rules.grade(
            Figures(
                paid=s[4],
                last_late=last_late,
                avg_days_late=late,
                max_days_late=s[7],
                oldest_overdue_days=oldest,
                overdue=Decimal(overdue).scaleb(-2),
                dso=dso,
                currency=key[1],
            ),
            "en",
        )
        clients.append((key, cells, grade, late, s[9], overdue, have))
    return clients, parts, set(rules.risky)


def forecast(conn: sqlite3.Connection, as_of: str, weeks: int, clients, parts, risky) -> list[tuple]:
    """The forecast's CSV rows from the clients' figures and their open instalments."""
    day = date.fromisoformat(as_of)
    end = day + timedelta(days=7 * weeks - 1)
    own, weighted, money, have, graded = {}, Decimal(0), 0, {}, {}
    for key, _, (grade, _), late, paid_money, _, credit in clients:
        if late is not None:
            own[key] = late
            weighted += late * paid_money
            money += paid_money
        if credit > 0:
            have[key] = credit
        if grade in risky:
            graded[key] = grade
    overall = weighted / money if money else Decimal(0)
    shifts = {key: int(late.quantize(Decimal(1), rounding=ROUND_HALF_UP)) for key, late in own.items()}
    default = int(overall.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    order = numbers(conn, [part[1] for part in parts])
    parts.sort(key=lambda part: (part[0], *order[part[1]]))  # dunner's order: due date, number, seq
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for due, _, client, cur, left in parts:
        key = (client, cur)
        if have.get(key):  # credit pays the oldest first
            take = min(have[key], left)
            have[key] -= take
            left -= take
            if not left:
                continue
        due_day = date.fromisoformat(due)
        if (day - due_day).days >= AT_RISK_DAYS or key in graded:
            slot = expected[("at-risk", cur)]
        else:
            placed = max(due_day + timedelta(days=shifts.get(key, default)), day)
            slot = expected[("later" if placed > end else f"week-{(placed - day).days // 7 + 1}", cur)]
        slot[0] += left
        slot[1] += 1
    rows = []
    for cur in sorted({cur for _, cur in expected}):
        for n, period in enumerate([*(f"week-{n}" for n in range(1, weeks + 1)), "later", "at-risk"]):
            start = day + timedelta(days=7 * n) if n < weeks else None
            cents, count = expected.get((period, cur), [0, 0])
            span = (start.isoformat(), (start + timedelta(days=6)).isoformat()) if start else ("", "")
            rows.append((period, *span, cur, amount(cents), count))
    return rows


def numbers(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, int]]:
    """The invoice number and instalment rank of these instalments, by id."""
    found = {}
    for n in range(0, len(ids), 900):
        chosen = ids[n : n + 900]
        found.update(
            (i, (number, seq))
            for i, number, seq in conn.execute(
                "SELECT i.id, v.number, i.seq FROM instalment i JOIN invoice v ON v.id = i.invoice_id"
                f" WHERE i.id IN ({', '.join('?' * len(chosen))})",
                chosen,
            )
        )
    return found


def main() -> None:
    ledger, as_of, weeks, window = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    conn = sqlite3.connect(ledger)
    out = csv.writer(sys.stdout)
    out.writerow(COLUMNS)
    out.writerows(forecast(conn, as_of, weeks, *client_outlook(conn, as_of, window)))


if __name__ == "__main__":
    main()
