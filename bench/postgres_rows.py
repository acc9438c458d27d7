"""The PostgreSQL rows of bench/run.py (issue 15 item 5): the largest bench ledger copied into PostgreSQL with
`dunner copy` (which proves the totals equal), then the streamed reports run on each database, PostgreSQL
against SQLite (goal: aging by invoice within 2x). Run on its own, against an empty database:

    bash .ci/postgres .venv/bin/python bench/run.py --only postgres

(.ci/postgres starts a throw-away server and names its empty database in $DUNNER_TEST_POSTGRES; any other
empty database can be named in $DUNNER_BENCH_POSTGRES.)
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from measure import AS_OF_CSV, DUNNER, compare

ROWS = {  # what is compared, its arguments and its goal (PostgreSQL's time / SQLite's)
    "aging --by invoice": (["aging", "--by", "invoice", *AS_OF_CSV], 2),
    "aging": (["aging", *AS_OF_CSV], 2),
    "stats": (["stats", *AS_OF_CSV], 2),
}


def postgres_rows(folder: Path, ledger: Path, size: int, runs: int) -> None:
    url = os.environ.get("DUNNER_BENCH_POSTGRES") or os.environ.get("DUNNER_TEST_POSTGRES")
    if not url:
        raise SystemExit(
            "the postgres rows need an empty database: set DUNNER_BENCH_POSTGRES (or run under .ci/postgres)"
        )
    config = folder / "postgres.toml"
    config.write_text('[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\n', encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([*DUNNER, "--config", str(config), "--db", str(ledger), "copy", "--to", url], check=True,
                   capture_output=True)  # fmt: skip
    print(f"copied {size:,} invoices into PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
    for name, (args, goal) in ROWS.items():
        on = {db: [*DUNNER, "--config", str(config), "--db", db, *args] for db in (url, str(ledger))}
        same = subprocess.run(on[url], capture_output=True, check=True).stdout
        if same != subprocess.run(on[str(ledger)], capture_output=True, check=True).stdout:
            raise SystemExit(f"{name}: PostgreSQL and SQLite wrote different CSV")
        print(f"  {name}, {size:,} invoices: PostgreSQL and SQLite wrote the same {len(same):,} bytes", flush=True)
        compare(f"{name}, {size:,} invoices, PostgreSQL  vs  SQLite", on[url], on[str(ledger)], goal, runs)
