"""The bench scripts run (tiny sizes): they must not rot between the times someone runs them by hand."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


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
    assert len(measured) == 7  # help, small aging, aging at three sizes, aging as of today, import
    assert all(float(line.split("ratio")[1].split()[0]) > 0 for line in measured)
    assert sum("not measured yet" in line for line in lines) == 2
