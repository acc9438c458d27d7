"""The bench scripts run (tiny sizes): they must not rot between the times someone runs them by hand."""

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from dunner.core.policy import BUILTIN

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import baseline_remind  # noqa: E402

from ledger import build  # noqa: E402


def script(*args: str) -> list[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, timeout=300
    ).stdout.splitlines()


def test_backtest_script_runs():
    lines = script(str(BENCH / "backtest.py"), "--invoices", "400", "--clients", "20", "--dates", "2")
    assert lines[0].split()[:3] == ["as", "of", "expected"]
    assert len(lines) == 4 and lines[-1].startswith("median WAPE over 2 dates: dunner ")


def test_benchmark_script_runs():
    lines = script(str(BENCH / "run.py"), "--quick")
    measured = [line for line in lines if "ratio" in line]
    # help, small aging, aging at three sizes, aging as of today, import, remind choosing, remind delivering,
    # remind with PDFs, one PDF, a dry run with PDFs, bank import, bank import again, bank import's memory,
    # then export invoices, export payments and the invoices listing in CSV at two sizes, then stats, forecast
    # and report, each at two sizes and its memory, then the peak memory of 13 commands at two sizes
    assert len(measured) == 43
    assert all(float(line.split("ratio")[1].split()[0]) > 0 for line in measured)
    assert not any("not measured yet" in line for line in lines)
    [startup] = [line for line in lines if "over  python -c 'import typer'" in line]  # interleaved, in ms
    assert re.search(r" over +[+-]\d+ ms ", startup), startup
    assert "messages written by dunner 50, by the baseline 50" in [line.strip() for line in lines]
    # every run with PDFs left 20 messages, each with its PDF; without, none
    with_pdfs = "messages (with a PDF) written by the runs with PDFs (20, 20), without (20, 0)"
    assert with_pdfs in [line.strip() for line in lines]
    # each CSV output row wrote what its floor wrote, byte for byte, and so did stats, forecast and report
    assert sum("dunner and the floor wrote the same" in line for line in lines) == 12
    # dunner read every line and recorded the payments the statement holds, the first time and the second
    # (which added nothing); the baselines read every line
    bank = next(line.strip() for line in lines if line.strip().startswith("lines and payments left by dunner"))
    found = re.fullmatch(
        r"lines and payments left by dunner \[\((\d+), (\d+)\)\], expected \[\((\d+), (\d+)\)\]; after importing"
        r" again \[\((\d+), (\d+)\)\]; lines read by the baselines (\d+) and (\d+)",
        bank,
    )
    assert found, bank
    first, expected, again, read = found.groups()[0:2], found.groups()[2:4], found.groups()[4:6], found.groups()[6:]
    assert first == expected == again and expected[0] == "200" and int(expected[1]) > 100 and read == ("200", "200")


def test_remind_baseline_follows_the_standard_policy():
    """The baseline query picks steps by the standard profile's names, offsets and channels."""
    assert [(s.name, s.offset, s.channel) for s in BUILTIN["standard"].steps] == baseline_remind.STEPS


def test_bench_reminder_history_is_what_daily_runs_leave(tmp_path: Path, dunner):
    """Nothing is left to do the day before the end date; on it, the steps falling due that day."""
    end = date(2026, 11, 23)
    build(tmp_path / "open.db", 300, end, pay=False, reminders=True)
    ledger = str(tmp_path / "open.db")
    before = dunner("--db", ledger, "remind", "--dry-run", "--as-of", str(end - timedelta(days=1)), "--format", "csv")
    on_end = dunner("--db", ledger, "remind", "--dry-run", "--as-of", str(end), "--format", "csv")
    assert before.stdout.splitlines()[1:] == []
    planned = {tuple(line.split(",")[1:3]) for line in on_end.stdout.splitlines()[1:]}
    chosen = script(str(BENCH / "baseline_remind.py"), "choose", ledger, str(end))[1:]
    assert planned and planned == {tuple(line.split(",")[1:3]) for line in chosen}
