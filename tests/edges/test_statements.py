"""The bank statement readers on files written by other tools (tests/statements_builders.py): CAMT from
lxml's ElementMaker, OFX from ofxtools' writer, CSV as a French spreadsheet saves it."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from dunner.core.errors import BadInput
from dunner.core.money import Money
from dunner.core.payment import french_iban, rib_key
from dunner.edges.statements import detect, read
from dunner.edges.statements.tables import MAPPING_KEYS
from statements_builders import (
    PARIS,
    CamtStatement,
    Tx,
    camt,
    camt053,
    camt054,
    french_amount,
    french_csv,
    ofx_card,
    ofx_v1,
    ofx_v2,
    table,
)

OURS = "FR7630006000011234567890189"  # the business's account: bank 30006, branch 00001, account 12345678901, key 89
ACME = "DE89370400440532013000"
SUPPLIER = "FR1420041010050500013M02606"  # an account number with a letter in it
RF = "RF18539007547034"  # the ISO 11649 example
VERSIONS = (2, 8, 13)  # before and after the renames of 001.03 and 001.07, and the newest


def eur(text: str) -> Money:
    return Money(int(Decimal(text) * 100), "EUR")


def only_line(statements):
    assert len(statements) == 1 and len(statements[0].lines) == 1, statements
    return statements[0].lines[0]


def only_statement_lines(statements):
    assert len(statements) == 1
    return statements[0].lines


def payment(**changes) -> Tx:
    """ACME pays invoice F-2026-0042 into our account by SEPA transfer."""
    fields = dict(
        amount=Decimal("1150.00"),
        booked=date(2026, 11, 2),
        value=date(2026, 11, 3),
        debtor="ACME SARL",
        debtor_iban=ACME,
        creditor="MOI SAS",
        creditor_iban=OURS,
        ustrd=["FACTURE F-2026-0042", "merci"],
        strd=[RF],
        acct_svcr_ref="BNK-20261102-0001",
        end_to_end="E2E-ACME-42",
        note="VIR SEPA RECU",
    )
    return Tx(**{**fields, **changes})


# -- CAMT -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_camt053_reads_every_field_of_a_credit(tmp_path: Path, version: int):
    path = camt053(tmp_path / "s.xml", version, OURS, [payment()], stmt_id="STMT-2026-11")
    [statement] = read(path)
    assert (statement.account, statement.id, statement.label) == (OURS, "STMT-2026-11", OURS)
    [line] = statement.lines
    assert line.account == OURS
    assert line.amount == Money(115000, "EUR") and line.credit
    assert (line.booked_on, line.value_on) == (date(2026, 11, 2), date(2026, 11, 3))
    assert (line.debtor, line.debtor_iban) == ("ACME SARL", ACME)  # the payer, not the creditor (us)
    assert line.text == "FACTURE F-2026-0042 merci VIR SEPA RECU"  # every Ustrd, then the entry's note
    assert line.references == (RF,)
    assert (line.bank_ref, line.end_to_end) == ("BNK-20261102-0001", "E2E-ACME-42")
    assert (line.reversal, line.return_reason, line.returned) == (False, "", False)
    assert line.statement == "STMT-2026-11"


@pytest.mark.parametrize("version", VERSIONS)
def test_camt_debit_is_negative_and_names_whom_we_paid(tmp_path: Path, version: int):
    paid = Tx(Decimal("-45.67"), debtor="MOI SAS", debtor_iban=OURS, creditor="EDF ENTREPRISES",
              creditor_iban=SUPPLIER, ustrd=["PRLV EDF"], end_to_end="E2E-EDF")  # fmt: skip
    line = only_line(read(camt053(tmp_path / "s.xml", version, OURS, [paid])))
    assert line.amount == eur("-45.67") and not line.credit
    assert (line.debtor, line.debtor_iban) == ("EDF ENTREPRISES", SUPPLIER)


@pytest.mark.parametrize("version", VERSIONS)
def test_camt_end_to_end_id_notprovided_is_dropped(tmp_path: Path, version: int):
    path = camt053(tmp_path / "s.xml", version, OURS, [payment(end_to_end="")])
    assert b"<EndToEndId>NOTPROVIDED</EndToEndId>" in path.read_bytes()
    assert only_line(read(path)).end_to_end == ""


@pytest.mark.parametrize("version", VERSIONS)
def test_camt_entry_without_details_is_one_line(tmp_path: Path, version: int):
    fees = Tx(Decimal("-12.00"), booked=date(2026, 11, 30), acct_svcr_ref="FRAIS-11", note="FRAIS TENUE DE COMPTE")
    line = only_line(read(camt053(tmp_path / "s.xml", version, OURS, [fees])))
    assert (line.amount, line.bank_ref, line.debtor) == (eur("-12.00"), "FRAIS-11", "")
    assert line.text == "FRAIS TENUE DE COMPTE"


@pytest.mark.parametrize("version", VERSIONS)
def test_camt_batch_of_three_gives_three_lines_summing_to_the_entry(tmp_path: Path, version: int):
    batch = [
        Tx(Decimal("100.00"), debtor="ACME SARL", debtor_iban=ACME, ustrd=["F-2026-0040"], acct_svcr_ref="TX-1"),
        Tx(Decimal("200.50"), debtor="Dupont & Fils", ustrd=["F-2026-0041"], end_to_end="E2E-DUP"),
        Tx(Decimal("299.50"), debtor="Crème Brûlée SAS", strd=[RF]),
    ]
    entry = Tx(Decimal("600.00"), booked=date(2026, 11, 4), acct_svcr_ref="BATCH-7", batch=batch)
    path = camt053(tmp_path / "s.xml", version, OURS, [entry])
    assert path.read_bytes().count(b"<TxDtls>") == 3
    lines = only_statement_lines(read(path))
    assert [line.amount for line in lines] == [eur("100.00"), eur("200.50"), eur("299.50")]
    assert sum(line.amount.minor for line in lines) == 60000
    assert [line.debtor for line in lines] == ["ACME SARL", "Dupont & Fils", "Crème Brûlée SAS"]
    assert [line.text for line in lines] == ["F-2026-0040", "F-2026-0041", ""]
    assert [line.references for line in lines] == [(), (), (RF,)]
    assert [line.end_to_end for line in lines] == ["", "E2E-DUP", ""]
    # each line its own bank reference: the transaction's, else the entry's with the rank in the batch
    assert [line.bank_ref for line in lines] == ["TX-1", "BATCH-7/2", "BATCH-7/3"]
    assert {line.booked_on for line in lines} == {date(2026, 11, 4)}


@pytest.mark.parametrize("version", VERSIONS)
def test_camt_return_is_read_with_its_reversal_and_reason(tmp_path: Path, version: int):
    back = Tx(Decimal("-1150.00"), booked=date(2026, 11, 9), value=date(2026, 11, 2), reversal=True,
              return_reason="AC04", end_to_end="E2E-ACME-42", creditor="ACME SARL", creditor_iban=ACME,
              acct_svcr_ref="RTR-1")  # fmt: skip
    path = camt053(tmp_path / "s.xml", version, OURS, [back])
    assert b"<RvslInd>true</RvslInd>" in path.read_bytes()
    line = only_line(read(path))
    assert (line.reversal, line.return_reason, line.returned) == (True, "AC04", True)
    assert (line.amount, line.end_to_end, line.bank_ref) == (eur("-1150.00"), "E2E-ACME-42", "RTR-1")
    assert (line.booked_on, line.value_on) == (date(2026, 11, 9), date(2026, 11, 2))


@pytest.mark.parametrize("version", VERSIONS)
def test_camt_return_that_keeps_the_original_roles_names_the_payer(tmp_path: Path, version: int):
    """Some banks write a return with the original transfer's roles: the client as debtor, us as creditor."""
    back = Tx(Decimal("-1150.00"), return_reason="MD06", debtor="ACME SARL", debtor_iban=ACME, creditor="Moi",
              creditor_iban=OURS, acct_svcr_ref="RTR-2")  # fmt: skip
    line = only_line(read(camt053(tmp_path / "s.xml", version, OURS, [back])))
    assert (line.debtor, line.debtor_iban, line.return_reason) == ("ACME SARL", ACME, "MD06")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("status", ["PDNG", "INFO"])
def test_camt_entries_not_booked_are_not_lines(tmp_path: Path, version: int, status: str):
    entries = [payment(status=status, acct_svcr_ref="P-1"), payment(acct_svcr_ref="B-1")]
    path = camt053(tmp_path / "s.xml", version, OURS, entries)
    marker = f"<Cd>{status}</Cd>" if version >= 7 else f"<Sts>{status}</Sts>"
    assert marker.encode() in path.read_bytes()
    assert [line.bank_ref for line in only_statement_lines(read(path))] == ["B-1"]


def test_camt_two_statements_for_two_accounts(tmp_path: Path):
    other = french_iban("20041", "01005", "0500013M026")
    path = camt(tmp_path / "s.xml", "053", 8, [
        CamtStatement("STMT-A", OURS, [payment(acct_svcr_ref="A-1"), payment(acct_svcr_ref="A-2")]),
        CamtStatement("STMT-B", other, [payment(amount=Decimal("-9.99"), acct_svcr_ref="B-1")]),
    ])  # fmt: skip
    first, second = read(path)
    assert (first.account, first.id, [x.bank_ref for x in first.lines]) == (OURS, "STMT-A", ["A-1", "A-2"])
    assert (second.account, second.id, [x.bank_ref for x in second.lines]) == (other, "STMT-B", ["B-1"])
    assert {x.account for x in first.lines} == {OURS} and {x.account for x in second.lines} == {other}
    assert {x.statement for x in second.lines} == {"STMT-B"}


@pytest.mark.parametrize("version", VERSIONS)
def test_camt054_notification(tmp_path: Path, version: int):
    batch = [Tx(Decimal("150.00"), debtor="ACME SARL", ustrd=["F-1"]), Tx(Decimal("200.00"), debtor="GLOBEX")]
    entries = [payment(), Tx(Decimal("350.00"), acct_svcr_ref="N-2", batch=batch)]
    path = camt054(tmp_path / "n.xml", version, OURS, entries, ntfctn_id="NTF-2026-11-02")
    assert b"BkToCstmrDbtCdtNtfctn" in path.read_bytes() and b"<Bal>" not in path.read_bytes()
    [statement] = read(path)
    assert (statement.account, statement.id) == (OURS, "NTF-2026-11-02")
    assert [x.amount for x in statement.lines] == [eur("1150.00"), eur("150.00"), eur("200.00")]
    assert [x.debtor for x in statement.lines] == ["ACME SARL", "ACME SARL", "GLOBEX"]


def test_camt_prefixed_elements_read_the_same(tmp_path: Path):
    plain = read(camt053(tmp_path / "a.xml", 8, OURS, [payment()]))
    path = camt(tmp_path / "b.xml", "053", 8, [CamtStatement("STMT-1", OURS, [payment()])], prefix="camt")
    assert b"<camt:Document" in path.read_bytes()
    assert read(path) == plain


def test_camt_booking_datetime_keeps_the_date_the_bank_wrote(tmp_path: Path):
    just_after_midnight = datetime(2026, 12, 1, 0, 30, tzinfo=PARIS)  # 2026-11-30 23:30 in UTC
    path = camt053(tmp_path / "s.xml", 8, OURS, [payment(booked=just_after_midnight)])
    assert b"<DtTm>2026-12-01T00:30:00+01:00</DtTm>" in path.read_bytes()
    assert only_line(read(path)).booked_on == date(2026, 12, 1)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/hostname">]>',
        '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ],
)
def test_camt_with_a_doctype_is_refused(tmp_path: Path, doctype: str):
    path = camt053(tmp_path / "s.xml", 8, OURS, [payment()], stmt_id="ENTITY")
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    entity = "&x;" if "SYSTEM" in doctype else "&b;"
    path.write_text(f"{head}\n{doctype}\n{rest.replace('<Id>ENTITY</Id>', f'<Id>{entity}</Id>')}", encoding="utf-8")
    assert detect(path.read_bytes()) == "camt"
    with pytest.raises(BadInput) as refused:
        read(path)
    assert str(path) in refused.value.message and "DOCTYPE" in refused.value.message


def test_camt_truncated_file_is_refused_naming_it(tmp_path: Path):
    path = camt053(tmp_path / "cut.xml", 8, OURS, [payment(), payment(acct_svcr_ref="X")])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(BadInput) as refused:
        read(path)
    assert refused.value.message.startswith(f"{path}: not a readable camt file")


@pytest.mark.parametrize(
    ("written", "bad", "reason"),
    [(b">1150.00<", b">1150,0O<", "'1150,0O' is not an amount"), (b"2026-11-02", b"2026-13-02", "is not a date")],
)
def test_camt_bad_value_is_refused_naming_the_file(tmp_path: Path, written: bytes, bad: bytes, reason: str):
    path = camt053(tmp_path / "bad.xml", 8, OURS, [payment()])
    path.write_bytes(path.read_bytes().replace(written, bad))
    with pytest.raises(BadInput) as refused:
        read(path)
    assert refused.value.message.startswith(f"{path}: ") and reason in refused.value.message


def test_camt_with_no_statement_is_refused(tmp_path: Path):
    path = camt(tmp_path / "empty.xml", "053", 8, [])
    with pytest.raises(BadInput, match="no statement"):
        read(path)


@pytest.mark.skipif(not os.environ.get("DUNNER_CAMT_XSD"), reason="DUNNER_CAMT_XSD names no folder of ISO XSDs")
@pytest.mark.parametrize(("message", "version"), [("053", 2), ("053", 8), ("053", 13), ("054", 2), ("054", 8)])
def test_the_camt_builder_writes_schema_valid_files(tmp_path: Path, message: str, version: int):
    """The fixtures follow the ISO schemas (vendoring the XSDs waits for a team decision on their terms)."""
    from lxml import etree

    entries = [payment(), payment(amount=Decimal("-5"), reversal=True, return_reason="AC04"),
               Tx(Decimal("3"), batch=[Tx(Decimal("1"), debtor="A"), Tx(Decimal("2"), strd=[RF])]),
               Tx(Decimal("-1"), note="FRAIS"), payment(status="PDNG")]  # fmt: skip
    path = camt(tmp_path / "s.xml", message, version, [CamtStatement("S", OURS, entries)])
    xsd = Path(os.environ["DUNNER_CAMT_XSD"]) / f"camt.{message}.001.{version:02d}.xsd"
    etree.XMLSchema(etree.parse(str(xsd))).assertValid(etree.parse(str(path)))


# -- OFX ------------------------------------------------------------------------------------------------

OFX_LINES = [
    payment(debtor="Crème Brûlée & Fils", ustrd=["FACTURE F-2026-0042 réglée"], acct_svcr_ref="2026110200001"),
    Tx(Decimal("-45.67"), booked=date(2026, 11, 5), creditor="PRLV EDF", acct_svcr_ref="2026110500002"),
]


def test_the_real_rib_example_gives_its_iban():
    assert rib_key("30006", "00001", "12345678901") == "89"
    assert french_iban("30006", "00001", "12345678901") == OURS


@pytest.mark.parametrize("closed", [False, True])
def test_ofx_v1_sgml_in_cp1252(tmp_path: Path, closed: bool):
    path = ofx_v1(tmp_path / "r.ofx", "30006", "00001", "12345678901", OFX_LINES, acctkey="89", closed=closed)
    data = path.read_bytes()
    assert b"CHARSET:1252" in data and "Crème Brûlée".encode("cp1252") in data
    assert (b"</NAME>" in data) is closed  # French banks leave data elements open
    [statement] = read(path)
    assert statement.account == OURS and statement.label == "30006 00001 12345678901 89"
    credit, debit = statement.lines
    assert (credit.amount, credit.booked_on, credit.value_on) == (eur("1150.00"), date(2026, 11, 2), date(2026, 11, 3))
    assert credit.debtor == "Crème Brûlée & Fils"  # written &amp; in the file
    assert credit.text == "Crème Brûlée & Fils FACTURE F-2026-0042 réglée"
    assert (credit.references, credit.bank_ref, credit.extra) == ((RF,), "2026110200001", {"type": "CREDIT"})
    assert credit.account == OURS
    assert (debit.amount, debit.booked_on, debit.value_on) == (eur("-45.67"), date(2026, 11, 5), None)
    assert debit.debtor == "PRLV EDF"
    assert (debit.bank_ref, debit.extra) == ("2026110500002", {"type": "DEBIT"})


def test_ofx_v2_xml_in_utf8(tmp_path: Path):
    path = ofx_v2(tmp_path / "r.ofx", "30006", "00001", "12345678901", OFX_LINES, acctkey="89")
    data = path.read_bytes()
    assert data.startswith(b"<?xml") and b'VERSION="220"' in data and "Brûlée".encode() in data
    [statement] = read(path)
    assert statement.account == OURS
    assert [(x.amount, x.debtor, x.bank_ref) for x in statement.lines] == [
        (eur("1150.00"), "Crème Brûlée & Fils", "2026110200001"),
        (eur("-45.67"), "PRLV EDF", "2026110500002"),
    ]


@pytest.mark.parametrize("writer", ["v1", "v1 raw", "v2"])
def test_ofx_special_characters_are_read_as_written(tmp_path: Path, writer: str):
    tx = Tx(Decimal("10.00"), debtor="Dupont & Fils <SA>", ustrd=["Réf. A&B"])
    path = (ofx_v2 if writer == "v2" else ofx_v1)(tmp_path / "r.ofx", "30006", "00001", "12345678901", [tx])
    assert b"Dupont &amp; Fils &lt;SA&gt;" in path.read_bytes()
    if writer == "v1 raw":  # some banks write a bare "&" in SGML
        path.write_bytes(path.read_bytes().replace(b"A&amp;B", b"A&B"))
    line = only_line(read(path))
    assert (line.debtor, line.text) == ("Dupont & Fils <SA>", "Dupont & Fils <SA> Réf. A&B")


def test_ofx_french_account_without_its_key_gets_it_computed(tmp_path: Path):
    path = ofx_v1(tmp_path / "r.ofx", "20041", "01005", "0500013M026", OFX_LINES[:1])
    [statement] = read(path)
    assert statement.account == SUPPLIER == french_iban("20041", "01005", "0500013M026")
    assert statement.label == "20041 01005 0500013M026"


def test_ofx_french_account_with_a_wrong_key_is_named_by_its_number(tmp_path: Path):
    path = ofx_v1(tmp_path / "r.ofx", "30006", "00001", "12345678901", OFX_LINES[:1], acctkey="00")
    [statement] = read(path)
    assert statement.account == "12345678901"  # never an IBAN the bank did not give
    assert statement.label == "30006 00001 12345678901 00"


def test_ofx_card_statement(tmp_path: Path):
    purchases = [
        Tx(Decimal("-89.90"), booked=date(2026, 11, 12), creditor="SNCF VOYAGES", acct_svcr_ref="C-1"),
        Tx(Decimal("25.00"), booked=date(2026, 11, 20), creditor="REMBOURSEMENT", acct_svcr_ref="C-2"),
    ]
    path = ofx_card(tmp_path / "carte.ofx", "4970101234567890", purchases)
    assert b"<CCSTMTRS>" in path.read_bytes()
    [statement] = read(path)
    assert (statement.account, statement.label) == ("4970101234567890", "4970101234567890")
    assert [(x.amount, x.booked_on, x.debtor) for x in statement.lines] == [
        (eur("-89.90"), date(2026, 11, 12), "SNCF VOYAGES"),
        (eur("25.00"), date(2026, 11, 20), "REMBOURSEMENT"),
    ]


@pytest.mark.parametrize("writer", ["v1", "v2"])
def test_ofx_dates_stay_as_the_bank_wrote_them(tmp_path: Path, writer: str):
    from ofxtools.Parser import OFXTree

    midnight = datetime(2026, 12, 1, tzinfo=PARIS)
    tx = Tx(Decimal("10.00"), booked=midnight, value=date(2026, 12, 2), debtor="ACME", acct_svcr_ref="D-1")
    write = ofx_v1 if writer == "v1" else ofx_v2
    path = write(tmp_path / "r.ofx", "30006", "00001", "12345678901", [tx])
    assert b"<DTPOSTED>20261201000000.000[+1:CET]" in path.read_bytes()
    line = only_line(read(path))
    assert (line.booked_on, line.value_on) == (date(2026, 12, 1), date(2026, 12, 2))
    # the trap the reader avoids: ofxtools' typed conversion moves the date to UTC, the day before
    tree = OFXTree()
    tree.parse(str(path))
    converted = tree.convert().statements[0].transactions[0].dtposted
    assert converted.astimezone(UTC).date() == date(2026, 11, 30)


def test_ofx_offset_other_than_paris_keeps_the_written_date(tmp_path: Path):
    late = datetime(2026, 11, 30, 22, 0, tzinfo=timezone(timedelta(hours=-5), "EST"))  # Dec 1 in UTC
    line = only_line(read(ofx_v2(tmp_path / "r.ofx", "30006", "00001", "12345678901", [payment(booked=late)])))
    assert line.booked_on == date(2026, 11, 30)


# -- CSV ------------------------------------------------------------------------------------------------

CSV_LINES = [
    payment(debtor="Crème Brûlée SAS", ustrd=["VIR F-2026-0042"], strd=[], amount=Decimal("1234.56")),
    Tx(Decimal("-45.67"), booked=date(2026, 11, 5), value=date(2026, 11, 5), creditor="PRLV EDF"),
    Tx(Decimal("-3.50"), booked=date(2026, 11, 30), creditor="CAFE"),
]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
@pytest.mark.parametrize("two_columns", [True, False])
def test_csv_french_export(tmp_path: Path, encoding: str, two_columns: bool):
    path = french_csv(tmp_path / "releve.csv", CSV_LINES, encoding=encoding, two_columns=two_columns)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") is (encoding == "utf-8-sig")
    assert "Libellé".encode("cp1252" if encoding == "cp1252" else "utf-8") in data
    assert "1\u00a0234,56".encode("cp1252" if encoding == "cp1252" else "utf-8") in data
    [statement] = read(path)
    assert (statement.account, statement.id) == ("", "releve.csv")
    assert [(x.booked_on, x.value_on, x.amount) for x in statement.lines] == [
        (date(2026, 11, 2), date(2026, 11, 3), eur("1234.56")),
        (date(2026, 11, 5), date(2026, 11, 5), eur("-45.67")),
        (date(2026, 11, 30), None, eur("-3.50")),
    ]
    assert [x.text for x in statement.lines] == ["Crème Brûlée SAS VIR F-2026-0042", "PRLV EDF", "CAFE"]


@pytest.mark.parametrize("title_lines", [0, 1, 5])
def test_csv_header_is_found_after_title_lines(tmp_path: Path, title_lines: int):
    path = french_csv(tmp_path / "r.csv", CSV_LINES, title_lines=title_lines)
    assert [x.amount for x in read(path)[0].lines] == [eur("1234.56"), eur("-45.67"), eur("-3.50")]


@pytest.mark.parametrize("two_columns", [True, False])
def test_csv_english_headers(tmp_path: Path, two_columns: bool):
    path = french_csv(tmp_path / "r.csv", CSV_LINES, english=True, two_columns=two_columns, encoding="utf-8-sig")
    assert b"Booking date;Value date;Description" in path.read_bytes()
    lines = read(path)[0].lines
    assert [(x.booked_on, x.amount, x.text) for x in lines][:2] == [
        (date(2026, 11, 2), eur("1234.56"), "Crème Brûlée SAS VIR F-2026-0042"),
        (date(2026, 11, 5), eur("-45.67"), "PRLV EDF"),
    ]


def test_csv_english_export_with_commas(tmp_path: Path):
    path = table(tmp_path / "r.csv", [
        ["Date", "Description", "Amount", "Currency"],
        ["02/11/2026", "ACME, invoice F-2026-0042", "1,234.56", "EUR"],
        ["05/11/2026", "EDF", "-45.67", "EUR"],
    ], encoding="utf-8", delimiter=",")  # fmt: skip
    lines = read(path)[0].lines
    assert [(x.amount, x.text) for x in lines] == [
        (eur("1234.56"), "ACME, invoice F-2026-0042"),
        (eur("-45.67"), "EDF"),
    ]


@pytest.mark.parametrize("thousands", ["\u00a0", "\u202f", " ", "."])
def test_csv_amounts_with_grouped_thousands(tmp_path: Path, thousands: str):
    rows = [Tx(Decimal("1234567.89")), Tx(Decimal("-1234.56")), Tx(Decimal("999.00"))]
    path = french_csv(tmp_path / "r.csv", rows, two_columns=False, thousands=thousands, encoding="utf-8-sig")
    assert french_amount(Decimal("-1234.56"), thousands).encode() in path.read_bytes()
    assert [x.amount for x in read(path)[0].lines] == [eur("1234567.89"), eur("-1234.56"), eur("999.00")]


@pytest.mark.parametrize("two_columns", [True, False])
def test_csv_total_and_balance_lines_at_the_end_are_ignored(tmp_path: Path, two_columns: bool):
    path = french_csv(tmp_path / "r.csv", CSV_LINES, total=True, two_columns=two_columns)
    assert b"Total des op" in path.read_bytes() and b"Solde au 30/11/2026" in path.read_bytes()
    assert [x.amount for x in read(path)[0].lines] == [eur("1234.56"), eur("-45.67"), eur("-3.50")]


def test_csv_debit_written_with_a_sign_stays_a_debit(tmp_path: Path):
    path = table(tmp_path / "r.csv", [
        ["Date de comptabilisation", "Libelle simplifie", "Debit", "Credit"],
        ["02/11/2026", "VIR ACME", "", "+1150,00"],
        ["05/11/2026", "PRLV EDF", "-12,30", ""],
        ["06/11/2026", "FRAIS", "4,00", ""],
    ])  # fmt: skip
    assert [x.amount for x in read(path)[0].lines] == [eur("1150.00"), eur("-12.30"), eur("-4.00")]


def test_csv_bad_amount_is_refused_naming_its_line(tmp_path: Path):
    path = table(tmp_path / "r.csv", [
        ["Relevé du compte 12345678901"],
        ["Date", "Libellé", "Montant"],
        ["02/11/2026", "VIREMENT EN VOTRE FAVEUR\nACME SARL\nFACTURE F-2026-0042", "1150,00"],
        ["03/11/2026", "PRLV EDF", "12,3,4"],
    ])  # fmt: skip
    assert path.read_bytes().splitlines()[5].startswith(b"03/11/2026")  # line 6 of the file
    with pytest.raises(BadInput) as refused:
        read(path)
    assert refused.value.message.startswith(f"{path}, line 6: '12,3,4'")


def test_csv_unterminated_quote_is_refused_naming_its_line(tmp_path: Path):
    path = table(tmp_path / "r.csv", [["Date", "Libellé", "Montant"], ["02/11/2026", "VIR", "1,00"]])
    path.write_bytes(path.read_bytes() + b'03/11/2026;"PRLV ' + b"x" * 200_000 + b";-1,00\r\n")
    with pytest.raises(BadInput) as refused:
        read(path)
    assert refused.value.message.startswith(f"{path}, line 3: ")  # where the quote opens
    assert "quote" in refused.value.hint


def test_csv_bad_date_is_refused_naming_its_line(tmp_path: Path):
    path = table(tmp_path / "r.csv", [["Date", "Libellé", "Montant"], ["31/02/2026", "X", "1,00"]])
    with pytest.raises(BadInput, match=r"line 2: '31/02/2026' is not a date"):
        read(path)


def test_csv_without_a_header_is_refused(tmp_path: Path):
    path = table(tmp_path / "r.csv", [["Jour", "Quoi", "Combien"], ["02/11/2026", "X", "1,00"]])
    with pytest.raises(BadInput, match="no header with a date and an amount"):
        read(path)


def test_csv_layout_from_the_configuration(tmp_path: Path):
    path = table(tmp_path / "r.csv", [
        ["Extrait de compte", "", "", "", "", "", ""],
        ["Jour", "Intitulé", "Détail", "Valeur CHF", "Jour valeur", "Numéro", "Tiers"],
        ["02.11.26", "Virement", "Facture F-2026-0042", "1150.00", "03.11.26", "R-1", "ACME SA"],
        ["05.11.26", "Ordre", "Loyer", "-1200.00", "", "R-2", "Régie du Lac"],
    ], encoding="latin-1", delimiter="|")  # fmt: skip
    layout = {
        "delimiter": "|", "encoding": "latin-1", "skip": 1, "date": "Jour", "date_format": "%d.%m.%y",
        "value_date": "Jour valeur", "text": ["Intitulé", "Détail"], "amount": "Valeur CHF",
        "reference": "Numéro", "debtor": "Tiers", "default_currency": "CHF", "account": "CH9300762011623852957",
    }  # fmt: skip
    assert set(layout) <= MAPPING_KEYS
    [statement] = read(path, csv_layout=layout)
    assert statement.account == "CH9300762011623852957"
    first, second = statement.lines
    assert (first.booked_on, first.value_on) == (date(2026, 11, 2), date(2026, 11, 3))
    assert first.amount == Money(115000, "CHF")
    assert (first.text, first.references, first.debtor) == ("Virement Facture F-2026-0042", ("R-1",), "ACME SA")
    assert (second.amount, second.debtor, second.account) == (Money(-120000, "CHF"), "Régie du Lac", statement.account)


@pytest.mark.parametrize("fmt", [None, "camt", "ofx", "csv"])
def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path, fmt: str | None):
    with pytest.raises(BadInput) as missing:
        read(tmp_path / "nope.xml", fmt)
    assert str(tmp_path / "nope.xml") in missing.value.message
    with pytest.raises(BadInput) as folder:
        read(tmp_path, fmt)
    assert str(tmp_path) in folder.value.message


# -- detection ------------------------------------------------------------------------------------------


def test_detect_each_format(tmp_path: Path):
    files = {
        "camt": [camt053(tmp_path / "a.xml", 2, OURS, [payment()]), camt054(tmp_path / "b.xml", 13, OURS, [])],
        "ofx": [
            ofx_v1(tmp_path / "c.ofx", "30006", "00001", "12345678901", OFX_LINES),
            ofx_v2(tmp_path / "d.ofx", "30006", "00001", "12345678901", OFX_LINES),
            ofx_card(tmp_path / "e.ofx", "4970101234567890", OFX_LINES),
        ],
        "csv": [
            french_csv(tmp_path / "f.csv", CSV_LINES),
            french_csv(tmp_path / "g.csv", CSV_LINES, encoding="utf-8-sig", title_lines=0),
        ],
    }
    assert {kind: [detect(p.read_bytes()[:4096]) for p in paths] for kind, paths in files.items()} == {
        kind: [kind] * len(paths) for kind, paths in files.items()
    }


def test_detect_refuses_xml_that_is_not_camt():
    with pytest.raises(BadInput, match="not an ISO 20022 camt"):
        detect(b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl"/>')


def test_format_given_overrides_detection(tmp_path: Path):
    path = french_csv(tmp_path / "r.csv", CSV_LINES)
    with pytest.raises(BadInput, match="not a readable camt file"):
        read(path, "camt")
    with pytest.raises(BadInput, match="unknown statement format 'qif'"):
        read(path, "qif")
