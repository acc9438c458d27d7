"""Deposits and instalment plans never lose or create a cent, checked against what the ledger holds."""

import tempfile
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_deposit, create_invoice
from helpers import new_ledger

line_st = st.tuples(st.integers(1, 50), st.integers(100, 500_000), st.sampled_from(["20", "10", "5.5", "0"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_st, min_size=1, max_size=6), st.integers(1, 40), st.integers(1, 6), st.integers(5, 30))
def test_final_invoice_with_deposit_and_plan(lines, percent, count, every):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(line_st, min_size=1, max_size=4),
    st.sampled_from(["1", "2", "2.5", "3"]),
    st.integers(0, 40),
)
def test_credit_notes_and_discounts_settle_to_the_cent(lines, rate, credit_percent):
    """Whatever is credited and discounted, credit notes + money received == the invoice's total, and
    every credit note's lines give back exactly its amount."""
    from decimal import Decimal

    from dunner.core.errors import BadInput
    from dunner.core.invoicing import discount_amount
    from dunner.core.money import Money
    from dunner.ledger.credits import credit_note
    from dunner.ledger.payments import record_payment

    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
        config = Config()
        add_client(ledger, config, {"code": "A", "name": "A", "email": "a@a.fr"})
        texts = [f"item {n};{qty};{cents // 100}.{cents % 100:02d};{vat}" for n, (qty, cents, vat) in enumerate(lines)]
        new = create_invoice(
            ledger, config, "A", None, lines=texts, issued_on=date(2026, 1, 2), discount=f"{rate}/10", force=True
        )
        total = new.total.minor
        credited = total * credit_percent // 100
        if credited:
            try:
                credit_note(ledger, config, new.number, _eur(credited), "x", date(2026, 1, 3))
            except BadInput as exc:  # VAT rounding cannot reach that total: refused, nothing written
                assert "cannot be credited exactly" in exc.message
                credited = 0
        asked = total - credited
        discount = discount_amount(Money(asked, "EUR"), Decimal(rate)).minor
        receipt = record_payment(
            ledger, config, _eur(asked - discount), invoice=new.number, received_on=date(2026, 1, 5)
        )
        assert [(d[0], d[1].minor) for d in receipt.discounts] == ([(new.number, discount)] if discount else [])
        notes = ledger.all(
            "SELECT v.id, v.total_cents, v.net_cents + v.vat_cents AS parts,"
            " (SELECT SUM(net_cents) FROM invoice_line l WHERE l.invoice_id = v.id) AS lines_net, v.net_cents"
            " FROM invoice v WHERE v.kind = 'credit_note'"
        )
        assert all(n["total_cents"] == n["parts"] and n["lines_net"] == n["net_cents"] for n in notes)
        assert sum(n["total_cents"] for n in notes) == credited + discount
        received = ledger.scalar(
            "SELECT SUM(amount_cents) FROM payment WHERE method NOT IN ('credit_note', 'discount')"
        )
        assert received + credited + discount == total
        left = ledger.scalar(
            "SELECT SUM(i.amount_cents) - (SELECT COALESCE(SUM(a.amount_cents), 0) FROM allocation a"
            " JOIN instalment j ON j.id = a.instalment_id WHERE j.invoice_id = ?) FROM instalment i"
            " WHERE i.invoice_id = ?",
            (new_id := ledger.scalar("SELECT id FROM invoice WHERE number = ?", (new.number,)), new_id),
        )
        assert left == 0
        ledger.close()


def _eur(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
