"""Bad input that used to get in: numbers, country codes, invisible characters, empty dates.

Each is refused with exit code 2 and one `Error:` line, and the ledger stays as it was.
"""

from pathlib import Path

import pytest

from helpers import query


def refused(dunner, *args, input=None) -> str:
    """Run a command that must be refused; its one `Error:` line."""
    result = dunner(*args, code=2, input=input)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ")
    return errors[0]


def invoices() -> list[tuple]:
    return query("SELECT number FROM invoice ORDER BY number")


@pytest.fixture
def acme(dunner, configure):
    configure()
    dunner(
        "add-client", "ACME", "--name", "Acme SARL", "--email", "compta@acme.fr", "--address", "1 rue A\n75001 Paris"
    )


# -- 7. every number follows the amount rules -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--line", "x;1e3;10;20"], "quantity '1e3' is not a number"),
        (["--line", "x;Infinity;10;20"], "quantity 'Infinity' is not a number"),
        (["--line", "x;1_000;10;20"], "quantity '1_000' is not a number"),
        (["--line", "x;2;10;2e1"], "'2e1' is not a VAT rate"),
        (["--line", "x;2;10;NaN"], "'NaN' is not a VAT rate"),
        (["100", "--vat", "2e1"], "'2e1' is not a VAT rate"),
        (["100", "--vat", "20", "--discount", "2e0/10"], "'2e0' is not a discount rate"),
        (["100", "--vat", "20", "--discount", "2/1e1"], "discount days must be a whole number of days, not '1e1'"),
        (["١٠٠", "--vat", "20"], "'١٠٠' is not an amount"),
    ],
)
def test_numbers_in_an_invoice(dunner, acme, args, message):
    assert refused(dunner, "invoice", "ACME", *args, "--issued", "2026-01-05").startswith(f"Error: {message}")
    assert invoices() == []


def test_numbers_in_a_deposit(dunner, acme):
    assert "'3e1%' is not a deposit percentage" in refused(
        dunner, "deposit", "ACME", "3e1%", "--of", "1000", "--vat", "20"
    )
    assert "'1e3' is not an amount" in refused(dunner, "deposit", "ACME", "30%", "--of", "1e3", "--vat", "20")
    assert invoices() == []


@pytest.mark.parametrize(
    ("args", "option", "text"),
    [
        (["invoice", "ACME", "100", "--vat", "20", "--terms", "3_0"], "--terms", "3_0"),
        (["invoice", "ACME", "100", "--vat", "20", "--instalments", "٣"], "--instalments", "٣"),
        (["deposit", "ACME", "100", "--vat", "20", "--terms", "30.0"], "--terms", "30.0"),
        (["add-client", "B", "--name", "B", "--email", "b@b.fr", "--terms", "1e1"], "--terms", "1e1"),
        (["forecast", "--weeks", "1_0"], "--weeks", "1_0"),
        (["stats", "--window", "３０"], "--window", "３０"),
    ],
)
def test_whole_number_options(dunner, acme, args, option, text):
    assert refused(dunner, *args) == f"Error: Invalid value for '{option}': '{text}' is not a whole number"
    assert invoices() == [] and query("SELECT code FROM client") == [("ACME",)]


def test_whole_number_options_keep_their_range(dunner, acme):
    assert "'--weeks': 0 is not in the range 1 to 104" in refused(dunner, "forecast", "--weeks", "0")
    assert dunner("forecast", "--weeks", "3").exit_code == 0


def test_numbers_in_an_aging(dunner, acme):
    assert "'3_0,60' is not a list of days" in refused(dunner, "aging", "--buckets", "3_0,60")


def test_numbers_in_an_imported_file(dunner, acme, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(
        "number,client,issued,terms,quantity,unit_price,vat_rate\n"
        "F-1,ACME,2026-01-05,30,1e3,10,20\n"
        "F-2,ACME,2026-01-05,3_0,1,10,20\n"
        "F-3,ACME,2026-01-05,30,1,1e2,Infinity\n",
        encoding="utf-8",
    )
    result = dunner("import", "invoices", str(path), code=2)
    assert "line 2, column quantity: quantity '1e3' is not a number" in result.stderr
    assert "line 3, column terms: terms must be a whole number of days, not '3_0'" in result.stderr
    assert "line 4, column vat_rate: 'Infinity' is not a VAT rate" in result.stderr
    assert "line 4, column unit_price: '1e2' is not an amount" in result.stderr
    assert invoices() == []


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[law]\ncontractual_rate = "1e1"\n', "[law] contractual_rate"),
        ("[law]\ncontractual_rate = nan\n", "[law] contractual_rate"),
        ('[agenda]\ncall_amount = "1e3"\n', "[agenda] call_amount"),
        ("[agenda]\ncall_amount = inf\n", "[agenda] call_amount"),
    ],
)
def test_numbers_in_the_config(dunner, configure, toml, key):
    configure(toml)
    assert f": {key}: " in refused(dunner, "clients")


# -- 8. country codes are ISO 3166-1 alpha-2 --------------------------------------------------------


@pytest.mark.parametrize("code", ["XX", "ZZ", "EU", "UK"])
def test_a_country_that_is_not_one_is_refused(dunner, configure, code):
    configure()
    line = refused(dunner, "add-client", "X1", "--name", "X", "--email", "a@x.fr", "--country", code)
    assert line == f"Error: '{code}' is not an ISO 3166 country code"
    assert query("SELECT code FROM client") == []


def test_countries_are_checked_everywhere(dunner, acme, configure, tmp_path):
    assert "'XX' is not an ISO 3166" in refused(dunner, "edit-client", "ACME", "--country", "XX")
    assert query("SELECT country FROM client") == [("FR",)]
    path = tmp_path / "c.csv"
    path.write_text("code,name,email,country\nB1,B,b@b.fr,ZZ\nB2,B,b@b.fr,gb\n", encoding="utf-8")
    assert (
        "line 2, column country: 'ZZ' is not an ISO 3166 country code"
        in dunner("import", "clients", str(path), code=2).stderr
    )
    dunner("add-client", "GBX", "--name", "G", "--email", "g@g.uk", "--country", "gb")
    assert query("SELECT country FROM client WHERE code = 'GBX'") == [("GB",)]
    configure('country = "XX"\n')
    assert "[business] country: must be an ISO 3166 country code" in refused(dunner, "clients")


# -- 9. invisible characters that can spoof text ----------------------------------------------------

RLO = "\u202e"  # right-to-left override: "Acme\u202eRLS" shows as "AcmeSLR"


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\u200b", "\ufeff", "\u061c"])
def test_names_and_addresses_refuse_format_characters(dunner, configure, char):
    configure()
    for option, value in (
        ("--name", f"Acme{char}"),
        ("--contact", f"M.{char} X"),
        ("--address", f"1 rue{char}\nParis"),
    ):
        args = {"--name": "Acme", "--email": "a@acme.fr", option: value}
        line = refused(dunner, "add-client", "ACME", *[part for pair in args.items() for part in pair])
        assert f"contains the invisible character U+{ord(char):04X}" in line
    assert query("SELECT code FROM client") == []


def test_descriptions_references_notes_and_reasons_refuse_them(dunner, acme):
    for args in (
        ["invoice", "ACME", "--line", f"Conseil{RLO}ylno;1;100;20"],
        ["invoice", "ACME", "100", "--vat", "20", "--description", f"x{RLO}"],
        ["invoice", "ACME", "100", "--vat", "20", "--number", f"F{RLO}-1"],
    ):
        assert "invisible character U+202E" in refused(dunner, *args, "--issued", "2026-01-05")
    assert invoices() == []
    number = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-01-05").stdout.strip()
    for args in (
        ["pay", number, "10", "--reference", f"VIR{RLO}1"],
        ["pay", number, "10", "--note", f"ok{RLO}"],
        ["credit-note", number, "10", "--reason", f"geste{RLO}"],
        ["dispute", number, "--reason", f"prix{RLO}"],
        ["log-call", number, "--note", f"rappel{RLO}"],
    ):
        assert "invisible character U+202E" in refused(dunner, *args)
    assert query("SELECT COUNT(*) FROM payment") == [(0,)]
    assert query("SELECT COUNT(*) FROM event WHERE text LIKE ?", (f"%{RLO}%",)) == [(0,)]


def test_what_the_business_prints_on_every_invoice_refuses_them_too(dunner, configure):
    configure(f'phone = "04 78{RLO} 00"\n')  # [business] goes on, after the test business's name and address
    assert "[business] phone: contains the control or invisible character U+202E" in refused(dunner, "clients")
    configure('website = "https://atelier\\u200b-test.fr"\n')  # a TOML escape
    assert "[business] website: contains the control or invisible character U+200B" in refused(dunner, "clients")


def test_a_control_character_in_a_line_description_is_refused(dunner, acme):
    assert "must fit on one line" in refused(dunner, "invoice", "ACME", "--line", "Conseil\x1b[31m;1;100;20")
    assert invoices() == []


def test_imports_refuse_them(dunner, acme, tmp_path):
    clients = tmp_path / "c.csv"
    clients.write_text(f"code,name,email\nB1,Bad{RLO}Name,b@b.fr\n", encoding="utf-8")
    assert (
        "line 2, column name: name contains the invisible character U+202E"
        in dunner("import", "clients", str(clients), code=2).stderr
    )
    lines = tmp_path / "i.csv"
    lines.write_text("number,client,issued,amount,description\nF-9,ACME,2026-01-05,10,a\u2066b\n", encoding="utf-8")
    assert (
        "column description: description contains the invisible character U+2066"
        in dunner("import", "invoices", str(lines), code=2).stderr
    )
    assert invoices() == [] and query("SELECT code FROM client") == [("ACME",)]


# -- 10. an empty date is an error, not today -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["aging", "--as-of", ""], "--as-of"),
        (["stats", "--as-of", ""], "--as-of"),
        (["agenda", "--as-of", ""], "--as-of"),
        (["remind", "--dry-run", "--as-of", ""], "--as-of"),
        (["invoice", "ACME", "100", "--vat", "20", "--issued", ""], "--issued"),
        (["invoice", "ACME", "100", "--vat", "20", "--issued", "2026-01-05", "--due", ""], "--due"),
        (["invoice", "ACME", "100", "--vat", "20", "--issued", "2026-01-05", "--service-date", " "], "--service-date"),
        (["deposit", "ACME", "100", "--vat", "20", "--issued", ""], "--issued"),
        (["pause", "ACME", "--until", ""], "--until"),
        (["pause", "ACME", "--on", ""], "--on"),
    ],
)
def test_an_empty_date_option_is_refused(dunner, acme, args, option):
    assert refused(dunner, *args).startswith(f"Error: {option} is empty")
    assert invoices() == [] and query("SELECT COUNT(*) FROM event") == [(0,)]


def test_empty_dates_on_an_invoice_and_in_files(dunner, acme, tmp_path):
    number = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-01-05").stdout.strip()
    for args in (
        ["pay", number, "10", "--on", ""],
        ["credit-note", number, "10", "--reason", "x", "--on", ""],
        ["log-call", number, "--note", "x", "--promise", ""],
        ["promise", number, ""],
        ["notice", number, "--as-of", ""],
        ["dossier", "ACME", "--as-of", ""],
    ):
        assert "is empty" in refused(dunner, *args), args
    assert query("SELECT COUNT(*) FROM payment") == [(0,)] and query("SELECT COUNT(*) FROM event") == [(0,)]
    assert not list(Path.cwd().glob("*.pdf")) and not list(Path.cwd().glob("*.zip"))
    path = tmp_path / "p.csv"
    path.write_text(f"client,date,amount,invoice\nACME,,10,{number}\n", encoding="utf-8")
    assert "line 2, column date: the date is empty" in dunner("import", "payments", str(path), code=2).stderr
