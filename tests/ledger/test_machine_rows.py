"""The CSV and JSON of listings and exports are written straight from the query rows (issue 15 item 6): the same
figures as the typed rows a table shows, converted the general way."""

from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from dunner.cli import app
from dunner.edges.output import machine
from dunner.edges.storage import open_ledger
from dunner.ledger.invoices import STATUSES, list_invoices
from dunner.setup.demo import build_demo

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo ledger, and an instalment plan whose first part is paid (its next due date is not its last)."""
    built = build_demo(tmp_path_factory.mktemp("machine") / "demo", AS_OF)
    where = ["--config", str(built.folder / "dunner.toml"), "--db", str(built.ledger_path)]
    run = CliRunner().invoke
    planned = run(app, [*where, "invoice", "ACME", "--line", "Plan;1;900;20", "--issued", "2026-11-20",
                        "--instalments", "3", "--every", "20"])  # fmt: skip
    number = planned.stdout.strip()
    assert run(app, [*where, "pay", number, "360", "--on", "2026-11-22"]).exit_code == 0, number
    ledger = open_ledger(str(built.ledger_path))
    yield ledger
    ledger.close()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("days", [0, -60, 200])
def test_machine_rows_are_the_typed_rows_as_csv_and_json_carry_them(demo, status, days):
    day = AS_OF + timedelta(days=days)
    typed = [{key: machine(value) for key, value in row.items()} for row in list_invoices(demo, day, status=status)]
    straight = list(list_invoices(demo, day, status=status, machine=True))
    assert straight == typed
    if status == "all" and days == 0:
        assert {r["status"] for r in straight} >= {"paid", "overdue", "open"}  # the demo has each kind
        [plan] = [r for r in straight if r["total"] == "1080.00"]
        days = [r[0] for r in demo.all("SELECT i.due_on FROM instalment i JOIN invoice v ON v.id = i.invoice_id"
                                       " WHERE v.number = ? ORDER BY i.seq", (plan["invoice"],))]  # fmt: skip
        assert plan["paid"] == "360.00" and plan["due"] == days[1] != days[-1]  # its second part's day, not its last
