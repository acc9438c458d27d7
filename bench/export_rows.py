"""The CSV output rows of bench/run.py (issue 15 item 6): `dunner export invoices`, `dunner export payments` and
`dunner invoices --status all --format csv` against `baseline_export.py`, dunner's own query written with
`csv.writer` straight from its rows. Before timing, each pair is run once and its outputs compared byte for
byte: the floor writes what dunner writes, or the row stops.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from measure import BENCH, DUNNER, END, PYTHON, compare

GOAL = 1.5


def queries(folder: Path) -> dict[str, Path]:
    """dunner's queries of the three commands, written where the baseline reads them."""
    from dunner.ledger.exports import INVOICES_SQL, PAYMENTS_SQL
    from dunner.ledger.invoices import listing_sql

    files = {}
    for name, sql in (("invoices", INVOICES_SQL), ("payments", PAYMENTS_SQL), ("listing", listing_sql("all"))):
        files[name] = folder / f"export-{name}.sql"
        files[name].write_text(sql, encoding="utf-8")
    return files


def export_rows(folder: Path, ledger: Path, size: int, runs: int) -> None:
    config = folder / "export.toml"
    config.write_text('[business]\nname = "Atelier Bench"\nemail = "factures@bench.example"\n', encoding="utf-8")
    sql = queries(folder)
    day = END.isoformat()
    base = [PYTHON, str(BENCH / "baseline_export.py")]
    ours = [*DUNNER, "--config", str(config), "--db", str(ledger)]
    rows = {
        f"export invoices, {size:,} invoices": ([*ours, "export", "invoices"], [*base, "invoices", str(ledger),
                                                                               str(sql["invoices"])]),
        f"export payments, {size:,} invoices": ([*ours, "export", "payments"], [*base, "payments", str(ledger),
                                                                               str(sql["payments"])]),
        f"invoices --status all --format csv, {size:,}": (
            [*ours, "invoices", "--status", "all", "--format", "csv", "--as-of", day],
            [*base, "listing", str(ledger), str(sql["listing"]), day],
        ),
    }  # fmt: skip
    for what, (mine, floor) in rows.items():
        same(what, mine, floor)
        compare(f"{what}  vs  its query + csv.writer", mine, floor, GOAL, runs)


def same(what: str, ours: list[str], base: list[str]) -> None:
    """Both sides write the same bytes, or the row is not measured."""
    written = [subprocess.run(argv, capture_output=True, check=True).stdout for argv in (ours, base)]
    if written[0] != written[1]:
        first = next(n for n, (a, b) in enumerate(zip(*(w.splitlines() for w in written), strict=False)) if a != b)
        lines = [w.splitlines()[first] for w in written]
        raise SystemExit(f"{what}: dunner and its floor wrote different CSV (line {first + 1}: {lines})")
    print(f"  {what}: dunner and the floor wrote the same {len(written[0]):,} bytes", flush=True)
