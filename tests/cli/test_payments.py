import json
from decimal import Decimal

import pytest

from helpers import flat


def invoices(dunner, *args):
    return {
        r["invoice"]: r for r in json.loads(dunner("invoices", "--format", "json", "--status", "all", *args).stdout)
    }


@pytest.fixture
def acme(dunner, client):
    client("ACME", "--terms", "30")
    dunner("invoice", "ACME", "1000", "--issued", "2026-01-01")  # F-2026-0001 due 01-31
    dunner("invoice", "ACME", "500", "--issued", "2026-01-15")  # F-2026-0002 due 02-14
    dunner("invoice", "ACME", "250", "--issued", "2026-01-15", "--due", "2026-01-20")  # F-2026-0003 due 01-20


def test_partial_then_full_payment(dunner, acme):
    out = flat(dunner("pay", "F-2026-0001", "400", "--on", "2026-02-05", "--method", "cheque").stdout)
    assert "400,00 € to F-2026-0001 (600,00 € still due)" in out
    out = flat(dunner("pay", "F-2026-0001", "600", "--on", "2026-02-10").stdout)
    assert "600,00 € to F-2026-0001 (now paid)" in out
    row = invoices(dunner, "--as-of", "2026-03-01")["F-2026-0001"]
    assert (row["paid"], row["outstanding"], row["status"]) == ("1000.00", "0.00", "paid")


def test_overpayment_stays_as_credit_and_is_said(dunner, acme):
    out = flat(dunner("pay", "F-2026-0003", "300", "--on", "2026-01-25").stdout)
    assert "250,00 € to F-2026-0003 (now paid)" in out
    assert "50,00 € more than was owed stays as ACME's credit (credit now 50,00 €)" in out
    # credit is not silently applied to other invoices
    assert invoices(dunner, "--as-of", "2026-03-01")["F-2026-0001"]["outstanding"] == "1000.00"


def test_client_payment_goes_to_the_oldest_due_first(dunner, acme):
    out = flat(dunner("pay", "--client", "ACME", "1400", "--on", "2026-02-01").stdout)
    # due 01-20 (F-3), then 01-31 (F-1), then 02-14 (F-2)
    assert "250,00 € to F-2026-0003 (now paid); 1 000,00 € to F-2026-0001 (now paid); " in out
    assert "150,00 € to F-2026-0002 (350,00 € still due)" in out
    out = flat(dunner("pay", "--client", "acme", "400", "--on", "2026-02-20").stdout)
    assert "350,00 € to F-2026-0002 (now paid)" in out and "50,00 € more than was owed" in out


def test_payment_totals_never_drift(dunner, acme):
    for amount in ["0.01", "333.33", "333.33", "333.34", "99.99", "700"]:
        dunner("pay", "--client", "ACME", amount, "--on", "2026-03-01")
    rows = invoices(dunner, "--as-of", "2026-03-31")
    paid = sum(Decimal(r["paid"]) for r in rows.values())
    credit = json.loads(dunner("client", "ACME", "--format", "json", "--as-of", "2026-03-31").stdout)["credit"]
    assert paid == Decimal("1750.00")
    assert paid + sum(Decimal(c["amount"]) for c in credit) == Decimal(
        "1800.00"
    )  # every cent paid in is either applied or credit


def test_duplicate_reference_is_refused(dunner, acme):
    dunner("pay", "F-2026-0001", "100", "--reference", "VIR-1", "--on", "2026-02-01")
    result = dunner("pay", "F-2026-0002", "100", "--reference", "VIR-1", "--on", "2026-02-01", code=2)
    assert result.stderr.startswith("Error: a payment with reference 'VIR-1' from ACME is already recorded")
    assert invoices(dunner, "--as-of", "2026-03-01")["F-2026-0002"]["paid"] == "0.00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["F-2026-0001"], "give INVOICE AMOUNT, or AMOUNT with --client"),
        (["F-2026-0001", "10", "20"], "give INVOICE AMOUNT"),
        (["--client", "ACME", "F-2026-0001", "10"], "give INVOICE AMOUNT, or AMOUNT with --client"),
        (["F-9999", "10"], "no invoice 'F-9999'"),
        (["--client", "NOPE", "10"], "no client 'NOPE'"),
        (["F-2026-0001", "0"], "is zero"),
        (["F-2026-0001", "1.234"], "has 3 decimals"),
        (["F-2026-0001", "10", "--method", "bitcoin"], "method must be one of"),
        (["F-2026-0001", "10", "--currency", "GBP"], "is in EUR, not GBP"),
        (["F-2026-0001", "10", "--on", "yesterday"], "is not an ISO date"),
    ],
)
def test_bad_payments_change_nothing(dunner, acme, args, message):
    result = dunner("pay", *args, code=2)
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert all(r["paid"] == "0.00" for r in invoices(dunner, "--as-of", "2026-12-31").values())


def test_other_currency_payment_is_credit_in_that_currency(dunner, acme):
    out = flat(dunner("pay", "--client", "ACME", "100", "--currency", "GBP", "--on", "2026-02-01").stdout)
    assert "nothing was open" in out and "100,00 £GB more than was owed" in out
    aging = json.loads(dunner("aging", "--format", "json", "--as-of", "2026-02-01").stdout)
    assert [(r["currency"], r["credit"], r["total"]) for r in aging] == [
        ("EUR", "0.00", "1750.00"),
        ("GBP", "100.00", "-100.00"),
    ]


def test_payment_before_the_invoice_date_counts_from_the_invoice_date(dunner, client):
    client("ACME")
    dunner("invoice", "ACME", "100", "--issued", "2026-03-01")
    dunner("pay", "F-2026-0001", "100", "--on", "2026-02-20")  # a prepayment
    before = json.loads(dunner("aging", "--format", "json", "--as-of", "2026-02-25").stdout)
    assert [(r["credit"], r["total"]) for r in before] == [("100.00", "-100.00")]  # money held, nothing invoiced
    assert json.loads(dunner("aging", "--format", "json", "--as-of", "2026-03-02").stdout) == []  # settled
