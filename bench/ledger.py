"""Large ledgers for the benchmark, written straight into SQLite (importing a million rows through the
checks would take longer than the measurements themselves).

Same habits as generate.py: invoices spread over the two years before `end`, 30/45/60-day terms,
clients paying on time or late by their own habit, about 1.5 payments per invoice (half paid in
two parts), some never paid, nothing paid after `end`. The schema comes from dunner itself
(`Ledger.open` runs the migrations), so the rows are what dunner would have written.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from generate import clients as habits

NOW = "2026-01-01T00:00:00Z"
ADDRESS = "5 avenue de la République\n75011 Paris"
# A business every invoice of these ledgers can be printed for (bench rows that make PDFs).
BUSINESS = (
    '[business]\nname = "Atelier Bench"\nlegal_form = "EI"\naddress = "12 rue des Lilas\\n69003 Lyon"\n'
    'registration = "73282932000074"\nvat_number = "FR44732829320"\niban = "FR76 3000 6000 0112 3456 7890 189"\n'
    'bic = "AGRIFRPP"\nemail = "factures@bench.example"\n'
)


def siren(n: int) -> str:
    """A SIREN with a good Luhn key for client `n`."""
    body = f"{n:08}"
    for key in range(10):
        digits = [int(d) for d in body + str(key)]
        total = sum(d if i % 2 == 0 else (2 * d if d < 5 else 2 * d - 9) for i, d in enumerate(digits))
        if total % 10 == 0:
            return body + str(key)
    raise AssertionError("a Luhn key always exists")


def build(
    path: Path,
    invoices: int,
    end: date = date(2026, 11, 23),
    seed: int = 1,
    *,
    pay: bool = True,
    reminders: bool = False,
    clients: int | None = None,
) -> dict[str, int]:
    """Write a ledger of `invoices` invoices (one client per 100, or `clients`) at `path`; return the row counts.

    Every client has an address and a SIREN, every invoice one line at 20 % VAT: each invoice can be
    printed (with a complete `[business]`, see `BUSINESS`).

    With `pay=False` nothing is paid: every instalment is open (the dunning benchmarks). With
    `reminders`, each instalment also has the reminder rows that `dunner remind` run every day until
    the day before `end` would have left under the built-in standard policy.
    """
    from dunner.edges.storage import open_ledger

    if reminders and pay:
        raise ValueError("a reminder history is only written for a ledger where nothing is paid (pay=False)")
    if path.exists():
        path.unlink()
    open_ledger(str(path), create=True).close()
    rng = random.Random(seed)
    people = habits(rng, clients or max(10, invoices // 100))
    cumulative, total = [], 0.0
    for _ in people:  # a few big clients, many small ones (cumulative weights: a bisect per draw)
        total += rng.paretovariate(1.5)
        cumulative.append(total)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO client (id, code, name, email, language, currency, terms_days, created_at, address,"
        " registration) VALUES (?, ?, ?, ?, 'fr', 'EUR', ?, ?, ?, ?)",
        [
            (n, c.code, f"Client {c.code}", f"{c.code.lower()}@example.com", c.terms, NOW, ADDRESS, siren(n))
            for n, c in enumerate(people, 1)
        ],
    )
    start = end - timedelta(days=730)
    days = sorted(rng.randrange(730) for _ in range(invoices))
    counts = {"invoices": 0, "payments": 0, "reminders": 0}
    batch: dict[str, list[tuple]] = {
        name: [] for name in ("invoice", "invoice_line", "instalment", "payment", "allocation", "reminder")
    }
    pid = 0
    for n, offset in enumerate(days, start=1):
        issued = start + timedelta(days=offset)
        who = rng.choices(range(len(people)), cum_weights=cumulative)[0]
        c = people[who]
        cents = max(100, int(rng.lognormvariate(11.2, 0.9)))
        due = issued + timedelta(days=c.terms)
        net = cents * 5 // 6  # 20 % VAT: the total is what the client owes
        batch["invoice"].append((n, f"F-{n:07}", who + 1, issued.isoformat(), net, cents - net, cents, NOW))
        batch["invoice_line"].append((n, net, net))
        batch["instalment"].append((n, n, due.isoformat(), cents))
        if reminders:
            batch["reminder"] += history(n, issued, due, end)
        if pay and rng.random() >= c.default:
            paid_on = max(issued, due + timedelta(days=round(rng.gauss(c.mean, c.spread))))
            parts = [cents] if rng.random() < 0.5 else [cents // 2, cents - cents // 2]
            for k, part in enumerate(parts):
                when = max(issued, paid_on - timedelta(days=(len(parts) - 1 - k) * rng.randrange(5, 30)))
                if when > end:
                    continue
                pid += 1
                day = when.isoformat()
                batch["payment"].append((pid, who + 1, day, part, f"P{pid:08}", NOW))
                batch["allocation"].append((pid, pid, n, part, day, NOW))
        if len(batch["invoice"]) >= 50_000 or n == invoices:
            _flush(conn, batch, counts)
    conn.commit()
    conn.execute("PRAGMA optimize")
    conn.close()
    return counts


def _flush(conn: sqlite3.Connection, batch: dict[str, list[tuple]], counts: dict[str, int]) -> None:
    conn.executemany(
        "INSERT INTO invoice (id, number, client_id, issued_on, currency, net_cents, vat_cents, total_cents,"
        " created_at) VALUES (?, ?, ?, ?, 'EUR', ?, ?, ?, ?)",
        batch["invoice"],
    )
    conn.executemany(
        "INSERT INTO invoice_line (invoice_id, position, description, quantity, unit_price_cents, vat_rate,"
        " net_cents) VALUES (?, 1, 'Prestations', '1', ?, '20', ?)",
        batch["invoice_line"],
    )
    conn.executemany(
        "INSERT INTO instalment (id, invoice_id, seq, due_on, amount_cents) VALUES (?, ?, 1, ?, ?)", batch["instalment"]
    )
    conn.executemany(
        "INSERT INTO payment (id, client_id, received_on, amount_cents, currency, method, reference, created_at)"
        " VALUES (?, ?, ?, ?, 'EUR', 'transfer', ?, ?)",
        batch["payment"],
    )
    conn.executemany(
        "INSERT INTO allocation (id, payment_id, instalment_id, amount_cents, applied_on, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        batch["allocation"],
    )
    conn.executemany(
        "INSERT INTO reminder (instalment_id, step, channel, planned_on, status, attempts, message_id, created_at,"
        " updated_at, acted_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch["reminder"],
    )
    counts["invoices"] += len(batch["invoice"])
    counts["reminders"] += len(batch["reminder"])
    counts["payments"] += len(batch["payment"])
    for rows in batch.values():
        rows.clear()


def history(instalment: int, issued: date, due: date, end: date) -> list[tuple]:
    """The reminder rows of an unpaid instalment after a daily run until the day before `end`.

    Under the standard profile each step is acted on the day it falls due: its overdue steps are at
    least `min_days_between` (7) days apart, so none waits for the gap. A step dated before the invoice
    was issued is skipped.
    """
    from dunner.core.policy import BUILTIN

    rows = []
    for step in BUILTIN["standard"].steps:
        when = due + timedelta(days=step.offset)
        if when >= end:
            break
        status = "skipped" if when < issued else "sent" if step.channel == "email" else "task"
        sent = status == "sent"
        day = when.isoformat()
        message_id = f"<bench.{instalment}.{step.name}@bench.example>" if sent else None
        rows.append((instalment, step.name, step.channel, day, status, int(sent), message_id, NOW, NOW, day))
    return rows
