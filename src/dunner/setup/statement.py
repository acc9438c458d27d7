"""The demo's bank statement: a camt.053 (ISO 20022, version 001.08) of the week before the demo's date,
as a French bank sends it, with what `dunner bank import` meets every day: a transfer naming its invoice,
one carrying the invoice's RF reference, one with neither (a proposal), a direct debit, a refund."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from dunner.core.payment import compact_iban, invoice_reference
from dunner.edges.config import Config
from dunner.edges.files import write_private
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import INSTALMENTS

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
# (invoice label or None, amount or None for what is owed, days before the demo's date, debtor, their IBAN,
#  remittance text, whether it carries the invoice's RF reference)
LINES = [
    ("b2", None, 6, "BOULANGERIE DURAND", "FR1420041010050500013M02606", "FACT F-2026-0007 PACKAGING", False),
    (None, "-412.00", 5, "URSSAF RHONE-ALPES", "", "PRLV SEPA URSSAF COTISATIONS", False),
    ("a4", None, 4, "ACME INDUSTRIES", "FR7617569000703814785322020", "", True),
    ("h2", None, 2, "HOTEL DU PARC SAS", "FR7610107001011234567890129", "VIREMENT", False),
    (None, "45.00", 1, "ORANGE SA", "", "REMBOURSEMENT TROP PERCU", False),
]


def owed(ledger: Ledger, number: str, as_of: date) -> str:
    cents = ledger.scalar(
        f"SELECT SUM(o.amount_cents - o.paid_cents) FROM ({INSTALMENTS}) o WHERE o.number = :number",
        {"as_of": as_of.isoformat(), "number": number},
    )
    return f"{cents // 100}.{cents % 100:02d}"


def write_statement(path: Path, ledger: Ledger, config: Config, numbers: dict[str, str], as_of: date) -> None:
    entries = []
    for n, (label, amount, before, debtor, iban, text, with_rf) in enumerate(LINES, start=1):
        booked = (as_of - timedelta(days=before)).isoformat()
        value = amount or owed(ledger, numbers[label], as_of)
        rf = ""
        if with_rf and label:
            row = ledger.one("SELECT id FROM invoice WHERE number = ?", (numbers[label],))
            rf = invoice_reference(numbers[label], row["id"])
        entries.append(_entry(n, value, booked, debtor, iban, text, rf))
    start = (as_of - timedelta(days=7)).isoformat()
    end = (as_of - timedelta(days=1)).isoformat()
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>DEMO-{end}</MsgId><CreDtTm>{as_of.isoformat()}T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>RELEVE-{end}</Id>
      <CreDtTm>{as_of.isoformat()}T06:00:00</CreDtTm>
      <FrToDt><FrDtTm>{start}T00:00:00</FrDtTm><ToDtTm>{end}T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>{compact_iban(config.business.iban)}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{"".join(entries)}    </Stmt>
  </BkToCstmrStmt>
</Document>
"""
    write_private(path, xml.encode("utf-8"))


def _entry(n: int, amount: str, booked: str, debtor: str, iban: str, text: str, rf: str) -> str:
    side = "DBIT" if amount.startswith("-") else "CRDT"
    party = "Cdtr" if side == "DBIT" else "Dbtr"
    account = f"<{party}Acct><Id><IBAN>{iban}</IBAN></Id></{party}Acct>" if iban else ""
    remittance = f"<Ustrd>{escape(text)}</Ustrd>" if text else ""
    if rf:
        remittance += (
            f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{rf}</Ref></CdtrRefInf></Strd>"
        )
    return f"""      <Ntry>
        <Amt Ccy="EUR">{amount.lstrip("-")}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt>
        <AcctSvcrRef>DEMO-{booked.replace("-", "")}-{n:03}</AcctSvcrRef>
        <BkTxCd/>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><{party}><Pty><Nm>{escape(debtor)}</Nm></Pty></{party}>{account}</RltdPties>
          {f"<RmtInf>{remittance}</RmtInf>" if remittance else ""}
        </TxDtls></NtryDtls>
      </Ntry>
"""
