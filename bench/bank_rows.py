"""The `dunner bank import` rows of bench/run.py: a camt.053 statement (`statement.py`) imported against a
ledger of open instalments, then imported again, and the peak memory as the statement grows; the baselines
are `baseline_bank.py`'s. Each run starts from a copy of the ledger, and the rows check that dunner read
every line and recorded the payments the statement holds, and that the baselines read every line too.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from measure import BENCH, DUNNER, END, PYTHON, RESULTS, compare, run

from ledger import build


def bank_config(folder: Path) -> Path:
    """A config whose [business] iban is the account of the bench statements."""
    from statement import ACCOUNT

    config = folder / "bank.toml"
    config.write_text(
        f'[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\niban = "{ACCOUNT}"\n', encoding="utf-8"
    )
    return config


def restore(pristine: Path, ledger: Path) -> None:
    for extra in (Path(f"{ledger}-wal"), Path(f"{ledger}-shm")):
        extra.unlink(missing_ok=True)
    shutil.copyfile(pristine, ledger)


def bank_counts(ledger: Path) -> tuple[int, int]:
    """The statement lines a ledger holds, and the payments its bank lines made."""
    conn = sqlite3.connect(ledger)
    lines = conn.execute("SELECT COUNT(*) FROM bank_line").fetchone()[0]
    payments = conn.execute("SELECT COUNT(*) FROM payment WHERE note LIKE 'bank line %'").fetchone()[0]
    conn.close()
    return lines, payments


def baseline_lines(argv: list[str]) -> int:
    """How many lines a baseline read (it says so on its last line: "lines N invoices M")."""
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return int(out.split()[-3])


def bank_import(folder: Path, instalments: int, count: int, bigger: int, runs: int) -> None:
    """A statement of `count` lines against `instalments` open ones, imported, then imported again; then
    the peak memory of importing it against that of importing a statement of `bigger` lines."""
    from statement import write_statement

    pristine, imported, ledger = folder / f"bank-{instalments}.db", folder / "bank-imported.db", folder / "bank.db"
    build(pristine, instalments, END, pay=False)
    files = {size: folder / f"statement-{size}.xml" for size in (count, bigger)}
    held = {size: write_statement(path, pristine, size, END) for size, path in files.items()}
    config = bank_config(folder)

    def ours(size: int, db: Path = ledger) -> list[str]:
        day = END.isoformat()
        return [*DUNNER, "--config", str(config), "--db", str(db), "bank", "import", str(files[size]), "--as-of", day]

    left: list[tuple[int, int]] = []  # (lines, payments) each of dunner's runs left (the baselines write nothing)

    def fresh(source: Path):
        def again() -> None:
            if ledger.exists():
                left.append(bank_counts(ledger))
            restore(source, ledger)

        return again

    lookup = [PYTHON, str(BENCH / "baseline_bank.py"), "lookup", str(files[count]), str(pristine)]
    parse = [PYTHON, str(BENCH / "baseline_bank.py"), "parse", str(files[count])]
    what = f"bank import, {count:,} lines, {instalments:,} open instalments  vs  iterparse + a SELECT a line"
    ledger.unlink(missing_ok=True)
    compare(what, ours(count), lookup, 2, runs, before=fresh(pristine))
    first = set(left[:runs])
    restore(pristine, imported)
    subprocess.run(ours(count, imported), check=True, capture_output=True)
    ledger.unlink(missing_ok=True)
    left.clear()
    compare(f"bank import again, {count:,} lines, all imported already  vs  iterparse alone", ours(count), parse,
            1.2, runs, before=fresh(imported))  # fmt: skip
    again = set(left[:runs])
    bank_memory(ours(count), ours(bigger), lambda: restore(pristine, ledger), f"{bigger:,} lines  vs  {count:,}")
    expected = {(held[count]["lines"], held[count]["payments"])}
    read = baseline_lines(lookup), baseline_lines(parse)
    print(
        f"  lines and payments left by dunner {sorted(first)}, expected {sorted(expected)}; after importing"
        f" again {sorted(again)}; lines read by the baselines {read[0]:,} and {read[1]:,}",
        flush=True,
    )
    if not first == again == expected or read != (held[count]["lines"],) * 2:
        raise SystemExit("the bank rows did not all do the whole job: see the line above")


def bank_memory(small: list[str], big: list[str], fresh, sizes: str) -> None:
    """Peak memory of importing a big statement against that of a small one (goal: within 1.3x)."""
    fresh()
    small_s, small_kb = run(small)
    fresh()
    big_s, big_kb = run(big)
    ratio = big_kb / small_kb
    verdict = "met" if ratio <= 1.3 else f"MISSED by {ratio / 1.3 - 1:.0%}"
    what = f"bank import peak memory, {sizes}"
    RESULTS.append(
        (what, f"{big_kb / 1024:.0f} MB / {small_kb / 1024:.0f} MB", big_s, small_s, f"{ratio:.2f}", verdict)
    )
    print(f"{what:<58} {big_kb / 1024:6.0f} MB {small_kb / 1024:6.0f} MB  ratio {ratio:5.2f}  {verdict}", flush=True)
