"""Whatever the plan, the payments and the date, a demand counts each late invoice's indemnity once, and its
list, its principal and its claim are the same figures."""

import tempfile
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunner.dunning.claims import claim_invoice, demand
from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_invoice
from dunner.ledger.payments import record_payment
from helpers import new_ledger

ISSUED = date(2025, 1, 1)
invoice_st = st.tuples(
    st.integers(100, 900_000),  # cents
    st.integers(1, 4),  # instalments
    st.integers(5, 40),  # days between them
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(invoice_st, min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 200), st.integers(1, 300_000)), max_size=4),  # (day, cents) paid
    st.integers(0, 300),
)
def test_each_late_invoice_counts_its_indemnity_once(invoices, payments, day):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(new_ledger(tmp, "l.db"), create=True)
        config = Config()
        client = add_client(ledger, config, {"code": "A", "name": "A SARL", "email": "a@a.fr"})
        numbers = [
            create_invoice(
                ledger,
                config,
                "A",
                f"{cents // 100}.{cents % 100:02d}",
                issued_on=ISSUED,
                instalments=count,
                every=every,
                force=True,
            ).number
            for cents, count, every in invoices
        ]
        for paid_day, cents in sorted(payments):
            record_payment(
                ledger,
                config,
                f"{cents // 100}.{cents % 100:02d}",
                received_on=ISSUED + timedelta(paid_day),
                client="A",
            )
        as_of = ISSUED + timedelta(day)
        result = demand(ledger, config, client.id, "EUR", as_of, invoices=numbers)
        late = [n for n in numbers if claim_invoice(ledger, config, n, as_of).claim.indemnity]
        assert result.indemnity.minor == 4000 * len(late)  # 40 EUR once per late invoice, never per instalment
        assert len({c.number for c in result.claims}) == len(result.claims)
        assert result.principal.minor == sum(c.claim.principal.minor for c in result.claims)
        assert result.principal.minor == sum(line.due.minor for line in result.lines)
        assert all(line.due_on < as_of and line.due.minor >= 0 for line in result.lines)
        assert result.total == result.principal + result.interest + result.indemnity
        ledger.close()
