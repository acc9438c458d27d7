"""The rows of `dunner stats`, `dunner forecast` and `dunner report` in bench/run.py (issue 15 items 1 and 2): each
against its floor at each size, after checking that the floor writes dunner's figures, and its peak memory at the
largest size against the smallest.

The floors share one pass (bench/baseline_stats.py: one GROUP BY through allocation's covering index, the
instalments read once, the figures added up in Python): baseline_forecast.py places the open instalments it kept,
baseline_report.py adds the aging and writes the page. Before a row is timed, its floor's output is compared with
dunner's: stats cell for cell (dunner's grade and reasons aside), the forecast byte for byte, and the report's
figures (aging, stats with grades and reasons, forecast) byte for byte with the three commands whose services
the report calls.
"""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from pathlib import Path

from measure import BENCH, DUNNER, END, PYTHON, RESULTS, compare, run

GOAL = 1.5
WEEKS = 8


def insight_rows(folder: Path, ledgers: dict[int, Path], runs: int, commands: set[str]) -> None:
    """The rows of the chosen commands ("stats", "forecast", "report") at each size of `ledgers`."""
    from dunner.edges.config import load
    from dunner.insight.stats import DEFAULT_WINDOW, grading

    config = folder / "stats.toml"
    config.write_text('[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\n', encoding="utf-8")
    lookback = grading(load(config)).lookback
    day = END.isoformat()
    for command in ("stats", "forecast", "report"):
        if command not in commands:
            continue
        peaks = {}
        for size, ledger in ledgers.items():
            ours = [*DUNNER, "--config", str(config), "--db", str(ledger), command, "--as-of", day]
            window = str(DEFAULT_WINDOW)
            if command == "stats":
                ours += ["--format", "csv"]
                floor = [PYTHON, str(BENCH / "baseline_stats.py"), str(ledger), day, window, str(lookback)]
                same_stats(f"stats, {size:,} invoices", ours, floor)
                what = "stats --format csv"
            elif command == "forecast":
                ours += ["--format", "csv", "--weeks", str(WEEKS)]
                floor = [PYTHON, str(BENCH / "baseline_forecast.py"), str(ledger), day, str(WEEKS), window]
                same_bytes(f"forecast, {size:,} invoices", ours, floor)
                what = "forecast --format csv"
            else:
                ours += ["--weeks", str(WEEKS), "--html", "-"]
                floor = [PYTHON, str(BENCH / "baseline_report.py"), str(ledger), day, str(WEEKS), window]
                same_report(f"report, {size:,} invoices", [*DUNNER, "--config", str(config), "--db", str(ledger)],
                            floor)  # fmt: skip
                what = "report --html"
            compare(f"{what}, {size:,} invoices  vs  one GROUP BY pass + Python", ours, floor, GOAL, runs)
            peaks[size] = run(ours)[1]
        growth(command, peaks)


def growth(command: str, peaks: dict[int, int]) -> None:
    """The peak memory at the largest size against the smallest (goal: 1.3x)."""
    small, big = min(peaks), max(peaks)
    ratio = peaks[big] / peaks[small]
    verdict = "met" if ratio <= 1.3 else f"MISSED by {ratio / 1.3 - 1:.0%}"
    what = f"{command} peak memory, {big:,} invoices  vs  {small:,}"
    RESULTS.append((what, f"{peaks[big] / 1024:.0f} MB / {peaks[small] / 1024:.0f} MB", None, None, f"{ratio:.2f}",
                    verdict))  # fmt: skip
    print(f"{what:<58} {peaks[big] / 1024:6.0f} MB {peaks[small] / 1024:6.0f} MB  ratio {ratio:5.2f}  {verdict}")


def output(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def same_stats(what: str, ours: list[str], floor: list[str]) -> None:
    """The floor's cells are dunner's (dunner's grade and reasons left out), or the row is not measured."""
    tables = [list(csv.DictReader(io.StringIO(output(argv)))) for argv in (ours, floor)]
    mine = [{key: row[key] for key in tables[1][0]} if tables[1] else row for row in tables[0]]
    if mine != tables[1]:
        raise SystemExit(f"{what}: dunner and its floor disagree on the figures")
    print(f"  {what}: dunner and the floor wrote the same figures for {len(mine):,} clients", flush=True)


def same_bytes(what: str, ours: list[str], floor: list[str]) -> None:
    if output(ours) != output(floor):
        raise SystemExit(f"{what}: dunner and its floor wrote different CSV")
    print(f"  {what}: dunner and the floor wrote the same CSV", flush=True)


def same_report(what: str, dunner: list[str], floor: list[str]) -> None:
    """The figures the floor's page shows are those of dunner's aging, stats and forecast as of the same day."""
    day = ["--as-of", END.isoformat(), "--format", "csv"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*floor, tmp], check=True)
        for name, extra in (("aging", []), ("stats", []), ("forecast", ["--weeks", str(WEEKS)])):
            if output([*dunner, name, *day, *extra]) != (Path(tmp) / f"{name}.csv").read_text(encoding="utf-8"):
                raise SystemExit(f"{what}: the floor's {name} is not dunner's")
    print(f"  {what}: dunner and the floor wrote the same aging, stats and forecast", flush=True)
