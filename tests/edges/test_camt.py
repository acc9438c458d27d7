"""The camt reader: what it takes from each version's element names, batches, returns, and what it refuses."""

from datetime import date
from pathlib import Path

import pytest

from dunner.core.errors import BadInput
from dunner.core.money import Money
from dunner.edges.statements import read
from dunner.edges.statements.camt import read_camt

V08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

# camt.053.001.08: a batch of two credits (one structured, one with two Ustrd and a comment between the
# parties), a pending entry, a debit with a tax record whose deeper Amt and Dbtr must be left alone, a
# returned direct debit, a reversal, an entry without details, and a second statement of another account.
STATEMENT_08 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{V08}">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>S-1</Id>
   <CreDtTm>2026-11-30T18:00:00</CreDtTm>
   <Acct><Id><IBAN>FR76 3000 6000 0112 3456 7890 189</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Dt><Dt>2026-11-01</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="EUR">350.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-11-02</Dt></BookgDt><ValDt><Dt>2026-11-03</Dt></ValDt>
    <AcctSvcrRef>BNK-1</AcctSvcrRef>
    <NtryDtls>
     <Btch><NbOfTxs>2</NbOfTxs></Btch>
     <TxDtls>
      <Refs><AcctSvcrRef>TX-1</AcctSvcrRef><EndToEndId>E2E-1</EndToEndId></Refs>
      <Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Pty><Nm>ACME SARL</Nm></Pty></Dbtr>
       <DbtrAcct><Id><IBAN>fr7630006000011234567890189</IBAN></Id></DbtrAcct></RltdPties>
      <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref>
       </CdtrRefInf></Strd></RmtInf>
     </TxDtls>
     <TxDtls>
      <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <Amt Ccy="EUR">200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><!-- the payer --><Dbtr><Pty><Nm> Dupont &amp; Fils </Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Ustrd>FACTURE F-2026-0042</Ustrd><Ustrd>  </Ustrd><Ustrd>merci</Ustrd></RmtInf>
      <AddtlTxInf>VIR SEPA</AddtlTxInf>
     </TxDtls>
    </NtryDtls>
    <AddtlNtryInf>REMISE 2</AddtlNtryInf>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
    <BookgDt><Dt>2026-11-04</Dt></BookgDt><AcctSvcrRef>BNK-2</AcctSvcrRef>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">42.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><DtTm>2026-11-05T09:15:00+01:00</DtTm></BookgDt>
    <NtryRef>N-3</NtryRef>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>PAY-9</EndToEndId></Refs>
     <RltdPties><Dbtr><Pty><Nm>US</Nm></Pty></Dbtr><Cdtr><Pty><Nm>EDF SA</Nm></Pty></Cdtr>
      <CdtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></CdtrAcct></RltdPties>
     <Tax><Rcrd><TaxAmt><TtlAmt Ccy="EUR">7.08</TtlAmt></TaxAmt><Amt Ccy="EUR">7.08</Amt></Rcrd></Tax>
     <RmtInf><Ustrd>PRLV EDF</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">80.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-11-06</Dt></BookgDt><AcctSvcrRef>BNK-4</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><AcctSvcrRef>TX-4</AcctSvcrRef><EndToEndId>DD-7</EndToEndId></Refs>
     <Amt Ccy="EUR">80.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
     <RltdPties><Cdtr><Pty><Nm>CLIENT SAS</Nm></Pty></Cdtr></RltdPties>
     <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-11-07</Dt></BookgDt><AcctSvcrRef>BNK-5</AcctSvcrRef>
    <AddtlNtryInf>FRAIS</AddtlNtryInf>
   </Ntry>
  </Stmt>
  <Stmt>
   <Id>S-2</Id>
   <Acct><Id><Othr><Id>CARD-1234</Id></Othr></Id></Acct>
   <Ntry>
    <Amt Ccy="USD">1.5</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <BookgDt><Dt>2026-11-08</Dt></BookgDt><NtryRef>X</NtryRef>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
"""

# camt.053.001.02: Sts without Cd, Dbtr/Nm without Pty, the amount in AmtDtls/TxAmt; no namespace prefix
# in use but a prefixed document, and a camt.054 notification.
STATEMENT_02 = """<?xml version="1.0"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><c:BkToCstmrStmt><c:Stmt>
 <c:Id>OLD</c:Id><c:Acct><c:Id><c:IBAN>DE89370400440532013000</c:IBAN></c:Id></c:Acct>
 <c:Ntry><c:Amt Ccy="EUR">12.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:Sts>BOOK</c:Sts>
  <c:BookgDt><c:Dt>2026-10-01</c:Dt></c:BookgDt><c:AcctSvcrRef>R-9</c:AcctSvcrRef>
  <c:NtryDtls><c:TxDtls>
   <c:AmtDtls><c:TxAmt><c:Amt Ccy="EUR">12.00</c:Amt></c:TxAmt></c:AmtDtls>
   <c:RltdPties><c:Dbtr><c:Nm>OLD STYLE</c:Nm></c:Dbtr></c:RltdPties>
  </c:TxDtls></c:NtryDtls>
 </c:Ntry>
</c:Stmt></c:BkToCstmrStmt></c:Document>
"""

NOTIFICATION_054 = """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Id>N-1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def write(tmp_path: Path, text: str, name: str = "s.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_v08_statement_line_by_line(tmp_path):
    first, second = read(write(tmp_path, STATEMENT_08))
    assert (first.id, first.account, first.label) == ("S-1", "FR7630006000011234567890189", first.account)
    acme, dupont, edf, returned, fee = first.lines
    assert acme.amount == Money(15000, "EUR") and acme.credit
    assert (acme.booked_on, acme.value_on, acme.statement) == (date(2026, 11, 2), date(2026, 11, 3), "S-1")
    assert (acme.debtor, acme.debtor_iban) == ("ACME SARL", "FR7630006000011234567890189")
    assert acme.references == ("RF18539007547034",)
    assert (acme.bank_ref, acme.end_to_end, acme.text) == ("TX-1", "E2E-1", "REMISE 2")
    assert dupont.references == () and dupont.debtor == "Dupont & Fils"
    assert dupont.text == "FACTURE F-2026-0042 merci VIR SEPA REMISE 2"
    assert (dupont.bank_ref, dupont.end_to_end, dupont.amount.minor) == ("BNK-1/2", "", 20000)
    assert edf.amount == Money(-4250, "EUR") and edf.booked_on == date(2026, 11, 5) and edf.value_on is None
    assert (edf.debtor, edf.debtor_iban, edf.bank_ref, edf.text) == ("EDF SA", "FR1420041010050500013M02606", "N-3",
                                                                    "PRLV EDF")  # fmt: skip
    assert (returned.return_reason, returned.returned, returned.debtor, returned.end_to_end) == (
        "AC04",
        True,
        "CLIENT SAS",
        "DD-7",
    )
    assert (fee.reversal, fee.returned, fee.text, fee.amount.minor, fee.bank_ref) == (
        True,
        True,
        "FRAIS",
        -500,
        "BNK-5",
    )
    assert not acme.returned and not acme.reversal
    assert (second.id, second.account, [line.amount for line in second.lines]) == (
        "S-2",
        "CARD-1234",
        [Money(150, "USD")],
    )


def test_the_structured_reference_is_kept_apart_from_the_text(tmp_path):
    text = STATEMENT_08.replace("<Ustrd>merci</Ustrd>", "<Ustrd>merci</Ustrd></RmtInf><RmtInf><Ustrd>x</Ustrd>")
    lines = read(write(tmp_path, text))[0].lines
    assert lines[1].text == "FACTURE F-2026-0042 merci VIR SEPA REMISE 2"  # the first RmtInf only
    structured = STATEMENT_08.replace(
        "<RmtInf><Strd>",
        "<RmtInf><Ustrd>SEE REF</Ustrd><Strd><CdtrRefInf><Ref>RF00 BAD</Ref></CdtrRefInf></Strd><Strd>",
    )
    acme = read(write(tmp_path, structured))[0].lines[0]
    assert acme.references == ("RF00 BAD", "RF18539007547034") and acme.text == "SEE REF REMISE 2"


def test_older_element_names_and_prefixed_documents(tmp_path):
    (statement,) = read(write(tmp_path, STATEMENT_02))
    (line,) = statement.lines
    assert (statement.id, statement.account) == ("OLD", "DE89370400440532013000")
    assert (line.amount, line.debtor, line.bank_ref, line.text) == (Money(1200, "EUR"), "OLD STYLE", "R-9", "")


def test_a_camt054_notification(tmp_path):
    (notification,) = read(write(tmp_path, NOTIFICATION_054))
    assert notification.id == "N-1" and [line.amount.minor for line in notification.lines] == [700]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("<Document", '<!DOCTYPE Document [<!ENTITY x "y">]>\n<Document'), "has no DOCTYPE; this file is refused"),
        (("</Stmt>\n </BkToCstmrStmt>", "</BkToCstmrStmt>"), "not a readable camt file (line"),
        (('<Amt Ccy="EUR">42.50</Amt>', '<Amt Ccy="EUR">4x.50</Amt>'), "statement S-1:"),
        (('<Amt Ccy="EUR">42.50</Amt>', '<Amt Ccy="EURO">42.50</Amt>'), "statement S-1:"),
        (("<BookgDt><Dt>2026-11-06</Dt></BookgDt>", ""), "statement S-1: an entry has no booking date"),
        (("<BookgDt><Dt>2026-11-06</Dt></BookgDt>", "<BookgDt><Dt>2026-13-06</Dt></BookgDt>"), "'2026-13-06' is not"),
        (('<Amt Ccy="EUR">150.00</Amt>', ""), "a transaction of a batch has no amount of its own"),
        (('<Amt Ccy="EUR">5.00</Amt>', ""), "statement S-1: an entry has no amount"),
    ],
)
def test_what_is_refused(tmp_path, change, message):
    path = write(tmp_path, STATEMENT_08.replace(*change, 1))
    with pytest.raises(BadInput) as refused:
        read_camt(path)
    assert message in refused.value.message


def test_an_entry_before_its_account_and_a_file_without_statement(tmp_path):
    early = STATEMENT_08.replace(
        "<Id>S-2</Id>\n   <Acct><Id><Othr><Id>CARD-1234</Id></Othr></Id></Acct>", "<Id>S-2</Id>"
    )
    with pytest.raises(BadInput, match="statement S-2: an entry comes before the account it belongs to"):
        read_camt(write(tmp_path, early))
    empty = f'<Document xmlns="{V08}"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr></BkToCstmrStmt></Document>'
    with pytest.raises(BadInput, match=r"no statement \(Stmt, Ntfctn or Rpt\) in this camt file"):
        read_camt(write(tmp_path, empty))
    with pytest.raises(BadInput, match="has no DOCTYPE"):
        read_camt(write(tmp_path, "<!DOCTYPE Document>" + empty))


def test_an_entry_nested_deeper_is_not_an_entry(tmp_path):
    """Only the direct children of a statement are read (an Ntry inside another element is not one)."""
    nested = STATEMENT_08.replace("<Bal>", "<TxsSummry><Ntry><Amt Ccy='EUR'>1.00</Amt></Ntry></TxsSummry><Bal>")
    first, _ = read(write(tmp_path, nested))
    assert len(first.lines) == 5
