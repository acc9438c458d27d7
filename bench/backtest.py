"""Back-test `dunner forecast`: forecasts made at past dates against what actually came in.

Builds the generated ledger (bench/generate.py), then for a series of past as-of dates runs the
forecast with --backtest and prints, per date, the error (WAPE over the weeks) of dunner's forecast
(due dates shifted by each client's lateness) and of the forecast that trusts due dates, then the
medians. Run by hand:

    python bench/backtest.py                       # 5,000 invoices, 120 clients, 12 dates
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.insight.forecast import forecast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=120)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--dates", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    end = date(2026, 11, 23)
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(str(generate(Path(tmp), args.invoices, args.clients, end, args.seed)))
        ours, naive = [], []
        print(
            f"{'as of':<12}{'expected':>14}{'came in':>14}{'WAPE dunner':>14}{'WAPE due dates':>16}"
            f"{'at risk':>14}{'of it came in':>15}"
        )
        for k in range(args.dates):
            as_of = end - timedelta(days=7 * args.weeks + 14 * k)
            result = forecast(ledger, Config(), as_of, args.weeks, backtest=True)
            weeks = [r for r in result.rows if r["period"].startswith("week-")]
            expected = sum(r["expected"].minor for r in weeks) / 100
            actual = sum(r["actual"].minor for r in weeks) / 100
            mine, theirs = result.errors["EUR"]
            risk = next(r for r in result.rows if r["period"] == "at-risk")
            ours.append(mine)
            naive.append(theirs)
            print(
                f"{as_of.isoformat():<12}{expected:>14,.2f}{actual:>14,.2f}{mine:>13} %{theirs:>15} %"
                f"{risk['expected'].minor / 100:>14,.2f}{risk['actual'].minor / 100:>15,.2f}"
            )
        print(
            f"median WAPE over {args.dates} dates: dunner {statistics.median(ours)} %,"
            f" due dates {statistics.median(naive)} %"
        )
        ledger.close()


if __name__ == "__main__":
    main()
