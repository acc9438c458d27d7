"""The floor of `dunner report --html` (issue 15 item 1): the stats floor's one pass (baseline_stats.py), from
which come the aging by client, every client's figures and grade, and the forecast (baseline_forecast.py),
written as one HTML page of plain tables.

    python bench/baseline_report.py LEDGER AS_OF WEEKS WINDOW [FOLDER]

With FOLDER it writes there, instead of the page, what the page shows as three CSV files (aging.csv,
stats.csv, forecast.csv): bench/insight_rows.py checks them against `dunner aging`, `dunner stats` and
`dunner forecast`, whose services the report calls. The page has the same tables as dunner's (aging with
its totals, the late payers, the forecast, the clients and their grades), amounts written as plain numbers:
no charts and no locale (dunner's page has both, the floor keeps to the figures).
"""

from __future__ import annotations

import csv
import html
import sqlite3
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

from baseline_forecast import COLUMNS as FORECAST_COLUMNS
from baseline_forecast import client_outlook, forecast
from baseline_stats import COLUMNS as STATS_COLUMNS
from baseline_stats import amount

AGING_COLUMNS = ["client", "currency", "credit", "current", "1-30", "31-60", "61-90", "91+", "total"]


def aging(parts: list[tuple], clients: list[tuple], day: date) -> tuple[list[tuple], list[tuple]]:
    """The aging by client (buckets 30, 60, 90) from the open instalments and each client's credit, and its
    total per currency."""
    owed: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * 5)
    for due, _, client, cur, left in parts:
        days = (day - date.fromisoformat(due)).days
        bucket = 0 if days <= 0 else 1 if days <= 30 else 2 if days <= 60 else 3 if days <= 90 else 4
        owed[(client, cur)][bucket] += left
    rows, totals = [], defaultdict(lambda: [0] * 7)
    for key, cells, *_, credit in clients:
        buckets = owed.get(key, [0] * 5)
        if credit or any(buckets):
            figures = [credit, *buckets, sum(buckets) - credit]
            rows.append((cells[0], key[1], *map(amount, figures)))
            totals[key[1]] = [a + b for a, b in zip(totals[key[1]], figures, strict=True)]
    return rows, [("TOTAL", cur, *map(amount, sums)) for cur, sums in sorted(totals.items())]


def table(head: list[str], rows) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>\n{body}\n</tbody></table>\n"


def main() -> None:
    ledger, as_of, weeks, window = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    conn = sqlite3.connect(ledger)
    clients, parts, risky = client_outlook(conn, as_of, window)
    aged, totals = aging(parts, clients, date.fromisoformat(as_of))
    outlook = forecast(conn, as_of, weeks, clients, parts, risky)
    stats = [(*cells[:2], grade, *cells[2:], "; ".join(why)) for _, cells, (grade, why), *_ in clients]
    if len(sys.argv) > 5:
        folder = Path(sys.argv[5])
        for name, head, rows in (
            ("aging", AGING_COLUMNS, aged),
            ("stats", [*STATS_COLUMNS[:2], "grade", *STATS_COLUMNS[2:], "reasons"], stats),
            ("forecast", FORECAST_COLUMNS, outlook),
        ):
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(head)
                csv.writer(f).writerows(rows)
        return
    late = [
        stats[n]
        for *_, n in sorted(
            (-overdue, -(weighted or 0), cells[0], n)
            for n, (_, cells, _, weighted, _, overdue, _) in enumerate(clients)
            if overdue > 0 or (weighted or 0) > 0
        )[:10]
    ]
    sys.stdout.write(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Report {as_of}</title></head><body>\n"
        f"<h2>Aging</h2>\n{table(AGING_COLUMNS, [*aged, *totals])}<h2>Late payers</h2>\n{table(STATS_COLUMNS, late)}"
        f"<h2>Forecast</h2>\n{table(FORECAST_COLUMNS, outlook)}<h2>Clients</h2>\n{table(STATS_COLUMNS, stats)}"
        "</body></html>\n"
    )


if __name__ == "__main__":
    main()
