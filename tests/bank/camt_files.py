"""camt.053 statements written with lxml's ElementMaker from the ISO 20022 element names (001.08 layout),
for the end-to-end tests of `dunner bank`: a different tool than the reader under test."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lxml import etree
from lxml.builder import ElementMaker

OURS = "FR7630006000011234567890189"  # the test business's IBAN (tests/helpers.py BUSINESS)
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


@dataclass
class Entry:
    amount: str  # signed: "-12.00" is a debit
    booked: str = "2026-03-02"
    text: str = ""  # Ustrd
    rf: str = ""  # Strd/CdtrRefInf/Ref
    debtor: str = ""
    iban: str = ""  # the debtor's (or, for a debit, the creditor's) IBAN
    ref: str = ""  # AcctSvcrRef
    e2e: str = ""  # EndToEndId
    currency: str = "EUR"
    reversal: bool = False
    return_code: str = ""  # RtrInf/Rsn/Cd
    batch: list[Entry] = field(default_factory=list)  # several TxDtls in one entry


def _tx(e: Entry, m: ElementMaker) -> etree._Element:
    refs = m.Refs(m.EndToEndId(e.e2e)) if e.e2e else None
    party = m.Dbtr(m.Pty(m.Nm(e.debtor))) if e.debtor else None
    account = m.DbtrAcct(m.Id(m.IBAN(e.iban))) if e.iban else None
    related = (
        m.RltdPties(*[x for x in (party, account) if x is not None])
        if party is not None or account is not None
        else None
    )
    remittance = []
    if e.text:
        remittance.append(m.Ustrd(e.text))
    if e.rf:
        remittance.append(m.Strd(m.CdtrRefInf(m.Tp(m.CdOrPrtry(m.Cd("SCOR"))), m.Ref(e.rf))))
    parts = [refs, m.Amt(str(abs(Decimal(e.amount))), Ccy=e.currency), m.CdtDbtInd(_side(e)), related]
    if remittance:
        parts.append(m.RmtInf(*remittance))
    if e.return_code:
        parts.append(m.RtrInf(m.Rsn(m.Cd(e.return_code))))
    return m.TxDtls(*[p for p in parts if p is not None])


def _side(e: Entry) -> str:
    return "DBIT" if Decimal(e.amount) < 0 else "CRDT"


def _entry(e: Entry, m: ElementMaker) -> etree._Element:
    parts = [m.Amt(str(abs(Decimal(e.amount))), Ccy=e.currency), m.CdtDbtInd(_side(e))]
    if e.reversal:
        parts.append(m.RvslInd("true"))
    parts += [m.Sts(m.Cd("BOOK")), m.BookgDt(m.Dt(e.booked)), m.ValDt(m.Dt(e.booked))]
    if e.ref:
        parts.append(m.AcctSvcrRef(e.ref))
    parts.append(m.BkTxCd())
    parts.append(m.NtryDtls(*[_tx(t, m) for t in (e.batch or [e])]))
    return m.Ntry(*parts)


def camt053(path: Path, entries: list[Entry], *, account: str = OURS, statement: str = "STMT-1") -> Path:
    m = ElementMaker(namespace=NS, nsmap={None: NS})
    doc = m.Document(
        m.BkToCstmrStmt(
            m.GrpHdr(m.MsgId(f"MSG-{statement}"), m.CreDtTm("2026-03-03T06:00:00")),
            m.Stmt(
                m.Id(statement),
                m.CreDtTm("2026-03-03T06:00:00"),
                m.Acct(m.Id(m.IBAN(account))),
                *[_entry(e, m) for e in entries],
            ),
        )
    )
    path.write_bytes(etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path
