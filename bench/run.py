"""The benchmark: each measurement against its baseline (the limit) in the same run, medians and ratios.

Run by hand, not by the test suite (a smoke version runs there with --quick):

    python bench/run.py                 # ledgers of 10k, 100k and 1M invoices; several minutes
    python bench/run.py --quick         # tiny ledgers, one run each: checks the script works

Every measurement is a whole process (start-up included), timed by a wrapper from spawn to exit, its
peak memory read from the kernel (ru_maxrss of the wrapper's only child). Ratios compare medians taken
in the same run, so the machine's noise mostly cancels out.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bank_rows import bank_import
from export_rows import export_rows
from insight_rows import insight_rows
from measure import AS_OF_CSV, BENCH, DUNNER, END, PYTHON, compare, over
from memory_rows import memory_rows
from pdf_rows import pdf_rows
from postgres_rows import postgres_rows

import dunner
from ledger import build


def baseline_aging(folder: Path, ledger: Path, as_of: date) -> Path:
    """A plain script running dunner's own aging query through sqlite3 and writing the same CSV."""
    from dunner.core.buckets import Buckets
    from dunner.ledger.aging import client_sql

    sql, params = client_sql(as_of, Buckets.parse("30,60,90"))
    script = folder / "baseline_aging.py"
    script.write_text(
        "import csv, sqlite3, sys\n"
        f"SQL = {sql!r}\nPARAMS = {params!r}\n"
        "def amount(cents):\n"
        "    sign = '-' if cents < 0 else ''\n"
        "    return f'{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}'\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "out = csv.writer(sys.stdout)\n"
        "out.writerow(['client', 'currency', 'credit', 'current', '1-30', '31-60', '61-90', '91+', 'total'])\n"
        "for row in conn.execute(SQL, PARAMS):\n"
        "    buckets = list(row[3:])\n"
        "    out.writerow([row[0], row[1], amount(row[2]), *map(amount, buckets), amount(sum(buckets) - row[2])])\n",
        encoding="utf-8",
    )
    return script


def import_files(folder: Path, count: int) -> tuple[Path, Path]:
    clients = folder / "clients.csv"
    invoices = folder / "invoices.csv"
    with clients.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "email", "terms"])
        for n in range(max(10, count // 100)):
            w.writerow([f"C{n:05}", f"Client {n}", f"c{n}@example.com", 30])
    with invoices.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "client", "issued", "amount"])
        for n in range(count):
            day = END - timedelta(days=730 - n * 730 // count)
            w.writerow(
                [f"F-{n:07}", f"C{n % max(10, count // 100):05}", day.isoformat(), f"{100 + n % 5000}.{n % 100:02d}"]
            )
    return clients, invoices


def baseline_import(folder: Path) -> Path:
    """executemany of the same rows dunner writes (invoice, its line, its instalment) in one transaction,
    reading the same CSV. Plain sqlite3: no checks, foreign keys off (sqlite3's default; dunner's are on)."""
    script = folder / "baseline_import.py"
    script.write_text(
        "import csv, sqlite3, sys\n"
        "from datetime import date, timedelta\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "ids = dict(conn.execute('SELECT code, id FROM client'))\n"
        "invoices, lines, instalments = [], [], []\n"
        "start = conn.execute('SELECT COALESCE(MAX(id), 0) FROM invoice').fetchone()[0]\n"
        "for n, row in enumerate(csv.DictReader(open(sys.argv[2], newline='')), start=start + 1):\n"
        "    cents = int(row['amount'].replace('.', ''))\n"
        "    due = (date.fromisoformat(row['issued']) + timedelta(days=30)).isoformat()\n"
        "    invoices.append((n, row['number'], ids[row['client']], row['issued'], cents, cents, 'x', row['issued']))\n"
        "    lines.append((n, cents, cents))\n"
        "    instalments.append((n, n, due, cents))\n"
        "with conn:\n"
        '    conn.executemany("INSERT INTO invoice (id, number, client_id, issued_on, currency, net_cents,'
        " total_cents, created_at, service_on) VALUES (?, ?, ?, ?, 'EUR', ?, ?, ?, ?)\", invoices)\n"
        '    conn.executemany("INSERT INTO invoice_line (invoice_id, position, description, quantity,'
        " unit_price_cents, net_cents) VALUES (?, 1, 'Prestations', '1', ?, ?)\", lines)\n"
        "    conn.executemany('INSERT INTO instalment (id, invoice_id, seq, due_on, amount_cents)"
        " VALUES (?, ?, 1, ?, ?)', instalments)\n",
        encoding="utf-8",
    )
    return script


def remind_config(folder: Path, name: str, group: str) -> Path:
    """A config that delivers to a Maildir, without QR codes or PDFs (the baseline makes neither)."""
    config = folder / f"{name}.toml"
    config.write_text(
        '[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\n\n'
        f'[mail]\ntransport = "maildir"\nmaildir = "{name}-outbox"\n\n'
        f'[dunning]\nattach_pdf = false\ngroup = "{group}"\n',
        encoding="utf-8",
    )
    return config


def remind_choose(folder: Path, count: int, runs: int) -> None:
    """A dry run over `count` open instalments with a daily run's history: what is due today."""
    ledger = folder / f"open-{count}.db"
    build(ledger, count, END, pay=False, reminders=True)
    config = remind_config(folder, "remind-choose", "client")
    compare(
        f"remind choosing the due steps among {count:,} open instalments  vs  one raw SQL query",
        [*DUNNER, "--config", str(config), "--db", str(ledger), "remind", "--dry-run", *AS_OF_CSV],
        [PYTHON, str(BENCH / "baseline_remind.py"), "choose", str(ledger), END.isoformat()],
        2,
        runs,
    )


def remind_deliver(folder: Path, count: int, runs: int) -> None:
    """`count` instalments all due for their first reminder, one message each, written to a Maildir."""
    from dunner.edges.resources import templates_dir

    pristine, ledger = folder / f"due-{count}.db", folder / "deliver.db"
    build(pristine, count, END - timedelta(days=70), pay=False)  # every invoice at least 10 days late
    config = remind_config(folder, "remind-deliver", "invoice")
    outbox = folder / "remind-deliver-outbox"
    shutil.rmtree(outbox, ignore_errors=True)  # left by an earlier run in a --keep folder
    written: list[int] = []  # messages each run left in the Maildir: dunner's runs, then the baseline's

    def fresh() -> None:
        if outbox.exists():
            written.append(len(list((outbox / "new").iterdir())))
        for extra in (Path(f"{ledger}-wal"), Path(f"{ledger}-shm")):
            extra.unlink(missing_ok=True)
        shutil.copyfile(pristine, ledger)
        shutil.rmtree(outbox, ignore_errors=True)

    compare(
        f"remind delivering {count:,} reminders to a Maildir  vs  jinja2 + mailbox",
        [*DUNNER, "--config", str(config), "--db", str(ledger), "remind", *AS_OF_CSV],
        [
            PYTHON,
            str(BENCH / "baseline_remind.py"),
            "deliver",
            str(ledger),
            END.isoformat(),
            str(templates_dir()),
            str(outbox),
        ],
        1.5,
        runs,
        before=fresh,
    )
    fresh()
    print(f"  messages written by dunner {written[0]:,}, by the baseline {written[-1]:,}", flush=True)


GROUPS = ("startup", "aging", "import", "remind", "pdf", "bank", "export", "stats", "forecast", "report", "memory")
ON_REQUEST = ("postgres",)  # run only when named with --only (it needs a database server)


TYPER = [PYTHON, "-c", "import typer"]


def startup_rows(folder: Path, runs: int) -> None:
    small = folder / "ledger-100.db"
    build(small, 100, END)
    compare(
        "dunner --help  vs  python -c 'import typer'",
        [*DUNNER, "--help"],
        TYPER,
        1.3,
        max(runs, 5),
    )
    # Issue 15 item 8: interleaved, medians of 15, a data command at most 25 ms over importing typer.
    aging_csv = [*DUNNER, "--db", str(small), "aging", "--format", "csv", "--as-of", END.isoformat()]
    over("aging --format csv, 100 invoices  over  python -c 'import typer'", aging_csv, TYPER, 25, max(runs, 15))
    aging = baseline_aging(folder, small, END)
    compare(
        "aging --format csv, 100 invoices (process)  vs  sqlite3 script",
        [*DUNNER, "--db", str(small), "aging", "--format", "csv", "--as-of", END.isoformat()],
        [PYTHON, str(aging), str(small)],
        3,
        max(runs, 5),
    )


_BUILT: set[Path] = set()


def ledger_of(folder: Path, size: int) -> Path:
    """The benchmark ledger of `size` invoices in `folder`, built (again) the first time a group of this run
    asks for it."""
    path = folder / f"ledger-{size}.db"
    if path not in _BUILT:
        _BUILT.add(path)
        started = time.perf_counter()
        counts = build(path, size, END)
        print(f"built {size:,} invoices, {counts['payments']:,} payments in {time.perf_counter() - started:.0f} s")
    return path


def aging_rows(folder: Path, sizes: list[int], runs: int) -> None:
    ledgers = {size: ledger_of(folder, size) for size in sizes}
    past = END - timedelta(days=180)
    for size in sizes:
        script = baseline_aging(folder, ledgers[size], past)
        compare(
            f"aging by client, {size:,} invoices, as of {past}  vs  raw SQL",
            [*DUNNER, "--db", str(ledgers[size]), "aging", "--format", "csv", "--as-of", past.isoformat()],
            [PYTHON, str(script), str(ledgers[size])],
            1.5,
            runs,
            memory_goal=150,
        )
    big = sizes[-1]
    compare(
        f"aging by client, {big:,} invoices, as of today  vs  one pass over invoices",
        [*DUNNER, "--db", str(ledgers[big]), "aging", "--format", "csv", "--as-of", END.isoformat()],
        [
            PYTHON,
            "-c",
            "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("
            "'SELECT client_id, SUM(total_cents) FROM invoice GROUP BY client_id').fetchall()",
            str(ledgers[big]),
        ],
        2,
        runs,
    )


def import_row(folder: Path, count: int, runs: int) -> None:
    clients, invoices = import_files(folder, count)
    target = folder / "import.db"

    def fresh() -> None:
        if target.exists():
            target.unlink()
        for extra in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            if extra.exists():
                extra.unlink()
        from dunner.setup.init import create_ledger

        create_ledger(str(target))  # as `dunner init` does
        subprocess.run(
            [*DUNNER, "--db", str(target), "import", "clients", str(clients)], check=True, capture_output=True
        )

    compare(
        f"import {count:,} invoices from CSV  vs  executemany in one transaction",
        [*DUNNER, "--db", str(target), "import", "invoices", str(invoices)],
        [PYTHON, str(baseline_import(folder)), str(target), str(invoices)],
        3,
        runs,
        before=fresh,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny ledgers, one run each (the test suite's smoke)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (the median is kept)")
    parser.add_argument("--keep", type=Path, help="build the ledgers in this folder and keep them")
    parser.add_argument(
        "--only",
        action="append",
        choices=GROUPS + ON_REQUEST,
        help="run these rows alone (repeat it for several groups)",
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    sizes = [200, 500, 1000] if args.quick else [10_000, 100_000, 1_000_000]
    chosen = set(args.only or GROUPS)
    print(f"{platform.platform()}, Python {platform.python_version()}, {platform.processor() or platform.machine()}")
    # As pip does when it installs dunner: otherwise, under PYTHONDONTWRITEBYTECODE, every run would
    # compile dunner's sources again (an editable install writes no .pyc files then).
    compileall.compile_dir(Path(dunner.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if "startup" in chosen:
            startup_rows(folder, runs)
        if "aging" in chosen:
            aging_rows(folder, sizes, runs)
        if "import" in chosen:
            import_row(folder, sizes[1], runs)
        if "remind" in chosen:
            remind_choose(folder, 100_000 if not args.quick else sizes[1], runs)
            remind_deliver(folder, 10_000 if not args.quick else 50, runs)
        if "pdf" in chosen:
            pdf_rows(folder, *((20, 50) if args.quick else (1000, 1000)), runs)
        if "bank" in chosen:
            bank_import(folder, *((1000, 200, 500) if args.quick else (100_000, 20_000, 100_000)), runs)
        if "export" in chosen:
            for size in sizes[1:]:
                export_rows(folder, ledger_of(folder, size), size, runs)
        if "postgres" in chosen:
            postgres_rows(folder, ledger_of(folder, sizes[-1]), sizes[-1], runs)
        if "memory" in chosen:
            memory_rows(folder, {size: ledger_of(folder, size) for size in sizes[1:]})
        insight = chosen & {"stats", "forecast", "report"}
        if insight:
            insight_rows(folder, {size: ledger_of(folder, size) for size in sizes[1:]}, runs, insight)


if __name__ == "__main__":
    main()
