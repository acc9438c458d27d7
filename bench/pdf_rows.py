"""The PDF rows of bench/run.py (issue 15 item 4): reminders delivered with their invoices' PDFs attached,
what one PDF costs against a minimal fpdf2 document with the same fonts and page (`baseline_pdf.py`), and
a dry run over one client's overdue invoices with and without `attach_pdf` (a dry run renders no PDF: it
only checks each is printable, and says so).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from measure import AS_OF_CSV, BENCH, DUNNER, END, PYTHON, RESULTS, compare, median_of

from ledger import BUSINESS, build


def pdf_config(folder: Path, name: str, *, attach: bool, group: str) -> Path:
    config = folder / f"{name}.toml"
    config.write_text(
        f'{BUSINESS}\n[mail]\ntransport = "maildir"\nmaildir = "{name}-outbox"\n\n'
        f'[dunning]\nattach_pdf = {"true" if attach else "false"}\ngroup = "{group}"\n',
        encoding="utf-8",
    )
    return config


def pdf_rows(folder: Path, count: int, invoices: int, runs: int) -> None:
    """`count` reminders delivered with PDFs; then a dry run over one client's `invoices` overdue invoices."""
    from dunner.edges.pdf import fonts_dir
    from dunner.edges.resources import templates_dir

    pristine, ledger = folder / f"due-pdf-{count}.db", folder / "pdf.db"
    build(pristine, count, END - timedelta(days=70), pay=False)  # every invoice at least 10 days late
    configs = {attach: pdf_config(folder, f"pdf-{attach}", attach=attach, group="invoice") for attach in (True, False)}
    written: list[tuple[int, int]] = []

    def fresh() -> None:
        for attach in (True, False):
            outbox = folder / f"pdf-{attach}-outbox"
            if outbox.exists():  # the messages a run left, and those that carry a PDF
                files = [path.read_bytes() for path in (outbox / "new").iterdir()]
                written.append((len(files), sum(b"application/pdf" in f for f in files)))
            shutil.rmtree(outbox, ignore_errors=True)
        for extra in (Path(f"{ledger}-wal"), Path(f"{ledger}-shm")):
            extra.unlink(missing_ok=True)
        shutil.copyfile(pristine, ledger)

    def remind(attach: bool) -> list[str]:
        return [*DUNNER, "--config", str(configs[attach]), "--db", str(ledger), "remind", *AS_OF_CSV]

    fonts = str(fonts_dir(templates_dir()))
    floor = [PYTHON, str(BENCH / "baseline_pdf.py"), fonts, str(count)]
    compare(
        f"remind delivering {count:,} reminders with PDFs  vs  without + {count:,} minimal fpdf2 PDFs",
        remind(True),
        [*floor, *remind(False)],
        2,
        runs,
        before=fresh,
    )
    with_s = RESULTS[-1][2]  # the row above's median with PDFs
    without_s, _ = median_of(remind(False), runs, before=fresh)
    docs_s, _ = median_of(floor, runs)
    none_s, _ = median_of([*floor[:-1], "0"], runs)
    fresh()
    ours_ms, floor_ms = (with_s - without_s) / count * 1000, (docs_s - none_s) / count * 1000
    ratio = ours_ms / floor_ms
    verdict = "met" if ratio <= 3 else f"MISSED by {ratio / 3 - 1:.0%}"
    what = "one invoice PDF  vs  a minimal fpdf2 PDF, same fonts and page"
    RESULTS.append((what, f"{ours_ms:.1f} ms / {floor_ms:.1f} ms", ours_ms, floor_ms, f"{ratio:.2f}", verdict))
    print(f"{what:<58} {ours_ms:7.1f} ms {floor_ms:7.1f} ms ratio {ratio:5.2f}  {verdict}", flush=True)
    print(f"  messages (with a PDF) written by the runs with PDFs {written[0]}, without {written[-1]}", flush=True)

    one = folder / f"one-client-{invoices}.db"
    build(one, invoices, END, pay=False, clients=1)
    dry = {attach: pdf_config(folder, f"dry-{attach}", attach=attach, group="client") for attach in (True, False)}
    compare(
        f"remind --dry-run, one client's {invoices:,} overdue invoices  vs  attach_pdf = false",
        [*DUNNER, "--config", str(dry[True]), "--db", str(one), "remind", "--dry-run", *AS_OF_CSV],
        [*DUNNER, "--config", str(dry[False]), "--db", str(one), "remind", "--dry-run", *AS_OF_CSV],
        3,
        runs,
    )
