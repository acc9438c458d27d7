"""The floor of `dunner stats` (issue 15 item 1): one GROUP BY pass through allocation's covering index, the
instalments read once, the payments summed per client, and the figures added up and divided in Python.

    python bench/baseline_stats.py LEDGER AS_OF WINDOW LOOKBACK

It writes the CSV of `dunner stats --format csv` without its two grade columns (grade, reasons), which come
from the configured rules; bench/stats_rows.py checks that every other cell is dunner's. It reads a bench
ledger (bench/ledger.py): no credit notes, discounts, reversals, write-offs, voided invoices, promises or
disputes, so it leaves out what only those need (it stops if the ledger has any). Each instalment counts as
settled on the day of its last allocation when they add up to its amount. It imports nothing from dunner.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

COLUMNS = ["client", "currency", "invoices", "paid", "paid_late", "late_share", "avg_days_late",
           "avg_days_late_weighted", "max_days_late", "avg_days_to_pay", "dso", "credit", "outstanding", "overdue",
           "oldest_overdue_days", "promises_kept", "promises_broken", "disputes", "written_off", "trend",
           "trend_days", "lateness"]  # fmt: skip
NOT_HERE = """
    SELECT (SELECT COUNT(*) FROM invoice WHERE kind NOT IN ('invoice', 'deposit') OR status <> 'issued')
         + (SELECT COUNT(*) FROM payment WHERE method IN ('credit_note', 'discount') OR reverses_id IS NOT NULL)
         + (SELECT COUNT(*) FROM event WHERE kind IN ('promise', 'dispute'))
"""


def ratio(numerator: int, denominator: int | None, places: str = "0.1") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def amount(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def main() -> None:
    ledger, as_of, window, lookback = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    conn = sqlite3.connect(ledger)
    write(*figures(conn, as_of, window), date.fromisoformat(as_of), window, lookback)


def figures(conn: sqlite3.Connection, as_of: str, window: int, open_parts: list | None = None) -> tuple:
    """Each client's sums in one pass over the instalments; `open_parts` (if given) gets every instalment
    still owing something as (due, instalment id, client id, currency, cents owed)."""
    day = date.fromisoformat(as_of)
    start, before = (day - timedelta(days=window)).isoformat(), (day - timedelta(days=2 * window)).isoformat()
    if conn.execute(NOT_HERE).fetchone()[0]:
        raise SystemExit("this floor reads bench ledgers only (no credit notes, reversals, promises...)")
    received = {
        i: (cents, last)
        for i, cents, last in conn.execute(
            "SELECT instalment_id, SUM(amount_cents), MAX(applied_on) FROM allocation WHERE applied_on <= ?"
            " GROUP BY instalment_id",
            (as_of,),
        )
    }
    sums: dict[tuple[int, str], list] = {}
    counted = {}
    for client, cur, n in conn.execute(
        "SELECT client_id, currency, COUNT(*) FROM invoice WHERE issued_on <= ? GROUP BY client_id, currency", (as_of,)
    ):
        counted[(client, cur)] = n
        # outstanding, overdue, oldest due, sales, paid, paid late, sum late, max late, weighted, money, to pay,
        # now weighted, now money, before weighted, before money, recent (settled, id, late), applied
        sums[(client, cur)] = [0, 0, None, 0, 0, 0, 0, None, 0, 0, 0, 0, 0, 0, 0, [], 0]
    for instalment, cents, due, client, cur, issued in conn.execute(
        "SELECT i.id, i.amount_cents, i.due_on, v.client_id, v.currency, v.issued_on"
        " FROM instalment i JOIN invoice v ON v.id = i.invoice_id WHERE v.issued_on <= ?",
        (as_of,),
    ):
        s = sums[(client, cur)]
        paid, last = received.get(instalment, (0, None))
        s[16] += paid
        left = cents - paid
        if issued > start:
            s[3] += cents
        s[0] += left
        if open_parts is not None and left > 0:
            open_parts.append((due, instalment, client, cur, left))
        if due < as_of:
            s[1] += left
            if left > 0 and (s[2] is None or due < s[2]):
                s[2] = due
        if paid != cents or not paid:
            continue
        settled = date.fromisoformat(last)
        late = max((settled - date.fromisoformat(due)).days, 0)
        s[4] += 1
        s[5] += late > 0
        s[6] += late
        s[7] = late if s[7] is None else max(s[7], late)
        s[8] += late * paid
        s[9] += paid
        s[10] += (settled - date.fromisoformat(issued)).days
        if last > start:
            s[11] += late * paid
            s[12] += paid
        elif last > before:
            s[13] += late * paid
            s[14] += paid
        s[15].append((last, instalment, late))
    credit = {}  # what each client paid by then and was not applied: its payments less what its instalments got
    for client, cur, cents in conn.execute(
        "SELECT client_id, currency, SUM(amount_cents) FROM payment WHERE received_on <= ?"
        " GROUP BY client_id, currency",
        (as_of,),
    ):
        credit[(client, cur)] = cents
    return dict(conn.execute("SELECT id, code FROM client")), sums, counted, credit


def cell(value: object) -> object:
    return "" if value is None else value


def write(codes, sums, counted, credit, day, window, lookback) -> None:
    out = csv.writer(sys.stdout)
    out.writerow(COLUMNS)
    for _, cells, _ in client_rows(codes, sums, counted, credit, day, window, lookback):
        out.writerow(cells)


def client_rows(codes, sums, counted, credit, day, window, lookback):
    """Per client and currency in dunner's order: its key, the CSV cells, and what a grade needs (credit,
    overdue, oldest overdue days, DSO, the days late of the last paid, newest first)."""
    for key in sorted(sums, key=lambda k: (codes[k[0]].lower(), k[1])):
        s = sums[key]
        paid, have = s[4], credit.get(key, 0) - s[16]
        outstanding, overdue = s[0] - have, max(s[1] - have, 0)
        oldest = (day - date.fromisoformat(s[2])).days if s[2] and overdue else 0
        now, before = ratio(s[11], s[12]), ratio(s[13], s[14])
        if now is None or before is None:
            trend, change = "unknown", None
        else:
            change = now - before
            trend = "steady" if abs(change) <= 2 else "worse" if change > 0 else "better"
        recent = sorted(s[15], reverse=True)[:lookback]
        dso = ratio(max(outstanding, 0) * window, s[3]) if s[3] > 0 else None
        cells = (
            codes[key[0]], key[1], counted[key], paid, s[5], cell(ratio(s[5], paid, "0.01")), cell(ratio(s[6], paid)),
            cell(ratio(s[8], s[9])), cell(s[7]), cell(ratio(s[10], paid)), cell(dso), amount(have),
            amount(outstanding), amount(overdue), oldest or "", 0, 0, 0, 0, trend, cell(change),
            " ".join(str(late) for _, _, late in reversed(recent)),
        )  # fmt: skip
        yield key, cells, (have, overdue, oldest, dso, tuple(late for _, _, late in recent))


if __name__ == "__main__":
    main()
