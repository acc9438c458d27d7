"""How bench/run.py measures: whole processes timed by a wrapper, medians, ratios against a baseline."""

from __future__ import annotations

import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
END = date(2026, 11, 23)
AS_OF_CSV = ["--as-of", END.isoformat(), "--format", "csv"]
PYTHON = sys.executable
DUNNER = [PYTHON, "-m", "dunner"]
# Times its only child from spawn to exit and reads its peak memory: the wrapper's own start-up (30 to
# 40 ms here) is not counted, which would add the same constant to both sides of every ratio.
WRAPPER = (
    "import resource, subprocess, sys, time;"
    "started = time.perf_counter();"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True);"
    "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(argv: list[str]) -> tuple[float, int]:
    """Seconds and peak resident memory (KB) of one process."""
    out = subprocess.run([PYTHON, "-c", WRAPPER, *argv], capture_output=True, text=True, check=True).stdout
    seconds, peak = out.strip().splitlines()[-1].split()
    return float(seconds), int(peak)


def median_of(argv: list[str], runs: int, before=None) -> tuple[float, int]:
    times, peak = [], 0
    for _ in range(runs):
        if before:
            before()
        seconds, rss = run(argv)
        times.append(seconds)
        peak = max(peak, rss)
    return statistics.median(times), peak


RESULTS: list[tuple[str, str, float | None, float | None, str, str]] = []


def compare(what: str, ours: list[str], base: list[str], goal: float, runs: int, before=None, memory_goal=None):
    ours_s, ours_kb = median_of(ours, runs, before)
    base_s, _ = median_of(base, runs, before)
    ratio = ours_s / base_s
    verdict = "met" if ratio <= goal else f"MISSED by {ratio / goal - 1:.0%}"
    note = f"ratio <= {goal}"
    if memory_goal is not None:
        mb = ours_kb / 1024
        note += f", peak {mb:.0f} MB (goal <= {memory_goal} MB)"
        if mb > memory_goal:
            verdict += "; memory MISSED"
    RESULTS.append((what, f"{ours_s:.3f} s / {base_s:.3f} s", ours_s, base_s, f"{ratio:.2f} ({note})", verdict))
    memory = f"  peak {ours_kb / 1024:.0f} MB" if memory_goal is not None else ""
    print(f"{what:<58} {ours_s:8.3f} s {base_s:8.3f} s  ratio {ratio:5.2f}{memory}  {verdict}", flush=True)


def interleaved(ours: list[str], base: list[str], runs: int) -> tuple[float, float]:
    """Medians of `runs` runs of each, taken in turn (ours, base, ours...): a load that comes and goes
    weighs on both sides alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for side, argv in zip(times, (ours, base), strict=True):
            side.append(run(argv)[0])
    return statistics.median(times[0]), statistics.median(times[1])


def over(what: str, ours: list[str], base: list[str], goal_ms: float, runs: int) -> None:
    """A row whose goal is a time over the baseline's (start-up: at most `goal_ms` more)."""
    ours_s, base_s = interleaved(ours, base, runs)
    extra = (ours_s - base_s) * 1000
    verdict = "met" if extra <= goal_ms else f"MISSED by {extra - goal_ms:.0f} ms"
    note = f"+{extra:.0f} ms (goal <= +{goal_ms:.0f} ms)"
    RESULTS.append((what, f"{ours_s:.3f} s / {base_s:.3f} s", ours_s, base_s, note, verdict))
    print(f"{what:<58} {ours_s:8.3f} s {base_s:8.3f} s  over {extra:+5.0f} ms  {verdict}", flush=True)
