"""Payment behaviour in SQL against a plain-Python reference, and the grade's promises, on random ledgers."""

import tempfile
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.insight.stats import client_stats
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_invoice
from dunner.ledger.payments import record_payment
from helpers import new_ledger

START = date(2026, 1, 1)

# An invoice: days after START, amount in cents, terms, instalments, and its payments as
# (days after the due date, share of the total in tenths); shares beyond the total are dropped.
invoice_st = st.tuples(
    st.integers(0, 120),
    st.integers(100, 300_000),
    st.integers(0, 60),
    st.integers(1, 3),
    st.lists(st.tuples(st.integers(-40, 90), st.integers(1, 10)), max_size=3),
)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def build(tmp: str, invoices, on_time: bool = False):
    ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
    config = Config()
    add_client(ledger, config, {"code": "A", "name": "A", "email": "a@a.fr"})
    model = []
    for issued_after, cents, terms, parts, payments in sorted(invoices, key=lambda i: i[0]):
        issued = START + timedelta(days=issued_after)
        new = create_invoice(
            ledger, config, "A", money(cents), issued_on=issued, terms=terms, instalments=parts, every=15, force=True
        )
        plan = [(d, m.minor) for d, m in new.plan]
        left, paid = cents, []
        for after_due, tenths in sorted(payments):
            amount = min(left, max(1, cents * tenths // 10))
            day = max(issued, new.plan[0][0] + timedelta(days=min(after_due, 0) if on_time else after_due))
            if amount <= 0:
                break
            record_payment(ledger, config, money(amount), invoice=new.number, received_on=day)
            paid.append((day, amount))
            left -= amount
        if on_time and left:  # the rest on the due date: this client pays everything, never late
            record_payment(ledger, config, money(left), invoice=new.number, received_on=new.plan[0][0])
            paid.append((new.plan[0][0], left))
        model.append((issued, plan, sorted(paid)))
    return ledger, config, model


def reference(model, as_of: date) -> dict:
    """The figures by hand: fill each invoice's instalments in due order with its payments in date order;
    each instalment settled counts as one paid, late by its settling day - its due date."""
    lates, to_pay, weights, outstanding, overdue = [], [], [], 0, 0
    for issued, plan, payments in model:
        if issued > as_of:
            continue
        remaining = [amount for _, amount in plan]
        settled = [None] * len(plan)
        for day, amount in payments:
            if day > as_of:
                continue
            for n, _ in enumerate(remaining):
                take = min(amount, remaining[n])
                remaining[n] -= take
                amount -= take
                if remaining[n] == 0 and settled[n] is None:
                    settled[n] = day
        outstanding += sum(remaining)
        overdue += sum(r for (due, _), r in zip(plan, remaining, strict=True) if due < as_of)
        for day, (due, amount) in zip(settled, plan, strict=True):  # each instalment paid counts on its own
            if day is not None:
                late = max(0, (day - due).days)
                lates.append((day, late))
                to_pay.append((day - issued).days)
                weights.append((late, amount))
    return {
        "paid": len(lates),
        "paid_late": sum(1 for _, late in lates if late > 0),
        "max_days_late": max((late for _, late in lates), default=None),
        "avg_days_late": ratio(sum(late for _, late in lates), len(lates)),
        "avg_days_late_weighted": ratio(sum(a * b for a, b in weights), sum(b for _, b in weights)),
        "avg_days_to_pay": ratio(sum(to_pay), len(to_pay)),
        "outstanding": money(outstanding),
        "overdue": money(overdue),
    }


def ratio(a: int, b: int):
    return None if not b else (Decimal(a) / Decimal(b)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def figures(ledger, config, as_of):
    rows = list(client_stats(ledger, config, as_of))
    if not rows:
        return None
    [row] = rows
    return {k: str(v) if k in ("outstanding", "overdue") else v for k, v in row.items()}


SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.lists(invoice_st, min_size=1, max_size=6), st.integers(0, 300))
def test_sql_matches_the_reference(invoices, as_of_after):
    as_of = START + timedelta(days=as_of_after)
    with tempfile.TemporaryDirectory() as tmp:
        ledger, config, model = build(tmp, invoices)
        got = figures(ledger, config, as_of)
        ledger.close()
    expected = reference(model, as_of)
    if got is None:
        assert all(issued > as_of for issued, _, _ in model)
        return
    assert {k: got[k] for k in expected} == expected


@SLOW
@given(st.lists(invoice_st, min_size=1, max_size=6), st.integers(0, 300))
def test_a_client_who_always_pays_on_time_is_never_late(invoices, as_of_after):
    as_of = START + timedelta(days=as_of_after)
    with tempfile.TemporaryDirectory() as tmp:
        ledger, config, _ = build(tmp, invoices, on_time=True)
        got = figures(ledger, config, as_of)
        ledger.close()
    if got is not None and got["paid"]:
        assert (got["paid_late"], got["max_days_late"], got["avg_days_late"]) == (0, 0, Decimal(0))
        assert got["avg_days_late_weighted"] == 0 and got["grade"] in ("A", "unknown")


RANK = {"unknown": 0, "A": 0, "B": 1, "C": 2, "D": 3, "E": 4}


@SLOW
@given(st.lists(invoice_st, min_size=1, max_size=6), st.integers(0, 150), st.booleans())
def test_an_on_time_payment_never_worsens_the_grade(invoices, days_after_last, pay_an_open_one):
    with tempfile.TemporaryDirectory() as tmp:
        ledger, config, model = build(tmp, invoices)
        as_of = max(issued for issued, _, _ in model) + timedelta(days=days_after_last)
        before = figures(ledger, config, as_of)
        open_not_due = [
            number
            for (number, total, due) in ledger.rows(
                "SELECT v.number, v.total_cents, MIN(i.due_on) FROM invoice v JOIN instalment i ON i.invoice_id = v.id"
                " GROUP BY v.id"
            )
            if date.fromisoformat(due) >= as_of
        ]
        if pay_an_open_one and open_not_due:
            row = ledger.one(
                "SELECT v.total_cents - COALESCE((SELECT SUM(a.amount_cents) FROM allocation a JOIN instalment i"
                " ON i.id = a.instalment_id WHERE i.invoice_id = v.id), 0) AS open FROM invoice v WHERE number = ?",
                (open_not_due[0],),
            )
            if row["open"] > 0:
                record_payment(ledger, config, money(row["open"]), invoice=open_not_due[0], received_on=as_of)
        else:
            new = create_invoice(ledger, config, "A", "100.00", issued_on=as_of, terms=30)
            record_payment(ledger, config, "100.00", invoice=new.number, received_on=as_of)
        after = figures(ledger, config, as_of)
        ledger.close()
    assert RANK[after["grade"]] <= RANK[before["grade"]], (before["reasons"], after["reasons"])
