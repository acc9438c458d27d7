"""The memory rows of bench/run.py (issue 15 item 2): every reading command run once on the 100k and the 1M
ledgers, its time and peak memory at both sizes, and the growth of its peak (goal: at most 1.3x). The commands
that have a floor have their time rows elsewhere (aging, export, stats, forecast, report, bank, import); here
each is run the way a user runs it, output included.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from measure import DUNNER, END, RESULTS, run

GOAL = 1.3


def commands(ledger: Path) -> dict[str, list[str]]:
    """What is measured, by name: the listings, the reports and a dry run, as of the bench's day."""
    day = ["--as-of", END.isoformat()]
    csv = ["--format", "csv"]
    with sqlite3.connect(ledger) as conn:  # the client with the most invoices: the longest statement
        [biggest] = conn.execute(
            "SELECT c.code FROM client c JOIN invoice v ON v.client_id = c.id GROUP BY c.id"
            " ORDER BY COUNT(*) DESC, c.code LIMIT 1"
        ).fetchone()
    return {
        "aging": ["aging", *csv, *day],
        "aging --by invoice": ["aging", "--by", "invoice", *csv, *day],
        "invoices --status all": ["invoices", "--status", "all", *csv, *day],
        "clients": ["clients", *csv],
        "client BIGGEST (statement)": ["client", biggest, *csv, *day],
        "history BIGGEST": ["history", biggest, *csv],
        "export invoices": ["export", "invoices"],
        "export payments": ["export", "payments"],
        "stats": ["stats", *csv, *day],
        "forecast": ["forecast", *csv, *day],
        "report --html -": ["report", "--html", "-", *day],
        "agenda": ["agenda", *day],
        "remind --dry-run": ["remind", "--dry-run", *csv, *day],
    }


def memory_rows(folder: Path, ledgers: dict[int, Path]) -> None:
    config = folder / "memory.toml"
    config.write_text('[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\n', encoding="utf-8")
    small, big = min(ledgers), max(ledgers)
    names = commands(ledgers[big])
    argv = {size: commands(ledger) for size, ledger in ledgers.items()}
    for name in names:
        measured = {size: run([*DUNNER, "--config", str(config), "--db", str(ledgers[size]), *argv[size][name]])
                    for size in (small, big)}  # fmt: skip
        (fast, low), (slow, high) = measured[small], measured[big]
        ratio = high / low
        verdict = "met" if ratio <= GOAL else f"MISSED by {ratio / GOAL - 1:.0%}"
        what = f"{name}: peak memory, {big:,} vs {small:,} invoices"
        RESULTS.append((what, f"{high / 1024:.0f} MB / {low / 1024:.0f} MB", slow, fast, f"{ratio:.2f}", verdict))
        print(f"{what:<58} {high / 1024:5.0f} MB {low / 1024:5.0f} MB  ratio {ratio:5.2f}  {verdict}"
              f"  ({slow:.2f} s / {fast:.2f} s)", flush=True)  # fmt: skip
