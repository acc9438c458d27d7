"""Bank statement files for the tests, written with other tools than the readers under test use.

CAMT with lxml's ElementMaker on the ISO 20022 element names, in the order of the ISO schemas; OFX with
ofxtools' own models and headers (SGML 1.x with its data elements left open, as French banks export it,
and XML 2.x); CSV with the csv module as a French spreadsheet saves it (`;`, decimal comma, dd/mm/yyyy,
CRLF, cp1252 or UTF-8 with BOM, title lines above the header). One `Tx` describes a transaction for all three.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

PARIS = timezone(timedelta(hours=1), "CET")  # what French banks write their OFX dates in (CET)
NS = "urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version:02d}"
CREATED = "2026-11-30T18:00:00"


@dataclass(frozen=True)
class Tx:
    """One transaction; `amount` is signed (money in > 0).

    CAMT: a `Ntry`, with one `TxDtls` carrying the party, remittance and references when any is set, or one
    `TxDtls` per `batch` item (the entry's own fields then only give its amount, dates, status and AcctSvcrRef).
    OFX: a `STMTTRN` (NAME = debtor, MEMO = the Ustrd texts, REFNUM = the first Strd reference, FITID =
    acct_svcr_ref). CSV: a row whose label is debtor, Ustrd and Strd texts together.
    """

    amount: Decimal
    booked: date | datetime = date(2026, 11, 2)  # a datetime is written as CAMT DtTm, as the OFX time
    value: date | None = None
    debtor: str = ""  # who paid (CAMT Dbtr)
    debtor_iban: str = ""
    creditor: str = ""  # who was paid (CAMT Cdtr): the business on a credit, a supplier on a debit
    creditor_iban: str = ""
    ustrd: Sequence[str] = ()
    strd: Sequence[str] = ()  # creditor references (Strd/CdtrRefInf/Ref, SCOR)
    acct_svcr_ref: str = ""  # the bank's reference (TxDtls/Refs for a batch item, else the entry's)
    end_to_end: str = ""
    reversal: bool = False
    return_reason: str = ""  # RtrInf/Rsn/Cd (AC04, MD06...)
    status: str = "BOOK"
    batch: Sequence[Tx] = ()
    note: str = ""  # AddtlNtryInf
    currency: str = "EUR"


@dataclass(frozen=True)
class CamtStatement:
    """One Stmt (camt.053) or Ntfctn (camt.054): its id, the account's IBAN and its entries."""

    id: str
    iban: str
    entries: Sequence[Tx]
    currency: str = "EUR"


# -- CAMT -----------------------------------------------------------------------------------------------


def camt(
    path: Path, message: str, version: int, statements: Sequence[CamtStatement], prefix: str | None = None
) -> Path:
    """Write a camt.`message` ('053' or '054') file of ISO version 001.`version` (2 to 13)."""
    from lxml import etree
    from lxml.builder import ElementMaker

    ns = NS.format(message=message, version=version)
    maker = ElementMaker(namespace=ns, nsmap={prefix: ns})
    body = "BkToCstmrStmt" if message == "053" else "BkToCstmrDbtCdtNtfctn"
    writer = _Camt(maker, message, version)
    document = maker.Document(
        maker(body, maker.GrpHdr(maker.MsgId("MSG-1"), maker.CreDtTm(CREATED)), *map(writer.statement, statements))
    )
    path.write_bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


def camt053(path: Path, version: int, account_iban: str, entries: Sequence[Tx], stmt_id: str = "STMT-1") -> Path:
    """A camt.053 statement of one account."""
    return camt(path, "053", version, [CamtStatement(stmt_id, account_iban, entries)])


def camt054(path: Path, version: int, account_iban: str, entries: Sequence[Tx], ntfctn_id: str = "NTF-1") -> Path:
    """A camt.054 debit/credit notification of one account (no balances: 054 has none)."""
    return camt(path, "054", version, [CamtStatement(ntfctn_id, account_iban, entries)])


class _Camt:
    """The elements of one version; the names that changed: `Dbtr/Pty/Nm` and `Sts/Cd` from 001.07,
    `TxDtls/Amt` from 001.03 (before: `TxDtls/AmtDtls/TxAmt/Amt`)."""

    def __init__(self, maker, message: str, version: int) -> None:
        self.E, self.message, self.version = maker, message, version

    def statement(self, stmt: CamtStatement):
        E = self.E
        head = [E.Id(stmt.id), E.CreDtTm(CREATED), E.Acct(E.Id(E.IBAN(stmt.iban)), E.Ccy(stmt.currency))]
        if self.message == "053":  # a statement has at least one balance; a notification none
            balance = E.Bal(
                E.Tp(E.CdOrPrtry(E.Cd("OPBD"))),
                E.Amt("1000.00", Ccy=stmt.currency),
                E.CdtDbtInd("CRDT"),
                E.Dt(E.Dt("2026-11-01")),
            )
            head.append(balance)
        return E("Stmt" if self.message == "053" else "Ntfctn", *head, *map(self.entry, stmt.entries))

    def entry(self, tx: Tx):
        E = self.E
        kids = [E.Amt(f"{abs(tx.amount):.2f}", Ccy=tx.currency), E.CdtDbtInd("CRDT" if tx.amount > 0 else "DBIT")]
        if tx.reversal:
            kids.append(E.RvslInd("true"))
        kids.append(E.Sts(E.Cd(tx.status)) if self.version >= 7 else E.Sts(tx.status))
        kids += [E.BookgDt(_camt_date(E, tx.booked)), *([E.ValDt(_camt_date(E, tx.value))] if tx.value else [])]
        if tx.acct_svcr_ref:
            kids.append(E.AcctSvcrRef(tx.acct_svcr_ref))
        family, sub = ("RCDT", "RRTN") if tx.return_reason else ("RCDT" if tx.amount > 0 else "ICDT", "ESCT")
        kids.append(E.BkTxCd(E.Domn(E.Cd("PMNT"), E.Fmly(E.Cd(family), E.SubFmlyCd(sub)))))
        if tx.batch:
            kids.append(
                E.NtryDtls(E.Btch(E.NbOfTxs(str(len(tx.batch)))), *(self.details(t, own=True) for t in tx.batch))
            )
        elif _has_details(tx):
            kids.append(E.NtryDtls(self.details(tx, own=False)))
        if tx.note:
            kids.append(E.AddtlNtryInf(tx.note))
        return E.Ntry(*kids)

    def details(self, tx: Tx, own: bool):
        """A TxDtls; `own`: a batch item, with its own amount and AcctSvcrRef."""
        E = self.E
        refs = [E.AcctSvcrRef(tx.acct_svcr_ref)] if own and tx.acct_svcr_ref else []
        kids = [E.Refs(*refs, E.EndToEndId(tx.end_to_end or "NOTPROVIDED"))]
        amount = f"{abs(tx.amount):.2f}"
        if self.version >= 3:
            kids += [E.Amt(amount, Ccy=tx.currency), E.CdtDbtInd("CRDT" if tx.amount > 0 else "DBIT")]
        else:
            kids.append(E.AmtDtls(E.TxAmt(E.Amt(amount, Ccy=tx.currency))))
        parties = self.parties(tx)
        if parties is not None:
            kids.append(parties)
        remittance = [E.Ustrd(u) for u in tx.ustrd] + [self.reference(r) for r in tx.strd]
        if remittance:
            kids.append(E.RmtInf(*remittance))
        if tx.return_reason:
            kids.append(E.RtrInf(E.Rsn(E.Cd(tx.return_reason)), E.AddtlInf("Retour de virement")))
        return E.TxDtls(*kids)

    def parties(self, tx: Tx):
        E = self.E
        kids = []
        for role, name, iban in (("Dbtr", tx.debtor, tx.debtor_iban), ("Cdtr", tx.creditor, tx.creditor_iban)):
            if name:
                kids.append(E(role, E.Pty(E.Nm(name))) if self.version >= 7 else E(role, E.Nm(name)))
            if iban:
                kids.append(E(f"{role}Acct", E.Id(E.IBAN(iban))))
        return E.RltdPties(*kids) if kids else None

    def reference(self, ref: str):
        E = self.E
        kind = E.Tp(E.CdOrPrtry(E.Cd("SCOR")), E.Issr("ISO"))
        return E.Strd(E.CdtrRefInf(kind, E.Ref(ref)))


def _camt_date(E, when: date | datetime):
    return E.DtTm(when.isoformat()) if isinstance(when, datetime) else E.Dt(when.isoformat())


def _has_details(tx: Tx) -> bool:
    fields = (tx.debtor, tx.debtor_iban, tx.creditor, tx.creditor_iban, tx.ustrd, tx.strd, tx.end_to_end)
    return any(fields) or bool(tx.return_reason)


# -- OFX ------------------------------------------------------------------------------------------------


def ofx_v1(
    path: Path,
    bankid: str,
    branchid: str,
    acctid: str,
    transactions: Sequence[Tx],
    acctkey: str | None = None,
    closed: bool = False,
) -> Path:
    """An OFX 1.02 bank statement (SGML, CHARSET:1252, cp1252 bytes), data elements left open unless `closed`."""
    from ofxtools.models import BANKACCTFROM

    account = BANKACCTFROM(bankid=bankid, branchid=branchid, acctid=acctid, accttype="CHECKING", acctkey=acctkey)
    return _ofx(path, 102, _bank_messages(account, transactions), closed)


def ofx_v2(
    path: Path, bankid: str, branchid: str, acctid: str, transactions: Sequence[Tx], acctkey: str | None = None
) -> Path:
    """An OFX 2.2 bank statement (XML, UTF-8)."""
    from ofxtools.models import BANKACCTFROM

    account = BANKACCTFROM(bankid=bankid, branchid=branchid, acctid=acctid, accttype="CHECKING", acctkey=acctkey)
    return _ofx(path, 220, _bank_messages(account, transactions))


def ofx_card(path: Path, acctid: str, transactions: Sequence[Tx], version: int = 102) -> Path:
    """An OFX credit card statement (CCSTMTRS) of card `acctid`."""
    from ofxtools.models import CCACCTFROM, CCSTMTRS, CCSTMTTRNRS, CREDITCARDMSGSRSV1

    statement = CCSTMTRS(curdef="EUR", ccacctfrom=CCACCTFROM(acctid=acctid), **_ofx_lists(transactions))
    messages = {"creditcardmsgsrsv1": CREDITCARDMSGSRSV1(CCSTMTTRNRS(trnuid="0", status=_status(), ccstmtrs=statement))}
    return _ofx(path, version, messages)


def _ofx(path: Path, version: int, messages: dict, closed: bool = False) -> Path:
    from ofxtools.header import OFXHeaderV1, make_header
    from ofxtools.models import FI, OFX, SIGNONMSGSRSV1, SONRS

    signon = SONRS(status=_status(), dtserver=datetime(2026, 11, 30, 18, tzinfo=PARIS), language="FRA",
                   fi=FI(org="BANQUE", fid="30006"))  # fmt: skip
    body = ET.tostring(OFX(signonmsgsrsv1=SIGNONMSGSRSV1(sonrs=signon), **messages).to_etree(), encoding="unicode")
    if version >= 200:
        path.write_bytes((str(make_header(version=version)) + body).encode("utf-8"))
    else:
        sgml = body if closed else re.sub(r"<([A-Z0-9.]+)>([^<]+)</\1>", r"<\1>\2", body)
        path.write_bytes((str(OFXHeaderV1(version, charset="1252")) + sgml).encode("cp1252"))
    return path


def _bank_messages(account, transactions: Sequence[Tx]) -> dict:
    from ofxtools.models import BANKMSGSRSV1, STMTRS, STMTTRNRS

    statement = STMTRS(curdef="EUR", bankacctfrom=account, **_ofx_lists(transactions))
    return {"bankmsgsrsv1": BANKMSGSRSV1(STMTTRNRS(trnuid="0", status=_status(), stmtrs=statement))}


def _ofx_lists(transactions: Sequence[Tx]) -> dict:
    from ofxtools.models import BANKTRANLIST, LEDGERBAL

    start, end = datetime(2026, 11, 1, tzinfo=PARIS), datetime(2026, 11, 30, tzinfo=PARIS)
    return {
        "banktranlist": BANKTRANLIST(
            *(_stmttrn(t, n) for n, t in enumerate(transactions, 1)), dtstart=start, dtend=end
        ),
        "ledgerbal": LEDGERBAL(balamt=sum((t.amount for t in transactions), Decimal("1000.00")), dtasof=end),
    }


def _stmttrn(tx: Tx, number: int):
    from ofxtools.models import STMTTRN

    return STMTTRN(
        trntype="CREDIT" if tx.amount > 0 else "DEBIT",
        dtposted=_ofx_time(tx.booked),
        dtavail=_ofx_time(tx.value) if tx.value else None,
        trnamt=tx.amount,
        fitid=tx.acct_svcr_ref or f"FIT{number:05d}",
        refnum=tx.strd[0] if tx.strd else None,
        name=tx.debtor or tx.creditor or None,
        memo=" ".join(tx.ustrd) or None,
    )


def _ofx_time(when: date | datetime) -> datetime:
    """A date as French banks date it: midnight in Paris; a datetime as given (it must carry its offset)."""
    return when if isinstance(when, datetime) else datetime(when.year, when.month, when.day, tzinfo=PARIS)


def _status():
    from ofxtools.models import STATUS

    return STATUS(code=0, severity="INFO")


# -- CSV ------------------------------------------------------------------------------------------------

TITLE = (
    ["Compte courant N° 12345678901", ""],
    ["Solde au 31/10/2026", "1 000,00 €"],
    ["Liste des opérations du 01/11/2026 au 30/11/2026"],
    [],
    ["Téléchargé le 30/11/2026"],
)
FRENCH = {"date": "Date opération", "value": "Date de valeur", "text": "Libellé", "amount": "Montant",
          "debit": "Débit", "credit": "Crédit"}  # fmt: skip
ENGLISH = {"date": "Booking date", "value": "Value date", "text": "Description", "amount": "Amount",
           "debit": "Debit", "credit": "Credit"}  # fmt: skip


def french_amount(amount: Decimal, thousands: str = "\u00a0") -> str:
    """An amount as a French spreadsheet shows it: "-1 234,56" (thousands grouped by `thousands`)."""
    whole, cents = f"{abs(amount):,.2f}".split(".")
    return f"{'-' if amount < 0 else ''}{whole.replace(',', thousands)},{cents}"


def table(path: Path, rows: Sequence[Sequence[str]], encoding: str = "cp1252", delimiter: str = ";") -> Path:
    """Write rows of cells as a spreadsheet saves CSV: quoted only where needed, CRLF line ends."""
    with path.open("w", encoding=encoding, newline="") as file:
        csv.writer(file, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def french_csv(
    path: Path,
    rows: Sequence[Tx],
    encoding: str = "cp1252",
    two_columns: bool = True,
    title_lines: int = 3,
    english: bool = False,
    thousands: str = "\u00a0",
    total: bool = False,
) -> Path:
    """A bank's CSV export: `title_lines` lines above the header, then one row per transaction.

    `two_columns`: a Débit column (amounts without a sign) and a Crédit column, else one signed Montant.
    `encoding`: 'cp1252', or 'utf-8-sig' for UTF-8 with a BOM. `total`: a totals line and a balance line
    at the end, as some banks add. Dates dd/mm/yyyy; the value date is written when the Tx has one.
    """
    names = ENGLISH if english else FRENCH
    header = [names["date"], names["value"], names["text"], *([names["debit"], names["credit"]] if two_columns
              else [names["amount"]])]  # fmt: skip
    body = [_csv_row(tx, two_columns, thousands) for tx in rows]
    end = []
    if total:
        debits = sum((-tx.amount for tx in rows if tx.amount < 0), Decimal(0))
        credits = sum((tx.amount for tx in rows if tx.amount > 0), Decimal(0))
        sums = [french_amount(debits, thousands), french_amount(credits, thousands)] if two_columns else [
            french_amount(credits - debits, thousands)]  # fmt: skip
        end = [["", "", "Total des opérations", *sums], ["Solde au 30/11/2026", "", "", french_amount(Decimal("1000"))]]
    return table(path, [*TITLE[:title_lines], header, *body, *end], encoding)


def _csv_row(tx: Tx, two_columns: bool, thousands: str) -> list[str]:
    label = " ".join([tx.debtor or tx.creditor, *tx.ustrd, *tx.strd]).strip()
    booked = tx.booked.date() if isinstance(tx.booked, datetime) else tx.booked
    dates = [f"{booked:%d/%m/%Y}", f"{tx.value:%d/%m/%Y}" if tx.value else ""]
    if not two_columns:
        return [*dates, label, french_amount(tx.amount, thousands)]
    money = french_amount(abs(tx.amount), thousands)
    return [*dates, label, *([money, ""] if tx.amount < 0 else ["", money])]
