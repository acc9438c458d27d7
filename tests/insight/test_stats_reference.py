"""`dunner stats` streamed (issue 15 item 1) gives what the one SQL statement of before gave (stats_reference.py), row
for row and figure for figure: on the demo ledger at several dates, and on random ledgers with instalment plans,
partial and excess payments, credit notes, early-payment discounts, reversed payments, write-offs, voided
invoices, promises and disputes, for the whole ledger and for one client."""

import tempfile
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stats_reference import reference_stats

from dunner.core.buckets import Buckets
from dunner.core.errors import BadInput
from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.insight.figures import Aging
from dunner.insight.stats import client_stats
from dunner.ledger.aging import aging_by_client
from dunner.ledger.clients import add_client
from dunner.ledger.credits import credit_note, write_off
from dunner.ledger.events import log_event
from dunner.ledger.issuing import create_invoice
from dunner.ledger.payments import record_payment
from dunner.ledger.reversals import reverse_payment
from dunner.setup.demo import build_demo
from helpers import new_ledger

START = date(2026, 1, 1)
AS_OF = date(2026, 11, 23)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    built = build_demo(tmp_path_factory.mktemp("stats") / "demo", AS_OF)
    ledger = open_ledger(str(built.ledger_path))
    yield ledger, built.config
    ledger.close()


@pytest.mark.parametrize("days", [-300, -90, -30, 0, 45, 400])
def test_the_demo_gives_the_same_figures(demo, days):
    ledger, config = demo
    day = AS_OF + timedelta(days=days)
    assert list(client_stats(ledger, config, day)) == reference_stats(ledger, config, day)
    assert list(client_stats(ledger, config, day, window=30, language="fr")) == reference_stats(
        ledger, config, day, window=30, language="fr"
    )


def test_the_demo_has_what_the_figures_are_about(demo):
    ledger, config = demo
    rows = list(client_stats(ledger, config, AS_OF))
    assert any(r["paid"] for r in rows) and any(r["overdue"].minor for r in rows)
    assert any(r["disputes"] for r in rows) and any(r["promises_kept"] or r["promises_broken"] for r in rows)


# An invoice: days after START, cents, terms, instalments, early-payment discount, its payments as (days after the
# first due date, tenths of the total), and what happens to it afterwards.
invoice_st = st.tuples(
    st.integers(0, 200),
    st.integers(100, 200_000),
    st.integers(0, 45),
    st.integers(1, 3),
    st.booleans(),
    st.lists(st.tuples(st.integers(-30, 120), st.integers(1, 12)), max_size=3),
    st.sampled_from(["", "credit", "credit-all", "reverse", "write-off", "void", "promise", "dispute"]),
)


def build(tmp: str, clients: list[list[tuple]]):
    ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
    config = Config()
    ids = [
        add_client(ledger, config, {"code": f"C{n}", "name": f"C{n}", "email": f"c{n}@a.fr"}).id
        for n in range(len(clients))
    ]
    # invoices are numbered in the order of their dates, whoever the client
    for after, n, (_, cents, terms, parts, discount, payments, then) in sorted(
        (invoice[0], n, invoice) for n, invoices in enumerate(clients) for invoice in invoices
    ):
        issued = START + timedelta(days=after)
        options = {"discount": "2/10"} if discount and parts == 1 and terms >= 10 else {}
        new = create_invoice(
            ledger, config, f"C{n}", money(cents), issued_on=issued, terms=terms, instalments=parts, every=15,
            force=True, **options,
        )  # fmt: skip
        first_due, received = new.plan[0][0], []
        for after_due, tenths in sorted(payments):
            day = max(issued, first_due + timedelta(days=after_due))
            paid = record_payment(
                ledger, config, money(max(1, cents * tenths // 10)), invoice=new.number, received_on=day
            )
            received.append((paid.payment_id, day))
        invoice_id = ledger.scalar("SELECT id FROM invoice WHERE number = ?", (new.number,))
        later = max([issued + timedelta(days=50), *(day + timedelta(days=1) for _, day in received)])
        try:
            if then == "credit":
                credit_note(ledger, config, new.number, money(max(1, cents // 3)), "a third off", later)
            elif then == "credit-all":
                credit_note(ledger, config, new.number, None, "cancelled", later)
            elif then == "reverse" and received:
                reverse_payment(ledger, received[0][0], received[0][1] + timedelta(days=5), "returned")
            elif then == "write-off":
                write_off(ledger, new.number, "lost", later)
            elif then == "void":
                voided = (later.isoformat(), invoice_id)
                ledger.execute("UPDATE invoice SET status = 'void', status_on = ? WHERE id = ?", voided)
            elif then in ("promise", "dispute"):
                promised = first_due + timedelta(days=20) if then == "promise" else None
                log_event(ledger, ids[n], then, issued + timedelta(days=10), invoice_id=invoice_id, promise_on=promised)
        except BadInput:  # nothing left to credit or write off: the invoice stays as it is
            pass
    return ledger, config


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# paid in full on its second payment, then the first one reversed: settled once, open again since
@example([[(0, 10_000, 30, 1, False, [(0, 3), (1, 10)], "reverse")]], 60, 90)
# settled on the first day of the window before (the day the trend's "before" leaves off)
@example([[(0, 10_000, 10, 1, False, [(0, 10)], "")], [(0, 5_000, 10, 1, False, [(2, 10)], "")]], 191, 90)
@given(
    st.lists(st.lists(invoice_st, min_size=1, max_size=6), min_size=1, max_size=3),
    st.integers(0, 400),
    st.sampled_from([30, 90]),
)
def test_random_ledgers_give_the_same_figures(clients, days, window):
    with tempfile.TemporaryDirectory() as tmp:
        ledger, config = build(tmp, clients)
        day = START + timedelta(days=days)
        assert list(client_stats(ledger, config, day, window=window)) == reference_stats(
            ledger, config, day, window=window
        )
        one = ledger.scalar("SELECT id FROM client WHERE code = 'C0'")
        assert list(client_stats(ledger, config, day, client_id=one)) == reference_stats(
            ledger, config, day, client_id=one
        )
        ledger.close()


def test_instalment_ids_beyond_32_bits_keep_the_newest_first(tmp_path):
    """The newest settled instalments are kept packed in one int (`_Sums.recent`): an id as large as SQLite's
    rowid allows must not pass for a later day (a ledger copied with its ids, or 4 billion instalments)."""
    ledger = open_ledger(new_ledger(str(tmp_path), "l.db"), create=True)
    config = Config()
    add_client(ledger, config, {"code": "A", "name": "A", "email": "a@a.fr"})
    late = create_invoice(ledger, config, "A", "100", issued_on=date(2026, 1, 1), terms=31, force=True)
    prompt = create_invoice(ledger, config, "A", "100", issued_on=date(2026, 1, 2), terms=60, force=True)
    huge = 2**62  # nothing refers to the instalment yet: its id can change
    ledger.execute("UPDATE instalment SET id = ? WHERE invoice_id = (SELECT id FROM invoice WHERE number = ?)",
                   (huge, late.number))  # fmt: skip
    record_payment(ledger, config, "120", invoice=late.number, received_on=date(2026, 3, 2))  # 29 days late
    record_payment(ledger, config, "120", invoice=prompt.number, received_on=date(2026, 3, 3))  # on time, later
    assert ledger.scalar("SELECT COUNT(*) FROM allocation WHERE instalment_id = ?", (huge,)) == 1
    [row] = client_stats(ledger, config, date(2026, 4, 1))
    assert row["lateness"] == "29 0"  # oldest first
    assert [row] == reference_stats(ledger, config, date(2026, 4, 1))
    ledger.close()


def shared_aging(ledger, config, day, client_id=None):
    aged = Aging(Buckets.parse("30,60,90"))
    next(iter(client_stats(ledger, config, day, client_id=client_id, aging=aged)), None)
    return aged.rows


@pytest.mark.parametrize("days", [-300, -30, 0, 45, 400])
def test_the_demo_gives_the_same_aging_from_the_figures_pass(demo, days):
    ledger, config = demo
    day = AS_OF + timedelta(days=days)
    assert shared_aging(ledger, config, day) == list(aging_by_client(ledger, day, Buckets.parse("30,60,90")))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(invoice_st, min_size=1, max_size=6), min_size=1, max_size=3),
    st.integers(0, 400),
    st.integers(0, 300),
)
def test_random_ledgers_give_the_same_aging_from_the_figures_pass(clients, days, on_account):
    """The report's aging (issue 15 item 3) is the aging table's, a client in credit without an invoice included."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger, config = build(tmp, clients)
        add_client(ledger, config, {"code": "A0", "name": "A0", "email": "a0@a.fr"})
        record_payment(ledger, config, "12.34", client="A0", received_on=START + timedelta(days=on_account))
        record_payment(ledger, config, "5.00", client="C0", received_on=START + timedelta(days=on_account))
        day = START + timedelta(days=days)
        table = list(aging_by_client(ledger, day, Buckets.parse("30,60,90")))
        assert shared_aging(ledger, config, day) == table
        one = ledger.scalar("SELECT id FROM client WHERE code = 'C0'")
        assert shared_aging(ledger, config, day, one) == [r for r in table if r["client"] == "C0"]
        ledger.close()


@pytest.mark.parametrize("days", [0, 1, 30, 31, 60, 61, 90, 91])
def test_the_aging_from_the_figures_pass_puts_each_edge_day_in_the_tables_bucket(tmp_path, days):
    # an unpaid invoice due on START, another one due the day after and half paid
    ledger, config = build(str(tmp_path), [[(0, 10_000, 0, 1, False, [], "")], [(1, 8_000, 0, 1, False, [(0, 5)], "")]])
    day = START + timedelta(days=days)
    table = list(aging_by_client(ledger, day, Buckets.parse("30,60,90")))
    assert len(table) == (2 if days else 1) and shared_aging(ledger, config, day) == table
    ledger.close()
