"""The `dunner stats` rows of bench/run.py (issue 15 items 1 and 2): stats against its floor
(`baseline_stats.py`: one GROUP BY pass through allocation's covering index plus the figures added up in
Python) at each size, after checking that the floor's CSV is dunner's cell for cell (grade and reasons aside),
and the peak memory at the largest size against the smallest.
"""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from measure import BENCH, DUNNER, END, PYTHON, RESULTS, compare, run

GOAL = 1.5


def stats_rows(folder: Path, ledgers: dict[int, Path], runs: int) -> None:
    from dunner.edges.config import load
    from dunner.insight.stats import DEFAULT_WINDOW, grading

    config = folder / "stats.toml"
    config.write_text('[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\n', encoding="utf-8")
    lookback = grading(load(config)).lookback
    day = END.isoformat()
    peaks = {}
    for size, ledger in ledgers.items():
        ours = [*DUNNER, "--config", str(config), "--db", str(ledger), "stats", "--format", "csv", "--as-of", day]
        floor = [PYTHON, str(BENCH / "baseline_stats.py"), str(ledger), day, str(DEFAULT_WINDOW), str(lookback)]
        same(f"stats, {size:,} invoices", ours, floor)
        compare(f"stats --format csv, {size:,} invoices  vs  one GROUP BY pass + Python", ours, floor, GOAL, runs)
        peaks[size] = run(ours)[1]
    small, big = min(peaks), max(peaks)
    ratio = peaks[big] / peaks[small]
    verdict = "met" if ratio <= 1.3 else f"MISSED by {ratio / 1.3 - 1:.0%}"
    what = f"stats peak memory, {big:,} invoices  vs  {small:,}"
    RESULTS.append((what, f"{peaks[big] / 1024:.0f} MB / {peaks[small] / 1024:.0f} MB", None, None, f"{ratio:.2f}",
                    verdict))  # fmt: skip
    print(f"{what:<58} {peaks[big] / 1024:6.0f} MB {peaks[small] / 1024:6.0f} MB  ratio {ratio:5.2f}  {verdict}")


def same(what: str, ours: list[str], floor: list[str]) -> None:
    """The floor's cells are dunner's (dunner's grade and reasons left out), or the row is not measured."""
    tables = [
        list(csv.DictReader(io.StringIO(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)))
        for argv in (ours, floor)
    ]
    mine = [{key: row[key] for key in tables[1][0]} if tables[1] else row for row in tables[0]]
    if mine != tables[1]:
        raise SystemExit(f"{what}: dunner and its floor disagree on the figures")
    print(f"  {what}: dunner and the floor wrote the same figures for {len(mine):,} clients", flush=True)
