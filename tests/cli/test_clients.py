import json

import pytest

from helpers import flat


def test_add_and_list_clients(dunner):
    dunner(
        "add-client",
        "ACME",
        "--name",
        "Acme SARL",
        "--email",
        "compta@acme.fr; boss@acme.fr",
        "--contact",
        "Claire Martin",
        "--phone",
        "+33 1 23 45 67 89",
        "--registration",
        "732829320",
        "--vat-number",
        "FR44732829320",
        "--address",
        "1 rue X\n75001 Paris",
        "--language",
        "fr",
        "--terms",
        "45",
        "--credit-limit",
        "5000",
    )
    dunner(
        "add-client",
        "globex",
        "--name",
        "Globex Ltd",
        "--email",
        "ap@globex.co.uk",
        "--kind",
        "business",
        "--language",
        "en",
        "--currency",
        "gbp",
    )
    rows = json.loads(dunner("clients", "--format", "json").stdout)
    assert [r["code"] for r in rows] == ["ACME", "globex"]
    acme, globex = rows
    assert acme["email"] == "compta@acme.fr, boss@acme.fr"
    assert acme["terms"] == 45 and acme["credit_limit"] == "5000.00" and acme["currency"] == "EUR"
    assert acme["address"] == "1 rue X\n75001 Paris"
    assert globex["currency"] == "GBP" and globex["language"] == "en" and globex["terms"] is None
    csv_out = dunner("clients", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == (
        "code,name,email,contact,phone,kind,registration,vat_number,address,language,currency,terms,"
        "credit_limit,profile,law,end_of_month,country,vat_exemption,electronic_address"
    )
    table = flat(dunner("clients").stdout)
    assert "Acme SARL" in table and "5 000,00" in table


def test_empty_client_list(dunner):
    assert dunner("clients", "--format", "json").stdout == "[]\n"
    assert dunner("clients", "--format", "csv").stdout.startswith("code,name,")
    assert len(dunner("clients", "--format", "csv").stdout.splitlines()) == 1
    assert "No clients yet." in dunner("clients").stdout


def test_codes_are_unique_whatever_the_case(dunner, client):
    client("ACME")
    result = dunner("add-client", "acme", "--name", "Other", "--email", "x@y.fr", code=2)
    assert result.stderr.startswith("Error: client 'ACME' already exists")
    assert len(json.loads(dunner("clients", "--format", "json").stdout)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["BAD CODE", "--name", "x", "--email", "a@b.fr"], "is not a valid client code"),
        (["OK", "--name", "x", "--email", "not-an-email"], "'not-an-email' is not a valid email address"),
        (["OK", "--name", "", "--email", "a@b.fr"], "name is empty"),
        (
            ["OK", "--name", "x", "--email", "a@b.fr", "--kind", "alien"],
            "kind must be one of business, consumer",
        ),
        (["OK", "--name", "x", "--email", "a@b.fr", "--language", "de"], "language must be one of fr, en"),
        (["OK", "--name", "x", "--email", "a@b.fr", "--terms", "-1"], "terms must be between 0 and 3650"),
        (["OK", "--name", "x", "--email", "a@b.fr", "--credit-limit", "12.345"], "has 3 decimals"),
        (["OK", "--name", "x", "--email", "a@b.fr", "--currency", "EURO"], "not an ISO 4217 currency"),
        (["OK", "--name", "x\ny", "--email", "a@b.fr"], "must fit on one line"),
        (["OK", "--email", "a@b.fr"], "Missing option '--name'"),
    ],
)
def test_bad_client_input(dunner, args, message):
    result = dunner("add-client", *args, code=2)
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr.splitlines()[0]
    assert "Traceback" not in result.output
    assert dunner("clients", "--format", "json").stdout == "[]\n"


def test_statement(dunner, client):
    client("ACME", "--terms", "30")
    dunner("invoice", "ACME", "1000", "--issued", "2026-01-10")  # due 02-09
    dunner("invoice", "ACME", "500", "--issued", "2026-02-01")  # due 03-03
    dunner("pay", "--client", "ACME", "1200", "--on", "2026-02-20", "--reference", "VIR-1")
    dunner("pay", "F-2026-0002", "400", "--on", "2026-03-10", "--reference", "VIR-2")  # 300 due, 100 credit
    doc = json.loads(dunner("client", "ACME", "--as-of", "2026-03-31", "--format", "json").stdout)
    assert doc["open"] == []
    assert [p["applied"] for p in doc["payments"]] == [
        [{"invoice": "F-2026-0001", "amount": "1000.00"}, {"invoice": "F-2026-0002", "amount": "200.00"}],
        [{"invoice": "F-2026-0002", "amount": "300.00"}],
    ]
    assert doc["payments"][1]["unapplied"] == "100.00"
    assert doc["credit"] == [{"currency": "EUR", "amount": "100.00"}]
    assert doc["balance"] == [{"currency": "EUR", "amount": "-100.00"}]
    # As of a day before the second payment, that payment does not exist yet.
    past = json.loads(dunner("client", "ACME", "--as-of", "2026-03-05", "--format", "json").stdout)
    assert [(o["invoice"], o["outstanding"], o["days_overdue"]) for o in past["open"]] == [("F-2026-0002", "300.00", 2)]
    assert past["credit"] == [] and past["balance"] == [{"currency": "EUR", "amount": "300.00"}]
    table = flat(dunner("client", "ACME", "--as-of", "2026-03-05").stdout)
    assert "Balance due: 300,00" in table and "F-2026-0001 1 000,00" in table


def test_statement_of_unknown_client(dunner):
    result = dunner("client", "NOPE", code=2)
    assert result.stderr.splitlines() == [
        "Error: no client 'NOPE'",
        "Hint: see 'dunner clients' for the codes",
    ]
