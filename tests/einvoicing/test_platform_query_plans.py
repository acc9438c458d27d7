"""EXPLAIN QUERY PLAN on the approved platform's paths (issue 15 item 7): submitting an invoice, the sync and the
statuses it records, the 212 reports of payments, the platform's status of an invoice and the agenda never read a
big table whole, so `remind`, which syncs first every morning, costs the same on a ledger of a million invoices.

Each path runs for real through the CLI against the local platform while every SELECT the ledger is sent is
recorded with its parameters; each is then explained on the same ledger file (tests/query_plans.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from dunner.edges.storage import open_ledger
from dunner.edges.storage.ledger import Ledger
from platform_cli import status_from_buyer
from query_plans import plan, scanned

# A path may read a big table whole only for a reason written here.
ALLOWED: dict[tuple[str, str], str] = {}


@contextmanager
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements every ledger the CLI opens is sent meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []
    execute = Ledger.execute

    def record(self: Ledger, sql: str, params: Any = ()) -> Any:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((sql, params))
        return execute(self, sql, params)

    with monkeypatch.context() as patch:
        patch.setattr(Ledger, "execute", record)
        yield seen


def buyer_statuses(fake_platform: Any, dunner: Any) -> Any:
    """A payment sent (211) and a dispute (207) from the buyer, then a sync."""
    fake_platform.add_incoming(status_from_buyer(211, "Paiement_transmis", "2026-02-06", amount=Decimal("600")))
    why = {"reason_code": "QTE", "reason": "Quantité livrée inférieure"}
    fake_platform.add_incoming(status_from_buyer(207, "En_litige", "2026-02-07", **why))
    return dunner("platform", "sync", "--as-of", "2026-02-08")


def platform_paths(french: Any, fake_platform: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Each platform path, run in turn on one ledger, with the statements it sent."""
    dunner = french()
    dunner("invoice", "ACME", "--line", "Audit;1;500;20", "--issued", "2026-01-05")
    steps = {
        "submitting an invoice": lambda: dunner("send", "F-2026-0001", "--via", "platform", "--on", "2026-01-06"),
        "sync: acknowledgements": lambda: dunner("platform", "sync", "--as-of", "2026-01-07"),
        "sync: the buyer's statuses": lambda: buyer_statuses(fake_platform, dunner),
        "a payment reported (212)": lambda: dunner("pay", "F-2026-0001", "600", "--on", "2026-02-09"),
        "the platform's status of an invoice": lambda: dunner("platform", "status", "F-2026-0001", "--format", "json"),
        "agenda": lambda: dunner("agenda", "--as-of", "2026-02-10", "--format", "csv"),
        "remind --dry-run": lambda: dunner("remind", "--dry-run", "--as-of", "2026-02-10"),
        "remind (it syncs first)": lambda: dunner("remind", "--as-of", "2026-02-10"),
    }
    ran = {}
    for name, step in steps.items():
        with recorded(monkeypatch) as seen:
            step()
        ran[name] = seen
    return ran


@pytest.fixture
def sqlite_only() -> None:
    if "://" in os.environ.get("DUNNER_DB", ""):
        pytest.skip("SQLite's query plans (EXPLAIN QUERY PLAN)")


def test_the_platform_paths_read_no_big_table_whole(sqlite_only, french, fake_platform, monkeypatch):
    ran = platform_paths(french, fake_platform, monkeypatch)
    assert fake_platform.submitted, "nothing reached the platform"
    ledger = open_ledger(os.environ["DUNNER_DB"])
    problems, platform_queries = [], 0
    for path, seen in ran.items():
        assert seen, f"{path} ran no query"
        for sql, params in seen:
            platform_queries += "platform_" in sql
            lines = plan(ledger, sql, params)
            for table in sorted(scanned(sql, lines)):
                if (path, table) not in ALLOWED:
                    shown = " ".join(sql.split())[:200]
                    problems.append(f"{path}: SCAN of {table} in: {shown}\n  " + "\n  ".join(lines))
    ledger.close()
    assert platform_queries >= 10, "the paths did not reach the platform's tables"
    assert not problems, "\n".join(problems)


def steps_of(ledger: Any, sql: str, params: Any = ()) -> int:
    """How many SQLite virtual-machine steps (in hundreds: the progress handler's unit here) a query takes."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    ledger.conn.set_progress_handler(tick, 100)
    try:
        ledger.all(sql, params)
    finally:
        ledger.conn.set_progress_handler(None, 0)
    return count[0]


def test_what_a_sync_reports_is_found_without_reading_the_payments_off_the_platform(
    sqlite_only, french, fake_platform, tmp_path
):
    """The 212 reports a sync looks for are found through the platform's invoices: a ledger holding 400 paid
    invoices that never went through the platform costs that query what a ledger without them costs."""
    from dunner.edges.config import load
    from dunner.einvoicing.reports import UNREPORTED, due_on_receipt

    dunner = french()
    dunner("send", "F-2026-0001", "--via", "platform", "--on", "2026-01-02")
    fake_platform.fail_next(503, path="/v1/flows")  # the payment waits to be reported by the next sync
    dunner("pay", "F-2026-0001", "500", "--on", "2026-02-03")
    query = UNREPORTED.format(due_on_receipt=due_on_receipt(load(tmp_path / "dunner.toml")))
    ledger = open_ledger(os.environ["DUNNER_DB"])
    alone = steps_of(ledger, query)
    assert [r["cents"] for r in ledger.all(query)] == [50000]
    ledger.close()
    invoices, payments = tmp_path / "off.csv", tmp_path / "off-paid.csv"
    numbers = [f"E-{n:04d}" for n in range(400)]
    invoices.write_text("number,client,issued,amount\n" + "".join(f"{n},ACME,2026-01-10,100\n" for n in numbers))
    payments.write_text("client,date,amount,invoice\n" + "".join(f"ACME,2026-02-01,100,{n}\n" for n in numbers))
    dunner("import", "invoices", str(invoices))
    fake_platform.fail_next(503, path="/v1/flows")  # the import's own try at reporting it fails too
    dunner("import", "payments", str(payments))
    ledger = open_ledger(os.environ["DUNNER_DB"])
    assert ledger.scalar("SELECT COUNT(*) FROM allocation") >= 401
    assert [r["cents"] for r in ledger.all(query)] == [50000]
    crowded = steps_of(ledger, query)
    ledger.close()
    assert crowded <= alone + 1, (alone, crowded)
