"""`dunner client CODE`: the statement streamed (issue 15 item 2), its JSON written item by item as
`json.dump` would write the whole document, each payment with what it paid."""

import io
import json
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dunner.edges.output import dump_json
from dunner.ledger.statement import statement

leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.decimals(allow_nan=False).map(str))
value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3))


@given(st.dictionaries(st.text(), st.tuples(value, st.sampled_from(["plain", "iterator", "callable"])), max_size=5))
def test_dump_json_writes_what_json_dump_writes(doc):
    whole = {key: v for key, (v, _) in doc.items()}
    streamed = {}
    for key, (v, how) in doc.items():
        if how == "iterator" and isinstance(v, list):
            streamed[key] = iter(v)
        elif how == "callable":
            streamed[key] = lambda v=v: v
        else:
            streamed[key] = v
    out = io.StringIO()
    dump_json(streamed, out)
    assert out.getvalue() == json.dumps(whole, ensure_ascii=False, indent=2)


def test_each_payment_shows_what_it_paid_and_the_rows_come_as_read(dunner, client, configure, ledger):
    configure()
    client("A")
    client("B")
    dunner("invoice", "A", "100", "--issued", "2026-01-05", "--vat", "0")  # F-2026-0001
    dunner("invoice", "B", "70", "--issued", "2026-01-05", "--vat", "0")  # F-2026-0002
    dunner("invoice", "A", "40", "--issued", "2026-01-06", "--vat", "0")  # F-2026-0003
    dunner("pay", "--client", "A", "130", "--on", "2026-02-01")  # 100 to 0001, 30 to 0003
    dunner("pay", "F-2026-0002", "70", "--on", "2026-02-01")  # B's, the same day, in between
    dunner("pay", "--client", "A", "25", "--on", "2026-01-20")  # recorded later, received before: 10 to 0003
    dunner("pay", "--client", "A", "5", "--on", "2026-02-01")  # nothing left to pay: all credit
    doc = json.loads(dunner("client", "A", "--as-of", "2026-03-01", "--format", "json").stdout)
    paid = [(p["date"], p["amount"], [(a["invoice"], a["amount"]) for a in p["applied"]], p["unapplied"])
            for p in doc["payments"]]  # fmt: skip
    assert paid == [
        ("2026-01-20", "25.00", [("F-2026-0003", "10.00")], "15.00"),
        ("2026-02-01", "130.00", [("F-2026-0001", "100.00"), ("F-2026-0003", "30.00")], "0.00"),
        ("2026-02-01", "5.00", [], "5.00"),
    ]
    assert doc["open"] == [] and doc["balance"] == [{"currency": "EUR", "amount": "-20.00"}]
    # as of before the last payments: F-0003 open (30 of 40 due), the 25 received so far partly credit
    early = json.loads(dunner("client", "A", "--as-of", "2026-01-25", "--format", "json").stdout)
    owed = [(o["invoice"], o["outstanding"]) for o in early["open"]]
    assert owed == [("F-2026-0001", "100.00"), ("F-2026-0003", "30.00")]
    assert early["balance"] == [{"currency": "EUR", "amount": "115.00"}]
    rows = statement(ledger, "A", date(2026, 3, 1)).payments()
    assert iter(rows) is rows and sum(p.amount.amount for p in rows) == Decimal("160")
