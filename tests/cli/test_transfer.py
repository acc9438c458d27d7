import json

import pytest

from helpers import new_ledger, query

CLIENTS = """code,name,email,terms,language,currency
ACME,Acme SARL,compta@acme.fr,30,fr,EUR
GLOBEX,Globex Ltd,ap@globex.co.uk,,en,GBP
"""

INVOICES = """number,client,issued,due,amount,description
F-2025-0101,ACME,2025-11-02,2025-12-02,1200.00,Site web
F-2025-0102,ACME,2025-12-01,,300.50,Maintenance
G-7,GLOBEX,2025-12-05,2026-01-04,999.99,
"""


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding, newline="")
    return str(path)


def counts(dunner):
    clients = json.loads(dunner("clients", "--format", "json").stdout)
    invoices = json.loads(dunner("invoices", "--format", "json", "--status", "all", "--as-of", "2030-01-01").stdout)
    payments = dunner("export", "payments").stdout.splitlines()[1:]
    return len(clients), len(invoices), len(payments)


@pytest.fixture
def books(dunner, tmp_path):
    dunner("import", "clients", write(tmp_path / "c.csv", CLIENTS))
    dunner("import", "invoices", write(tmp_path / "i.csv", INVOICES))


def test_import_then_import_again_doubles_nothing(dunner, tmp_path, books):
    assert counts(dunner) == (2, 3, 0)
    again = dunner("import", "invoices", str(tmp_path / "i.csv"))
    assert "added 0, updated 0, unchanged 3" in again.stderr
    again = dunner("import", "clients", str(tmp_path / "c.csv"))
    assert "added 0, updated 0, unchanged 2" in again.stderr
    assert counts(dunner) == (2, 3, 0)
    rows = {
        r["invoice"]: r
        for r in json.loads(dunner("invoices", "--format", "json", "--status", "all", "--as-of", "2030-01-01").stdout)
    }
    assert rows["F-2025-0102"]["due"] == "2025-12-31"  # ACME's 30 days
    assert rows["G-7"]["currency"] == "GBP" and rows["G-7"]["total"] == "999.99"
    # the series counter moved past the imported numbers
    assert dunner("invoice", "ACME", "1", "--issued", "2025-12-20").stdout == "F-2025-0103\n"


def test_payments_import_is_idempotent_with_or_without_references(dunner, tmp_path, books):
    payments = write(
        tmp_path / "p.csv",
        (
            "client,date,amount,reference,invoice,method\n"
            "ACME,2025-12-10,500,VIR-1,F-2025-0101,transfer\n"
            "ACME,2025-12-20,100,,,cheque\n"
            "ACME,2025-12-20,100,,,cheque\n"
            "GLOBEX,2026-01-10,999.99,BACS-1,,\n"
        ),
    )
    assert "added 4, updated 0, unchanged 0" in dunner("import", "payments", payments).stderr
    assert "added 0, updated 0, unchanged 4" in dunner("import", "payments", payments).stderr
    assert counts(dunner) == (2, 3, 4)
    aging = json.loads(dunner("aging", "--format", "json", "--as-of", "2026-02-01").stdout)
    assert [(r["client"], r["total"]) for r in aging] == [("ACME", "800.50")]  # 1500.50 - 500 - 2 x 100


def test_one_bad_row_and_nothing_is_written(dunner, tmp_path, books):
    bad = write(
        tmp_path / "bad.csv",
        (
            "number,client,issued,due,amount,description\n"
            "F-2026-0001,ACME,2026-01-02,,100.00,ok\n"
            "F-2026-0002,NOPE,2026-01-02,,100.00,unknown client\n"
            "F-2026-0003,ACME,2026-13-02,,12.345,two problems\n"
            "\n"
            "F-2026-0001,ACME,2026-01-02,,100.00,duplicate in file\n"
            "F-2025-0101,ACME,2025-11-02,2025-12-02,1300.00,clashes with the ledger\n"
            "F-2026-0005,ACME,2026-01-02,,100.00\n"
            "F-2026-0006,ACME,2026-01-02,2025-12-01,100.00,due before issue\n"
        ),
    )
    result = dunner("import", "invoices", bad, code=2)
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: import refused, nothing was written: 7 problem(s) in 6 row(s)"
    assert lines[1:] == [
        "  line 3, column client: no client 'NOPE'",
        "  line 4, column issued: '2026-13-02' is not a real date",
        "  line 4, column amount: '12.345' has 3 decimals; EUR has 2",
        "  line 6, column number: invoice F-2026-0001 already on line 2",
        "  line 7, column amount: invoice F-2025-0101 already exists with another amount",
        "  line 8, column *: expected 6 fields, found 5",
        "  line 9, column due: due date 2025-12-01 is before the issue date 2026-01-02",
    ]
    assert counts(dunner) == (2, 3, 0)


def test_an_import_of_several_batches_shares_the_parties_and_stays_all_or_nothing(dunner, tmp_path, books):
    from dunner.ledger.importing import BATCH

    rows = [f"X-{n:05},{'ACME' if n % 2 else 'GLOBEX'},2026-01-{1 + n % 28:02},,{n}.00" for n in range(1, BATCH + 600)]
    header = "number,client,issued,due,amount\n"
    bad = write(tmp_path / "bad.csv", header + "\n".join([*rows, "X-99999,ACME,2026-01-05,,-1"]) + "\n")
    assert "line 2601, column amount:" in dunner("import", "invoices", bad, code=2).stderr
    assert counts(dunner) == (2, 3, 0)  # the batches written before the bad row were rolled back
    good = write(tmp_path / "good.csv", header + "\n".join(rows) + "\n")
    assert f"added {BATCH + 599}," in dunner("import", "invoices", good).stderr
    snapshots = query(
        "SELECT c.code, COUNT(DISTINCT v.parties_id), COUNT(*) FROM invoice v JOIN client c ON c.id = v.client_id"
        " WHERE v.number LIKE 'X-%' GROUP BY c.code ORDER BY c.code"
    )
    [(stored,)] = query("SELECT COUNT(*) FROM invoice_parties")
    assert snapshots == [("ACME", 1, (BATCH + 600) // 2), ("GLOBEX", 1, (BATCH + 599) // 2)]
    assert stored == 2  # one snapshot per client, whatever the number of batches


def test_bad_header(dunner, tmp_path):
    result = dunner("import", "clients", write(tmp_path / "h.csv", "code,nom,email\nA,B,c@d.fr\n"), code=2)
    assert "line 1, column nom: unknown column" in result.stderr
    assert "line 1, column name: required column is missing" in result.stderr


def test_french_spreadsheet_files(dunner, tmp_path):
    dunner(
        "import",
        "clients",
        write(tmp_path / "c.csv", "code;name;email\r\nCAFE;Café des Arts;café@x.fr\r\n"),
        code=2,
    )
    dunner(
        "import",
        "clients",
        write(tmp_path / "c.csv", "code;name;email\r\nCAFE;Café des Arts;cafe@x.fr\r\n", encoding="cp1252"),
    )
    assert json.loads(dunner("clients", "--format", "json").stdout)[0]["name"] == "Café des Arts"
    text = '\ufeffnumber;client;issued;amount;description\r\nF-1;CAFE;03/02/2026;"1 234,56 €";Prestation détaillée\r\n'
    path = write(tmp_path / "i.csv", text)
    refused = dunner("import", "invoices", path, code=2)
    assert "line 2, column issued: '03/02/2026' is not an ISO date (YYYY-MM-DD)" in refused.stderr
    dunner("import", "invoices", path, "--date-format", "%d/%m/%Y")
    row = json.loads(dunner("invoices", "--format", "json", "--as-of", "2026-12-31").stdout)[0]
    assert (row["invoice"], row["issued"], row["total"]) == ("F-1", "2026-02-03", "1234.56")


def test_stdin_and_dry_run(dunner):
    result = dunner("import", "clients", "-", "--dry-run", input=CLIENTS)
    assert "would add 2" in result.stderr and "dry run, nothing written" in result.stderr
    assert counts(dunner) == (0, 0, 0)
    dunner("import", "clients", "-", input=CLIENTS)
    assert counts(dunner) == (2, 0, 0)


def test_clients_are_updated_by_a_newer_file(dunner, tmp_path, books):
    changed = CLIENTS.replace("compta@acme.fr,30", "factures@acme.fr,45")
    result = dunner("import", "clients", write(tmp_path / "c2.csv", changed))
    assert "added 0, updated 1, unchanged 1" in result.stderr
    acme = json.loads(dunner("clients", "--format", "json").stdout)[0]
    assert (acme["email"], acme["terms"]) == ("factures@acme.fr", 45)


def test_export_imports_back_into_an_empty_ledger(dunner, tmp_path, books):
    dunner("pay", "F-2025-0101", "1250", "--on", "2025-12-15", "--reference", "VIR-9")  # 50 of credit
    dunner("pay", "--client", "ACME", "100", "--on", "2025-12-20")
    for what in ("clients", "invoices", "payments"):
        dunner("export", what, str(tmp_path / f"{what}.csv"))
    before = dunner("aging", "--format", "csv", "--as-of", "2026-01-31").stdout
    fresh = new_ledger(tmp_path, "fresh.db")
    dunner("--db", fresh, "init")
    for what in ("clients", "invoices", "payments"):
        dunner("--db", fresh, "import", what, str(tmp_path / f"{what}.csv"))
    assert dunner("--db", fresh, "aging", "--format", "csv", "--as-of", "2026-01-31").stdout == before
    for what in ("clients", "invoices", "payments"):
        assert dunner("--db", fresh, "export", what).stdout == (tmp_path / f"{what}.csv").read_text().replace(
            "\r\n", "\n"
        )


def test_export_to_stdout_and_missing_file(dunner, books):
    out = dunner("export", "invoices", "-").stdout.splitlines()
    assert out[0] == (
        "number,client,issued,due,currency,service,description,quantity,unit_price,vat_rate,vat_exemption,"
        "category,delivery_address,order"
    )
    assert out[1] == "F-2025-0101,ACME,2025-11-02,2025-12-02,EUR,2025-11-02,Site web,1,1200.00,,,services,,"
    assert "Error: no file nope.csv" in dunner("import", "clients", "nope.csv", code=2).stderr
    assert "what to import must be one of" in dunner("import", "refunds", "x.csv", code=2).stderr


def test_invoices_one_row_a_line(dunner, tmp_path, books):
    lines = write(
        tmp_path / "lines.csv",
        (
            "number;client;issued;due;service;description;quantity;unit_price;vat_rate\r\n"
            "F-2026-0001;ACME;2026-01-05;2026-02-04;2026-01-02;Maquettes;3;450;20\r\n"
            "F-2026-0001;ACME;2026-01-05;2026-02-04;2026-01-02;Formation;0,5;800;10\r\n"
            "F-2026-0002;GLOBEX;2026-01-06;;;Brand book;1;999,99;\r\n"
        ),
    )
    assert "added 2, updated 0, unchanged 0" in dunner("import", "invoices", lines).stderr
    assert "added 0, updated 0, unchanged 2" in dunner("import", "invoices", lines).stderr
    rows = {
        r["invoice"]: r
        for r in json.loads(dunner("invoices", "--format", "json", "--status", "all", "--as-of", "2026-12-31").stdout)
    }
    assert rows["F-2026-0001"]["total"] == "2060.00"  # 1350 + 270 VAT + 400 + 40 VAT
    exported = dunner("export", "invoices").stdout.splitlines()
    assert "F-2026-0001,ACME,2026-01-05,2026-02-04,EUR,2026-01-02,Formation,0.5,800.00,10,,services,," in exported
    bad = write(
        tmp_path / "bad.csv",
        (
            "number,client,issued,description,quantity,unit_price,vat_rate\n"
            "F-2026-0009,ACME,2026-01-05,A,1,10,20\n"
            "F-2026-0009,GLOBEX,2026-01-05,B,1,10,20\n"
            "F-2026-0010,ACME,2026-01-05,C,1,10,20\n"
            "F-2026-0009,ACME,2026-01-05,D,1,10,20\n"
        ),
    )
    refused = dunner("import", "invoices", bad, code=2).stderr
    assert "line 3, column number: a line of F-2026-0009 with other client, currency, dates or vat_exemption" in refused
    assert "line 5, column number: the lines of F-2026-0009 must be on rows next to each other" in refused
    both = write(tmp_path / "both.csv", "number,client,issued,amount,unit_price\nX,ACME,2026-01-05,1,1\n")
    assert "give either an amount column or unit_price" in dunner("import", "invoices", both, code=2).stderr
