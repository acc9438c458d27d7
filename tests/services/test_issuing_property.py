"""Deposits and instalment plans never lose or create a cent, checked against what the ledger holds."""

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunner.config import Config
from dunner.db import Ledger
from dunner.services.clients import add_client
from dunner.services.issuing import create_deposit, create_invoice

line_st = st.tuples(st.integers(1, 50), st.integers(100, 500_000), st.sampled_from(["20", "10", "5.5", "0"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_st, min_size=1, max_size=6), st.integers(1, 40), st.integers(1, 6), st.integers(5, 30))
def test_final_invoice_with_deposit_and_plan(lines, percent, count, every):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.open(str(Path(tmp) / "l.db"))
        config = Config()
        add_client(ledger, config, {"code": "A", "name": "A", "email": "a@a.fr"})
        texts = [
            f"item {n};{qty};{cents // 100}.{cents % 100:02d};{rate}" for n, (qty, cents, rate) in enumerate(lines)
        ]
        base = sum(qty * cents for qty, cents, _ in lines)
        deposit = create_deposit(
            ledger,
            config,
            "A",
            f"{percent}%",
            of=f"{base // 100}.{base % 100:02d}",
            vat="20",
            issued_on=date(2026, 1, 2),
        )
        final = (
            create_invoice(
                ledger,
                config,
                "A",
                None,
                lines=texts,
                deduct=[deposit.number],
                issued_on=date(2026, 1, 3),
                instalments=count,
                every=every,
                force=True,
            )
            if base * 12 // 10 > deposit.total.minor
            else None
        )
        if final is None:
            return
        row = ledger.one(
            "SELECT net_cents, vat_cents, total_cents, prepaid_cents FROM invoice WHERE number = ?", (final.number,)
        )
        plan = [
            r[0]
            for r in ledger.all(
                "SELECT amount_cents FROM instalment i JOIN invoice v ON v.id = i.invoice_id"
                " WHERE v.number = ? ORDER BY seq",
                (final.number,),
            )
        ]
        lines_net = ledger.scalar(
            "SELECT SUM(l.net_cents) FROM invoice_line l JOIN invoice v ON v.id = l.invoice_id WHERE v.number = ?",
            (final.number,),
        )
        assert row["net_cents"] == lines_net
        assert row["total_cents"] == row["net_cents"] + row["vat_cents"]
        assert row["prepaid_cents"] == deposit.total.minor
        assert sum(plan) == row["total_cents"] - row["prepaid_cents"]
        assert len(plan) == count and max(plan) - min(plan) <= 1
        ledger.close()
