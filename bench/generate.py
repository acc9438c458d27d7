"""Build a realistic ledger for benchmarks and the forecast back-test (run by hand, not by the tests).

Clients have habits: most pay about on time, some a fortnight late, a few a month or two late, a
handful never pay some invoices; each client's delay varies around its own mean. Invoices are spread
over the two years before --end with 30, 45 or 60-day terms; about half are paid in two parts, so
there are about 1.5 payments per paid invoice. Nothing is paid after --end, which leaves a realistic
mix of open and overdue invoices. The ledger is filled through `dunner import`, the way a user brings
history over, so every row goes through the same checks.

    python bench/generate.py --invoices 5000 --clients 120 --out /tmp/gen   # -> /tmp/gen/ledger.db
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HABITS = [  # (share of clients, mean days late from .. to, spread in days, share of invoices never paid)
    (0.40, (-5, 2), 3, 0.0),
    (0.30, (5, 20), 6, 0.0),
    (0.20, (20, 45), 10, 0.02),
    (0.10, (45, 90), 15, 0.10),
]


@dataclass(frozen=True)
class Client:
    code: str
    terms: int
    mean: float
    spread: float
    default: float


def clients(rng: random.Random, count: int) -> list[Client]:
    result = []
    for n in range(count):
        pick, total, habit = rng.random(), 0.0, HABITS[-1]
        for habit in HABITS:
            total += habit[0]
            if pick <= total:
                break
        _, (low, high), spread, default = habit
        result.append(Client(f"C{n:05}", rng.choice([30, 30, 45, 60]), rng.uniform(low, high), spread, default))
    return result


def write_files(out: Path, invoices: int, count: int, end: date, seed: int) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    people = clients(rng, count)
    weights = [rng.paretovariate(1.5) for _ in people]  # a few big clients, many small ones
    start = end - timedelta(days=730)
    issued = sorted(start + timedelta(days=rng.randrange(730)) for _ in range(invoices))
    paths = out / "clients.csv", out / "invoices.csv", out / "payments.csv"
    with paths[0].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "email", "terms"])
        for c in people:
            w.writerow([c.code, f"Client {c.code}", f"{c.code.lower()}@example.com", c.terms])
    payments = []
    with paths[1].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "client", "issued", "amount"])
        for n, day in enumerate(issued, start=1):
            c = rng.choices(people, weights)[0]
            cents = int(rng.lognormvariate(11.2, 0.9))  # a median around 730.00
            number = f"F-{day.year}-{n:07}"
            w.writerow([number, c.code, day.isoformat(), f"{cents // 100}.{cents % 100:02d}"])
            if rng.random() < c.default:
                continue
            paid_on = day + timedelta(days=c.terms + round(rng.gauss(c.mean, c.spread)))
            paid_on = max(paid_on, day)
            parts = [cents] if rng.random() < 0.5 else [cents // 2, cents - cents // 2]
            for k, part in enumerate(parts):
                when = paid_on - timedelta(days=(len(parts) - 1 - k) * rng.randrange(5, 30))
                when = max(when, day)
                if when <= end:
                    payments.append((when, c.code, part, number, f"P{n:07}-{k}"))
    payments.sort()
    with paths[2].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["client", "date", "amount", "invoice", "reference"])
        for when, code, part, number, ref in payments:
            w.writerow([code, when.isoformat(), f"{part // 100}.{part % 100:02d}", number, ref])
    return paths


def generate(out: Path, invoices: int = 5000, count: int = 120, end: date = date(2026, 11, 23), seed: int = 1) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "ledger.db"
    if db.exists():
        db.unlink()
    from dunner.setup.init import create_ledger

    create_ledger(str(db))  # as `dunner init` does: no other command creates a ledger --db names
    for what, path in zip(
        ("clients", "invoices", "payments"), write_files(out, invoices, count, end, seed), strict=True
    ):
        subprocess.run(
            [sys.executable, "-m", "dunner", "--db", str(db), "import", what, str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=120)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(generate(args.out, args.invoices, args.clients, args.end, args.seed))


if __name__ == "__main__":
    main()
