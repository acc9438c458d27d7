import csv
import io
import json

from helpers import flat


def aging(dunner, *args):
    return json.loads(dunner("aging", "--format", "json", *args).stdout)


def test_csv_columns_and_edges(dunner, client):
    client("ACME", "--terms", "0")
    # due dates chosen so that as of 2026-06-30 they are 0, 1, 30, 31, 60, 61, 90, 91 days overdue
    for due, amount in [
        ("2026-06-30", "1"),
        ("2026-06-29", "2"),
        ("2026-05-31", "4"),
        ("2026-05-30", "8"),
        ("2026-05-01", "16"),
        ("2026-04-30", "32"),
        ("2026-04-01", "64"),
        ("2026-03-31", "128"),
        ("2026-07-15", "256"),
    ]:
        dunner("invoice", "ACME", amount, "--issued", "2026-01-01", "--due", due, "--force")
    result = dunner("aging", "--format", "csv", "--as-of", "2026-06-30")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        ["client", "currency", "credit", "current", "1-30", "31-60", "61-90", "91+", "total"],
        ["ACME", "EUR", "0.00", "257.00", "6.00", "24.00", "96.00", "128.00", "511.00"],
    ]
    assert result.stdout_bytes.count(b"\r\n") == 2  # RFC 4180 line ends
    by_invoice = dunner("aging", "--by", "invoice", "--format", "csv", "--as-of", "2026-06-30").stdout
    lines = list(csv.DictReader(io.StringIO(by_invoice)))
    assert list(lines[0]) == [
        "client",
        "invoice",
        "currency",
        "due_date",
        "days_overdue",
        "outstanding",
        "bucket",
    ]
    assert [(r["days_overdue"], r["bucket"]) for r in lines] == [
        ("91", "91+"),
        ("90", "61-90"),
        ("61", "61-90"),
        ("60", "31-60"),
        ("31", "31-60"),
        ("30", "1-30"),
        ("1", "1-30"),
        ("0", "current"),
        ("-15", "current"),
    ]


def test_custom_buckets_name_their_columns(dunner, client):
    client("ACME", "--terms", "0")
    dunner("invoice", "ACME", "10", "--issued", "2026-01-01", "--due", "2026-06-10", "--force")  # 20 days
    dunner("invoice", "ACME", "20", "--issued", "2026-01-01", "--due", "2026-05-01", "--force")  # 60 days
    row = aging(dunner, "--as-of", "2026-06-30", "--buckets", "15,45")[0]
    assert list(row) == ["client", "currency", "credit", "current", "1-15", "16-45", "46+", "total"]
    assert (row["16-45"], row["46+"], row["total"]) == ("10.00", "20.00", "30.00")
    assert "bucket edges must be positive" in dunner("aging", "--buckets", "45,15", code=2).stderr


def test_partial_payments_credit_and_past_dates(dunner, client):
    client("ACME", "--terms", "30")
    dunner("invoice", "ACME", "1000", "--issued", "2026-01-01")  # due 01-31
    dunner("invoice", "ACME", "300", "--issued", "2026-03-01")  # due 03-31
    dunner("pay", "F-2026-0001", "400", "--on", "2026-02-15")
    dunner("pay", "F-2026-0001", "700", "--on", "2026-03-10")  # 600 due: 100 credit
    assert aging(dunner, "--as-of", "2026-01-31") == [
        {
            "client": "ACME",
            "currency": "EUR",
            "credit": "0.00",
            "current": "1000.00",
            "1-30": "0.00",
            "31-60": "0.00",
            "61-90": "0.00",
            "91+": "0.00",
            "total": "1000.00",
        }
    ]
    # 02-20: the first payment has arrived, the second has not; the second invoice does not exist yet
    assert aging(dunner, "--as-of", "2026-02-20")[0]["1-30"] == "600.00"
    assert aging(dunner, "--as-of", "2026-02-20")[0]["total"] == "600.00"
    now = aging(dunner, "--as-of", "2026-03-15")[0]
    assert (now["credit"], now["current"], now["1-30"], now["total"]) == (
        "100.00",
        "300.00",
        "0.00",
        "200.00",
    )


def test_currencies_are_never_summed(dunner, client):
    client("ACME")
    client("GLOBEX", "--currency", "GBP")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-01")
    dunner("invoice", "ACME", "50", "--issued", "2026-01-01", "--currency", "USD")
    dunner("invoice", "GLOBEX", "70", "--issued", "2026-01-01")
    rows = aging(dunner, "--as-of", "2026-01-02")
    assert [(r["client"], r["currency"], r["total"]) for r in rows] == [
        ("ACME", "EUR", "100.00"),
        ("ACME", "USD", "50.00"),
        ("GLOBEX", "GBP", "70.00"),
    ]
    table = flat(dunner("aging", "--as-of", "2026-01-02").stdout)
    totals = [line for line in table.splitlines() if "TOTAL" in line]
    assert len(totals) == 3 and any("100,00 €" in t for t in totals) and any("70,00 £GB" in t for t in totals)


def test_empty_ledger(dunner):
    assert aging(dunner) == []
    assert dunner("aging", "--format", "csv").stdout == "client,currency,credit,current,1-30,31-60,61-90,91+,total\n"
    assert "Nothing is owed." in dunner("aging").stdout
    assert "--by must be one of client, invoice" in dunner("aging", "--by", "region", code=2).stderr
