"""The baselines (the floors) of the CSV output rows: dunner's own query run with sqlite3 and its rows written with
`csv.writer`, cents and dates straight from the rows.

    python bench/baseline_export.py invoices LEDGER SQL_FILE           # `dunner export invoices`
    python bench/baseline_export.py payments LEDGER SQL_FILE           # `dunner export payments`
    python bench/baseline_export.py listing LEDGER SQL_FILE AS_OF      # `dunner invoices --status all --format csv`

SQL_FILE holds the query dunner runs (bench/export_rows.py writes it from dunner's modules), so the floor reads
exactly what dunner reads. The script writes the same bytes as dunner (the bench checks it): amounts from
integer cents (every bench ledger is in euros), ISO dates as stored, and the leading apostrophe on a text cell
a spreadsheet would run as a formula. It checks nothing else and builds no object a row.

It imports nothing from dunner, so its start-up is Python's and sqlite3's alone.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import sys
from datetime import date

PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def text(value: str | None) -> str:
    if not value:
        return ""
    core = value.lstrip("'")
    risky = core.startswith(("=", "+", "-", "@", "\t", "\r")) and not PLAIN_NUMBER.fullmatch(core)
    return "'" + value if risky else value


def invoices(rows, out) -> None:
    out.writerow(["number", "client", "issued", "due", "currency", "service", "description", "quantity", "unit_price",
                  "vat_rate", "vat_exemption", "category", "delivery_address", "order"])  # fmt: skip
    for r in rows:
        out.writerow((text(r[0]), text(r[1]), r[2], r[3], text(r[4]), r[5] or "", text(r[6]), text(r[7]),
                      amount(r[8]), text(r[9]), text(r[10]), text(r[11]), text(r[12]), text(r[13])))  # fmt: skip


def payments(rows, out, columns) -> None:
    at = {name: n for n, name in enumerate(columns)}
    client, day, cents, cur, method = at["code"], at["received_on"], at["amount_cents"], at["currency"], at["method"]
    ref, invoice, note = at["reference"], at["invoice"], at["note"]
    out.writerow(["client", "date", "amount", "currency", "method", "reference", "invoice", "note"])
    for r in rows:
        out.writerow((text(r[client]), r[day], amount(r[cents]), text(r[cur]), text(r[method]), text(r[ref]),
                      text(r[invoice]), text(r[note])))  # fmt: skip


def listing(rows, out, as_of: str) -> None:
    today = date.fromisoformat(as_of)
    out.writerow(["invoice", "client", "issued", "due", "currency", "total", "paid", "outstanding", "days_overdue",
                  "status"])  # fmt: skip
    for number, code, issued, cur, total, status, status_on, paid, left, next_due, last_due in rows:
        due = next_due or last_due
        if status != "issued" and status_on and status_on <= as_of:
            shown = status.replace("_", " ")
        elif left <= 0:
            shown = "paid"
        else:
            shown = "overdue" if due < as_of else "open"
        late = (today - date.fromisoformat(due)).days if left > 0 else ""
        out.writerow((text(number), text(code), issued, due, text(cur), amount(total), amount(paid), amount(left),
                      late, shown))  # fmt: skip


def main() -> None:
    mode, ledger, sql_file = sys.argv[1:4]
    with open(sql_file, encoding="utf-8") as file:
        sql = file.read()
    conn = sqlite3.connect(ledger)
    out = csv.writer(sys.stdout)
    if mode == "listing":
        listing(conn.execute(sql, {"as_of": sys.argv[4]}), out, sys.argv[4])
    elif mode == "payments":
        cursor = conn.execute(sql)
        payments(cursor, out, [d[0] for d in cursor.description])
    else:
        invoices(conn.execute(sql), out)


if __name__ == "__main__":
    main()
