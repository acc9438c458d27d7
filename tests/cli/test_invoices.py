import json
from datetime import date

import pytest

from dunner.core.errors import BadInput
from dunner.edges.config import Config
from dunner.ledger import issuing, writing


def listing(dunner, *args):
    return json.loads(dunner("invoices", "--format", "json", *args).stdout)


def test_invoice_prints_its_number_and_numbers_are_gapless(dunner, client):
    client("ACME", "--terms", "45")
    first = dunner("invoice", "ACME", "1200", "--issued", "2026-03-01")
    assert first.stdout == "F-2026-0001\n"
    assert "due 2026-04-15" in first.stderr  # the client's 45 days
    assert dunner("invoice", "ACME", "80,50", "--issued", "2026-03-02").stdout == "F-2026-0002\n"
    assert dunner("invoice", "ACME", "10", "--issued", "2027-01-02").stdout == "F-2027-0001\n"
    rows = listing(dunner, "--status", "all", "--as-of", "2027-12-31")
    assert [(r["invoice"], r["total"], r["due"]) for r in rows] == [
        ("F-2026-0001", "1200.00", "2026-04-15"),
        ("F-2026-0002", "80.50", "2026-04-16"),
        ("F-2027-0001", "10.00", "2027-02-16"),
    ]


def test_due_date_options(dunner, client):
    client("ACME")  # no terms of its own: the configured default, 30 days
    dunner("invoice", "ACME", "1", "--issued", "2026-01-01")
    dunner("invoice", "ACME", "1", "--issued", "2026-01-01", "--terms", "10")
    dunner("invoice", "ACME", "1", "--issued", "2026-01-01", "--due", "2026-01-01")
    assert [r["due"] for r in listing(dunner, "--as-of", "2026-01-01")] == [
        "2026-01-31",
        "2026-01-11",
        "2026-01-01",
    ]


def test_configured_default_terms_and_pattern(dunner, client, tmp_path):
    (tmp_path / "dunner.toml").write_text(
        '[defaults]\nterms = 15\n[invoice]\nnumber_pattern = "{yy}{month}-{seq:03}"\n'
    )
    client("ACME")
    assert dunner("invoice", "ACME", "1", "--issued", "2026-07-14").stdout == "2607-001\n"
    assert listing(dunner, "--as-of", "2026-07-14")[0]["due"] == "2026-07-29"


def test_existing_numbers_are_brought_over_and_the_series_skips_them(dunner, client):
    client("ACME")
    assert (
        dunner("invoice", "ACME", "100", "--number", "F-2026-0041", "--issued", "2026-01-03").stdout == "F-2026-0041\n"
    )
    assert dunner("invoice", "ACME", "100", "--number", "OLD-7", "--issued", "2025-12-01").stdout == "OLD-7\n"
    assert dunner("invoice", "ACME", "100", "--issued", "2026-02-01").stdout == "F-2026-0042\n"
    result = dunner("invoice", "ACME", "100", "--number", "OLD-7", code=2)
    assert result.stderr.startswith("Error: invoice number 'OLD-7' is already used")


def test_currency_defaults_to_the_clients(dunner, client):
    client("GLOBEX", "--currency", "GBP")
    dunner("invoice", "GLOBEX", "99.99", "--issued", "2026-01-01")
    dunner("invoice", "GLOBEX", "10", "--issued", "2026-01-01", "--currency", "eur")
    rows = listing(dunner, "--as-of", "2026-01-01")
    assert [(r["currency"], r["total"]) for r in rows] == [("GBP", "99.99"), ("EUR", "10.00")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE", "10"], "no client 'NOPE'"),
        (["ACME", "0"], "is zero"),
        (["ACME", "-5"], "No such option: -5"),
        (["ACME", "abc"], "'abc' is not an amount"),
        (["ACME", "10.001"], "has 3 decimals; EUR has 2"),
        (["ACME", "10", "--currency", "JPY", "--issued", "2026-01-01"], None),
        (["ACME", "10.5", "--currency", "JPY"], "has 1 decimals; JPY has 0"),
        (["ACME", "10", "--issued", "2026-02-30"], "'2026-02-30' is not a real date"),
        (["ACME", "10", "--issued", "01/02/2026"], "is not an ISO date"),
        (["ACME", "10", "--issued", "2026-03-01", "--due", "2026-02-01"], "is before the issue date"),
        (["ACME", "10", "--due", "2026-12-01", "--terms", "5"], "either a due date or terms"),
        (["ACME", "10", "--currency", "ZZZ"], "'ZZZ' is not an ISO 4217 currency code"),
    ],
)
def test_bad_invoice_input_changes_nothing(dunner, client, args, message):
    client("ACME")
    if message is None:  # a valid control case: JPY amounts without decimals are fine
        dunner("invoice", *args)
        return
    result = dunner("invoice", *args, code=2)
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert listing(dunner, "--status", "all", "--as-of", "2030-01-01") == []
    # and no number was burnt
    assert dunner("invoice", "ACME", "1", "--issued", "2026-01-01").stdout == "F-2026-0001\n"


def test_a_failed_creation_burns_no_number(ledger, monkeypatch, dunner, client):
    client("ACME")
    config = Config()
    new = issuing.prepare_invoice(ledger, config, "ACME", "10", issued_on=date(2026, 5, 1))

    def broken(*_args, **_kwargs):
        raise BadInput("simulated failure after the number was claimed")

    with monkeypatch.context() as patch:
        patch.setattr(writing, "insert_invoices", broken)
        with pytest.raises(BadInput):
            writing.write_invoice(ledger, config, new)
    assert ledger.scalar("SELECT COUNT(*) FROM invoice") == 0
    assert writing.write_invoice(ledger, config, new).number == "F-2026-0001"
    assert dunner("invoice", "ACME", "1", "--issued", "2026-05-02").stdout == "F-2026-0002\n"


def test_status_filters(dunner, client):
    client("ACME", "--terms", "30")
    client("BETA", "--terms", "30")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-01")  # F-2026-0001 due 01-31
    dunner("invoice", "BETA", "100", "--issued", "2026-01-10")  # F-2026-0002 due 02-09
    dunner("invoice", "ACME", "100", "--issued", "2026-02-15")  # F-2026-0003 due 03-17
    dunner("pay", "F-2026-0002", "100", "--on", "2026-02-01")
    dunner("pay", "F-2026-0001", "40", "--on", "2026-02-01")

    def numbers(*args):
        return [r["invoice"] for r in listing(dunner, "--as-of", "2026-03-01", *args)]

    assert numbers() == ["F-2026-0001", "F-2026-0003"]
    assert numbers("--status", "overdue") == ["F-2026-0001"]
    assert numbers("--status", "paid") == ["F-2026-0002"]
    assert numbers("--status", "all") == ["F-2026-0001", "F-2026-0002", "F-2026-0003"]
    assert numbers("--status", "all", "--client", "beta") == ["F-2026-0002"]
    row = listing(dunner, "--as-of", "2026-03-01", "--status", "overdue")[0]
    assert (row["paid"], row["outstanding"], row["days_overdue"], row["status"]) == (
        "40.00",
        "60.00",
        29,
        "overdue",
    )
    # as of a date before the payment, BETA's invoice was still open, and overdue after its due date
    assert [r["invoice"] for r in listing(dunner, "--as-of", "2026-01-31")] == ["F-2026-0001", "F-2026-0002"]
    assert listing(dunner, "--as-of", "2026-01-31", "--status", "overdue") == []
    result = dunner("invoices", "--status", "late", code=2)
    assert "status must be one of open, overdue, paid, all" in result.stderr
