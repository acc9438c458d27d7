"""`dunner bank`, end to end through the command line: statements written by another tool (lxml's
ElementMaker, from the ISO 20022 names) are imported, their credits matched, and the ledger shows it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from camt_files import OURS, Entry, camt053
from stdnum import iso11649

ACME_IBAN = "FR1420041010050500013M02606"
OTHER_IBAN = "DE89370400440532013000"


@pytest.fixture
def books(dunner, client, configure):
    """ACME owes F-2026-0001 (1 200) and F-2026-0002 (300); BETA owes F-2026-0003 (300)."""
    configure()
    client("ACME", "--terms", "30")
    client("BETA", "--terms", "30")
    dunner("invoice", "ACME", "1200", "--issued", "2026-02-01")
    dunner("invoice", "ACME", "300", "--issued", "2026-02-03")
    dunner("invoice", "BETA", "300", "--issued", "2026-02-05")
    return dunner


def lines(dunner, status: str = "all") -> list[dict[str, str]]:
    out = dunner("bank", "lines", "--status", status, "--format", "csv").stdout
    return list(csv.DictReader(io.StringIO(out)))


def outstanding(dunner, as_of: str = "2026-03-10") -> dict[str, Decimal]:
    out = dunner("invoices", "--status", "all", "--as-of", as_of, "--format", "csv").stdout
    return {r["invoice"]: Decimal(r["outstanding"]) for r in csv.DictReader(io.StringIO(out))}


def payments(ledger) -> list[tuple]:
    return [
        tuple(r)
        for r in ledger.all(
            "SELECT c.code, p.received_on, p.amount_cents, p.method, p.reference FROM payment p"
            " JOIN client c ON c.id = p.client_id ORDER BY p.id"
        )
    ]


def rf(key: str) -> str:
    """An ISO 11649 reference built with python-stdnum, not with dunner's own code."""
    from stdnum.iso7064 import mod_97_10

    return "RF" + mod_97_10.calc_check_digits(key + "RF") + key


def test_an_rf_reference_pays_its_invoice_as_pay_would(books, ledger, tmp_path):
    reference = rf("F20260001")
    assert iso11649.is_valid(reference)
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", rf=reference, debtor="ACME", ref="BQ-1", e2e="E1")])
    result = books("bank", "import", str(statement), "--as-of", "2026-03-03")
    assert "1 line, 1 new: 1 matched" in result.stderr
    assert payments(ledger) == [("ACME", "2026-03-02", 120000, "transfer", "BQ-1")]
    assert outstanding(books)["F-2026-0001"] == 0
    [line] = lines(books)
    assert (line["status"], line["client"], line["invoices"], line["amount"]) == (
        "matched",
        "ACME",
        "F-2026-0001",
        "1200.00",
    )
    assert line["reason"].startswith("RF reference")


def test_invoice_numbers_in_the_text_tolerate_case_spaces_and_zeros_but_not_another_number(books, ledger, tmp_path):
    statement = camt053(
        tmp_path / "s.xml",
        [
            Entry("300.00", text="VIR SEPA facture f 2026 3 merci", ref="BQ-1"),
            Entry("300.00", text="Facture F-2026-0033", ref="BQ-2"),  # no such invoice: not F-2026-0003
        ],
    )
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    first, second = lines(books)
    assert (first["status"], first["client"], first["invoices"]) == ("matched", "BETA", "F-2026-0003")
    assert second["status"] != "matched" and second["payment"] == ""
    assert [p[0] for p in payments(ledger)] == ["BETA"]


def test_several_invoices_in_one_transfer(books, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1500.00", text="F-2026-0001 + F-2026-0002", ref="BQ-1")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    owed = outstanding(books)
    assert (owed["F-2026-0001"], owed["F-2026-0002"], owed["F-2026-0003"]) == (0, 0, 300)
    assert lines(books)[0]["invoices"] == "F-2026-0001 F-2026-0002"


def test_a_known_iban_and_an_exact_amount_match_without_a_reference(books, ledger, tmp_path):
    books("edit-client", "ACME", "--iban", "FR14 2004 1010 0505 0001 3M02 606")
    statement = camt053(tmp_path / "s.xml", [Entry("300.00", iban=ACME_IBAN, debtor="M DUPONT", ref="BQ-1")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    [line] = lines(books)
    assert (line["status"], line["invoices"]) == ("matched", "F-2026-0002")
    assert "IBAN" in line["reason"]


def test_an_iban_is_learnt_from_a_matched_payment(books, tmp_path):
    first = camt053(tmp_path / "a.xml", [Entry("1200.00", text="F-2026-0001", iban=ACME_IBAN, ref="BQ-1")])
    books("bank", "import", str(first), "--as-of", "2026-03-03")
    later = camt053(tmp_path / "b.xml", [Entry("300.00", iban=ACME_IBAN, ref="BQ-2", booked="2026-03-05")])
    books("bank", "import", str(later), "--as-of", "2026-03-06")
    assert [(r["status"], r["invoices"]) for r in lines(books)] == [
        ("matched", "F-2026-0001"),
        ("matched", "F-2026-0002"),
    ]


def test_a_bad_iban_for_a_client_is_refused(books):
    result = books("edit-client", "ACME", "--iban", "FR14 2004 1010 0505 0001 3M02 607", code=2)
    assert "Error:" in result.stderr and "IBAN" in result.stderr
    # check digits right, RIB key wrong (the IBAN's digits recomputed after a wrong key)
    from dunner.core.payment import compact_iban

    bban = "20041010050500013M026" + "07"
    bad = f"FR{98 - int(''.join(str(int(c, 36)) for c in bban + 'FR00')) % 97:02d}{bban}"
    assert compact_iban(bad) != ACME_IBAN
    result = books("edit-client", "ACME", "--iban", bad, code=2)
    assert "RIB" in result.stderr


def test_two_invoices_of_the_same_amount_are_a_proposal_never_a_guess(books, ledger, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("300.00", debtor="SOMEONE ELSE", text="virement", ref="BQ-1")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    [line] = lines(books)
    assert line["status"] == "proposed" and "2 invoices" in line["reason"]
    assert payments(ledger) == []
    agenda = books("agenda", "--as-of", "2026-03-03", "--format", "json").stdout
    assert [item["kind"] for item in json.loads(agenda)] == ["bank-proposed"]
    books("bank", "match", line["line"], "F-2026-0003")
    assert outstanding(books)["F-2026-0003"] == 0
    assert json.loads(books("agenda", "--as-of", "2026-03-03", "--format", "json").stdout) == []


def test_never_across_currencies(books, ledger, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", text="F-2026-0001", currency="GBP", ref="BQ-1")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    assert lines(books)[0]["status"] == "unmatched" and payments(ledger) == []
    result = books("bank", "match", "1", "F-2026-0001", code=2)
    assert "EUR" in result.stderr and "GBP" in result.stderr


def test_partial_payment_and_overpayment(books, dunner, tmp_path):
    statement = camt053(
        tmp_path / "s.xml",
        [Entry("1000.00", text="F-2026-0001", ref="BQ-1"), Entry("350.00", text="F-2026-0003", ref="BQ-2")],
    )
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    owed = outstanding(books)
    assert (owed["F-2026-0001"], owed["F-2026-0003"]) == (200, 0)
    client = dunner("client", "BETA", "--as-of", "2026-03-03", "--format", "json").stdout
    assert "50.00" in client  # the 50 paid beyond what BETA owed is its credit


def test_the_early_payment_discount_settles_the_invoice(dunner, client, configure, ledger, tmp_path):
    configure()
    client("ACME")
    dunner("invoice", "ACME", "1000", "--issued", "2026-02-01", "--discount", "2/10")
    statement = camt053(tmp_path / "s.xml", [Entry("980.00", text="F-2026-0001", booked="2026-02-08", ref="BQ-1")])
    dunner("bank", "import", str(statement), "--as-of", "2026-02-09")
    assert outstanding(dunner, "2026-02-09")["F-2026-0001"] == 0
    late = camt053(tmp_path / "t.xml", [Entry("980.00", text="F-2026-0002", booked="2026-02-25", ref="BQ-2")])
    dunner("invoice", "ACME", "1000", "--issued", "2026-02-02", "--discount", "2/10")
    dunner("bank", "import", str(late), "--as-of", "2026-02-26")
    assert outstanding(dunner, "2026-02-26")["F-2026-0002"] == 20  # after the window: a partial payment


def test_the_invoices_of_one_consolidated_reminder(dunner, client, configure, tmp_path, ledger):
    configure('\n[mail]\ntransport = "maildir"\nmaildir = "mails"\n')
    client("ACME", "--terms", "30")
    dunner("edit-client", "ACME", "--iban", ACME_IBAN)
    dunner("invoice", "ACME", "400", "--issued", "2026-01-01")
    dunner("invoice", "ACME", "250", "--issued", "2026-01-02")
    dunner("invoice", "ACME", "100", "--issued", "2026-02-20")  # not yet due: not in the reminder
    dunner("remind", "--as-of", "2026-02-15")
    statement = camt053(tmp_path / "s.xml", [Entry("650.00", iban=ACME_IBAN, ref="BQ-1", booked="2026-02-20")])
    dunner("bank", "import", str(statement), "--as-of", "2026-02-21")
    [line] = lines(dunner)
    assert (line["status"], line["invoices"]) == ("matched", "F-2026-0001 F-2026-0002")
    assert "one reminder" in line["reason"]


def test_reimporting_and_overlapping_statements_add_nothing(books, ledger, tmp_path):
    entries = [Entry("1200.00", text="F-2026-0001", ref="BQ-1"), Entry("-20.00", text="FRAIS", booked="2026-03-02")]
    books("bank", "import", str(camt053(tmp_path / "a.xml", entries)), "--as-of", "2026-03-03")
    again = books("bank", "import", str(camt053(tmp_path / "a.xml", entries)), "--as-of", "2026-03-04")
    assert "2 lines, 0 new (2 already imported)" in again.stderr
    overlap = [*entries, Entry("300.00", text="F-2026-0003", ref="BQ-3", booked="2026-03-04")]
    books("bank", "import", str(camt053(tmp_path / "b.xml", overlap, statement="STMT-2")), "--as-of", "2026-03-05")
    assert [r["status"] for r in lines(books)] == ["matched", "ignored", "matched"]
    assert len(payments(ledger)) == 2


def test_identical_lines_without_a_bank_reference_stay_two_lines(books, tmp_path):
    twice = [Entry("-3.50", text="CAFE"), Entry("-3.50", text="CAFE")]
    books("bank", "import", str(camt053(tmp_path / "a.xml", twice)), "--as-of", "2026-03-03")
    books("bank", "import", str(camt053(tmp_path / "a.xml", twice)), "--as-of", "2026-03-03")
    assert [r["amount"] for r in lines(books)] == ["-3.50", "-3.50"]


def test_a_statement_of_another_account_is_refused_and_an_empty_one_skipped(books, ledger, tmp_path):
    other = camt053(tmp_path / "o.xml", [Entry("10.00", text="F-2026-0001")], account=OTHER_IBAN)
    result = books("bank", "import", str(other), code=2)
    assert OTHER_IBAN in result.stderr and lines(books) == []
    empty = camt053(tmp_path / "e.xml", [], account=OTHER_IBAN)
    result = books("bank", "import", str(empty))
    assert "skipped" in result.stderr


def test_a_bad_file_writes_nothing_and_names_its_problem(books, ledger, tmp_path):
    """Each file all or nothing: the bad one is refused whole, the good one beside it is imported."""
    good = camt053(tmp_path / "g.xml", [Entry("1200.00", text="F-2026-0001", ref="BQ-1")])
    bad = tmp_path / "b.xml"
    bad.write_bytes(good.read_bytes().replace(b"1200.00", b"12O0.00").replace(b"BQ-1", b"BQ-2"))
    result = books("bank", "import", str(bad), code=2)
    assert result.stderr.startswith("Error:") and "b.xml: line " in result.stderr and "12O0.00" in result.stderr
    assert lines(books) == [] and payments(ledger) == []
    both = books("bank", "import", str(bad), str(good), "--as-of", "2026-03-03", code=2)
    assert "g.xml (camt): 1 line, 1 new: 1 matched." in both.stderr and "b.xml: line" in both.stderr
    assert len(lines(books)) == 1 and len(payments(ledger)) == 1


def test_a_dry_run_writes_nothing(books, ledger, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", text="F-2026-0001", ref="BQ-1")])
    result = books("bank", "import", str(statement), "--dry-run", "--as-of", "2026-03-03")
    assert "1 matched" in result.stderr and "dry run" in result.stderr
    assert lines(books) == [] and payments(ledger) == []


def test_unmatch_reverses_the_payment_and_the_invoice_is_owed_again(books, ledger, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", text="F-2026-0001", iban=ACME_IBAN, ref="BQ-1")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    books("bank", "unmatch", "1", "--on", "2026-03-04")
    assert outstanding(books, "2026-03-04")["F-2026-0001"] == 1200
    assert outstanding(books, "2026-03-03")["F-2026-0001"] == 0  # the past is as it was
    rows = payments(ledger)
    assert [r[2] for r in rows] == [120000, -120000]  # a reversing entry, nothing deleted
    assert ledger.scalar("SELECT COUNT(*) FROM client_iban") == 0  # the IBAN it taught is forgotten
    [line] = lines(books)
    assert line["status"] == "unmatched" and line["payment"] == ""
    books("bank", "unmatch", "1", code=2)


def test_ignore_and_match_refuse_what_makes_no_sense(books, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", text="F-2026-0001", ref="BQ-1"), Entry("-5.00")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    assert "unmatch 1" in books("bank", "ignore", "1", "--reason", "x", code=2).stderr
    assert "debit" in books("bank", "match", "2", "F-2026-0002", code=2).stderr
    assert "no bank line 9" in books("bank", "match", "9", "F-2026-0002", code=2).stderr
    books("bank", "ignore", "2", "--reason", "bank fees")
    assert lines(books, "ignored")[0]["reason"] == "ignored by hand: bank fees"


def test_a_return_reverses_the_payment_and_puts_the_invoice_back_into_dunning(books, ledger, tmp_path):
    paid = camt053(tmp_path / "a.xml", [Entry("1200.00", text="F-2026-0001", iban=ACME_IBAN, ref="BQ-1", e2e="E2E-9")])
    books("bank", "import", str(paid), "--as-of", "2026-03-03")
    back = Entry("-1200.00", booked="2026-03-06", ref="BQ-7", e2e="E2E-9", iban=ACME_IBAN, return_code="AC04")
    books("bank", "import", str(camt053(tmp_path / "b.xml", [back], statement="STMT-2")), "--as-of", "2026-03-07")
    assert outstanding(books, "2026-03-07")["F-2026-0001"] == 1200
    assert [r[2] for r in payments(ledger)] == [120000, -120000]
    out = books("remind", "--dry-run", "--as-of", "2026-03-10", "--format", "csv").stdout
    assert any(r["invoice"] == "F-2026-0001" and r["status"] == "planned" for r in csv.DictReader(io.StringIO(out)))


def test_json_amounts_are_strings_and_columns_are_the_contract(books, tmp_path):
    books("bank", "import", str(camt053(tmp_path / "s.xml", [Entry("12.5", text="x")])), "--as-of", "2026-03-03")
    [row] = json.loads(books("bank", "lines", "--format", "json").stdout)
    assert list(row) == [
        "line", "account", "booked", "amount", "currency", "debtor", "debtor_iban", "reference", "text", "status",
        "client", "invoices", "payment", "reason",
    ]  # fmt: skip
    assert row["amount"] == "12.50" and row["account"] == OURS


def test_a_csv_export_of_online_banking(books, ledger, tmp_path):
    """As a French bank's site exports it: title lines, ';', decimal comma, dd/mm/yyyy, Windows-1252."""
    path = tmp_path / "export.csv"
    rows = [
        ["Compte courant n° 12345678901"],
        ["Date de début;01/03/2026"],
        [],
        ["Date opération", "Date de valeur", "Libellé", "Débit", "Crédit"],
        ["02/03/2026", "02/03/2026", "VIR SEPA ACME REF F-2026-0001", "", "1 200,00"],
        ["02/03/2026", "02/03/2026", "PRLV ÉLECTRICITÉ", "-45,67", ""],
    ]
    with path.open("w", encoding="cp1252", newline="") as file:
        csv.writer(file, delimiter=";").writerows(rows)
    result = books("bank", "import", str(path), "--as-of", "2026-03-03")
    assert "(csv)" in result.stderr
    assert [(r["status"], r["amount"], r["text"]) for r in lines(books)] == [
        ("matched", "1200.00", "VIR SEPA ACME REF F-2026-0001"),
        ("ignored", "-45.67", "PRLV ÉLECTRICITÉ"),
    ]


def test_a_named_csv_layout_from_the_config(dunner, client, configure, tmp_path):
    configure('\n[bank.csv.maison]\ndate = "Jour"\ntext = ["Quoi", "Qui"]\namount = "Somme"\n')
    client("ACME")
    dunner("invoice", "ACME", "100", "--issued", "2026-02-01")
    path = tmp_path / "maison.csv"
    path.write_text("Jour;Quoi;Qui;Somme\n2026-03-02;Règlement F-2026-0001;ACME;100,00\n", encoding="utf-8")
    dunner("bank", "import", str(path), "--csv", "maison", "--as-of", "2026-03-03")
    assert lines(dunner)[0]["status"] == "matched"
    assert "no [bank.csv.autre]" in dunner("bank", "import", str(path), "--csv", "autre", code=2).stderr


def test_unknown_csv_layout_key_is_a_config_error(dunner, configure, tmp_path):
    configure('\n[bank.csv.maison]\ndate = "Jour"\namount = "Somme"\ncolour = "red"\n')
    result = dunner("bank", "lines", code=2)
    assert "colour" in result.stderr and "[bank.csv.maison]" in result.stderr


@pytest.mark.parametrize("fmt", ["camt", "csv"])
def test_format_override(books, tmp_path, fmt):
    statement = camt053(tmp_path / "s.xml", [Entry("1.00")])
    result = books(
        "bank", "import", str(statement), "--format", fmt, "--as-of", "2026-03-03", code=0 if fmt == "camt" else 2
    )
    assert ("Error:" in result.stderr) == (fmt == "csv")


def test_paths_that_are_not_statements(books, tmp_path):
    assert "cannot read" in books("bank", "import", str(tmp_path / "none.xml"), code=2).stderr
    (tmp_path / "x.xml").write_text("<?xml version='1.0'?><invoice/>")
    assert "not an ISO 20022" in books("bank", "import", str(tmp_path / "x.xml"), code=2).stderr


def test_a_statement_with_an_entity_is_refused(books, tmp_path):
    path = tmp_path / "e.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "F-2026-0001">]>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>'
    )
    assert "Error:" in books("bank", "import", str(path), code=2).stderr


def test_lines_status_filter(books, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", text="F-2026-0001", ref="BQ-1"), Entry("-5.00")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    assert [r["status"] for r in lines(books, "matched")] == ["matched"]
    assert [r["status"] for r in lines(books, "ignored")] == ["ignored"]
    assert lines(books, "proposed") == []
    assert "unknown status" in books("bank", "lines", "--status", "paid", code=2).stderr


def test_match_by_client_pays_its_oldest_invoices_and_learns_the_iban(dunner, client, configure, ledger, tmp_path):
    configure()
    client("ACME", "--terms", "30", "--iban", "FR76 3000 4000 0312 3456 7890 143")
    dunner("invoice", "ACME", "100", "--issued", "2026-02-01")
    dunner("invoice", "ACME", "100", "--issued", "2026-02-02")
    statement = camt053(tmp_path / "s.xml", [Entry("150.00", iban=ACME_IBAN, debtor="ACME", ref="BQ-1")])
    dunner("bank", "import", str(statement), "--as-of", "2026-03-03")
    assert lines(dunner)[0]["status"] == "proposed"  # an unknown IBAN, an amount owed on nothing
    dunner("bank", "match", "1", "--client", "ACME")
    owed = outstanding(dunner)
    assert (owed["F-2026-0001"], owed["F-2026-0002"]) == (0, 50)
    ibans = ledger.all("SELECT iban, source FROM client_iban ORDER BY id")
    assert [tuple(r) for r in ibans] == [("FR7630004000031234567890143", "given"), (ACME_IBAN, "learned")]
    assert "matched already" in dunner("bank", "match", "1", "--client", "ACME", code=2).stderr


def test_an_export_of_payments_leaves_a_reversed_payment_and_its_reversal_out(books, tmp_path):
    statement = camt053(tmp_path / "s.xml", [Entry("1200.00", text="F-2026-0001", ref="BQ-1")])
    books("bank", "import", str(statement), "--as-of", "2026-03-03")
    books("pay", "F-2026-0003", "300", "--on", "2026-03-03", "--reference", "CHQ-1")
    books("bank", "unmatch", "1", "--on", "2026-03-04")
    result = books("export", "payments", "-")
    assert [r["reference"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["CHQ-1"]
    assert "1 reversed payment(s) and their reversals are not exported" in result.stderr


def test_an_ofx_money_export_written_by_ofxtools(books, ledger, tmp_path):
    """OFX 1.x SGML in Windows-1252, as French banks' "Money" exports: the account is named by code banque,
    code guichet and numéro de compte, which make the business's IBAN (FR76 3000 6000 0112 3456 7890 189)."""
    from statements_builders import Tx, ofx_v1

    txs = [
        Tx(Decimal("1200.00"), booked=date(2026, 3, 2), debtor="ACME SARL", ustrd=["FACTURE F-2026-0001"],
           acct_svcr_ref="FIT-1"),
        Tx(Decimal("-58.20"), booked=date(2026, 3, 2), debtor="Crème & Café", acct_svcr_ref="FIT-2"),
    ]  # fmt: skip
    path = ofx_v1(tmp_path / "releve.ofx", "30006", "00001", "12345678901", txs, acctkey="89")
    result = books("bank", "import", str(path), "--as-of", "2026-03-03")
    assert "releve.ofx (ofx): 2 lines, 2 new: 1 matched, 1 ignored." in result.stderr
    assert payments(ledger) == [("ACME", "2026-03-02", 120000, "transfer", "FIT-1")]
    assert [r["account"] for r in lines(books)] == [OURS, OURS]
    other = ofx_v1(tmp_path / "autre.ofx", "30006", "00001", "99999999999", txs)
    assert "30006 00001 99999999999" in books("bank", "import", str(other), code=2).stderr
