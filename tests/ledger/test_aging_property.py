"""The SQL aging agrees with a plain row-by-row computation on random ledgers, at random dates."""

import tempfile
from collections import defaultdict
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunner.core.buckets import Buckets
from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.ledger.aging import aging_by_client, aging_by_invoice
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_invoice
from dunner.ledger.payments import record_payment
from helpers import new_ledger

START = date(2026, 1, 1)
invoice_st = st.tuples(
    st.integers(0, 2),
    st.sampled_from(["EUR", "GBP"]),
    st.integers(1, 500_000),
    st.integers(0, 200),
    st.integers(0, 90),
)
payment_st = st.tuples(
    st.integers(0, 2),
    st.sampled_from(["EUR", "GBP"]),
    st.integers(1, 600_000),
    st.integers(0, 300),
    st.one_of(st.none(), st.integers(0, 30)),
)


def build(ledger, invoices, payments):
    config = Config()
    codes = ["A", "B", "C"]
    for code in codes:
        add_client(ledger, config, {"code": code, "name": code, "email": f"{code}@x.fr"})
    numbers = []
    for who, cur, cents, issued, terms in sorted(invoices, key=lambda i: i[3]):  # numbers follow dates
        new = create_invoice(
            ledger,
            config,
            codes[who],
            _amount(cents),
            issued_on=START + timedelta(days=issued),
            terms=terms,
            currency=cur,
            force=True,
        )
        numbers.append((new.number, cur, codes[who]))
    for who, cur, cents, day, target in payments:
        on = START + timedelta(days=day)
        if target is not None and numbers:
            number = numbers[target % len(numbers)][0]
            record_payment(ledger, config, _amount(cents), invoice=number, received_on=on)
        else:
            record_payment(ledger, config, _amount(cents), client=codes[who], currency=cur, received_on=on)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def reference(ledger, as_of, buckets):
    """Bucket every instalment in Python from the raw rows."""
    day = as_of.isoformat()
    out = defaultdict(lambda: [0] * (len(buckets.names) + 1))  # credit, then buckets
    for inst in ledger.all(
        "SELECT i.id, i.due_on, i.amount_cents, v.currency, c.code FROM instalment i JOIN invoice v"
        " ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id WHERE v.issued_on <= ?",
        (day,),
    ):
        paid = sum(
            a["amount_cents"]
            for a in ledger.all(
                "SELECT amount_cents, applied_on FROM allocation WHERE instalment_id = ?", (inst["id"],)
            )
            if a["applied_on"] <= day
        )
        if inst["amount_cents"] != paid:
            days = (as_of - date.fromisoformat(inst["due_on"])).days
            out[(inst["code"], inst["currency"])][1 + buckets.index(days)] += inst["amount_cents"] - paid
    for pay in ledger.all(
        "SELECT p.id, p.amount_cents, p.currency, p.received_on, c.code FROM payment p"
        " JOIN client c ON c.id = p.client_id"
    ):
        if pay["received_on"] <= day:
            used = sum(
                a["amount_cents"]
                for a in ledger.all(
                    "SELECT amount_cents, applied_on FROM allocation WHERE payment_id = ?", (pay["id"],)
                )
                if a["applied_on"] <= day
            )
            if pay["amount_cents"] != used:
                out[(pay["code"], pay["currency"])][0] += pay["amount_cents"] - used
    return {k: v for k, v in out.items() if any(v)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(invoice_st, max_size=12),
    st.lists(payment_st, max_size=10),
    st.sampled_from([(30, 60, 90), (7,), (10, 20, 45, 120)]),
    st.dates(date(2025, 12, 1), date(2027, 1, 1)),
)
def test_sql_aging_matches_row_by_row(invoices, payments, edges, some_day):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
        build(ledger, invoices, payments)
        # the dates where off-by-one mistakes hide: on, before and after every date in the ledger
        moments = {
            date.fromisoformat(r[0])
            for r in ledger.all(
                "SELECT issued_on FROM invoice UNION SELECT due_on FROM instalment"
                " UNION SELECT received_on FROM payment UNION SELECT applied_on FROM allocation"
            )
        }
        near = {m + timedelta(days=d) for m in moments for d in (-1, 0, 1)}
        for as_of in sorted(near | {some_day}):
            check_aging(ledger, as_of, Buckets(edges))
        # money is conserved: nothing applied beyond an instalment or a payment
        assert not ledger.all(
            "SELECT i.id FROM instalment i JOIN allocation a ON a.instalment_id = i.id"
            " GROUP BY i.id HAVING SUM(a.amount_cents) > MAX(i.amount_cents)"
        )
        assert not ledger.all(
            "SELECT p.id FROM payment p JOIN allocation a ON a.payment_id = p.id"
            " GROUP BY p.id HAVING SUM(a.amount_cents) > MAX(p.amount_cents)"
        )
        ledger.close()


def check_aging(ledger, as_of, buckets):
    got = {}
    for row in aging_by_client(ledger, as_of, buckets):
        got[(row["client"], row["currency"])] = [row["credit"].minor] + [row[n].minor for n in buckets.names]
        assert row["total"].minor == sum(got[(row["client"], row["currency"])][1:]) - row["credit"].minor
    assert got == reference(ledger, as_of, buckets), as_of
    by_invoice = defaultdict(int)
    for row in aging_by_invoice(ledger, as_of, buckets):
        by_invoice[(row["client"], row["currency"])] += row["outstanding"].minor
    assert dict(by_invoice) == {k: sum(v[1:]) for k, v in got.items() if sum(v[1:])}
