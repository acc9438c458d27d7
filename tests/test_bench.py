"""The back-test script runs (small sizes): it must not rot between the times someone runs it by hand."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_backtest_script_runs():
    out = subprocess.run(
        [sys.executable, str(BENCH / "backtest.py"), "--invoices", "400", "--clients", "20", "--dates", "2"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["as", "of", "expected"]
    assert len(lines) == 4 and lines[-1].startswith("median WAPE over 2 dates: dunner ")
