"""OFX statements (1.x SGML, as French banks' "Money" exports, and 2.x XML), read with ofxtools.

ofxtools' parser reads the headers, the character set (CHARSET:1252) and SGML's unclosed elements.
Its typed conversion is stricter than French banks are (a missing sign-on block, a TRNTYPE of their own,
an account id longer than the specification's), and it turns dates into UTC, which moves a Paris
midnight to the day before: dunner reads the parsed tree instead, dates as the bank wrote them.
A French account (BANKID, BRANCHID, ACCTID, ACCTKEY) is named by the IBAN it makes.
"""

from __future__ import annotations

import io
import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

from dunner.core.errors import BadInput
from dunner.core.money import MoneyError, check_currency, parse_amount
from dunner.core.payment import french_iban, rib_key
from dunner.core.statements import Line, Statement

# Data elements some banks leave empty (<MEMO> then the next tag), which an SGML reader cannot tell from
# an aggregate that opens: taken out before parsing.
_EMPTY = re.compile(rb"<(NAME|MEMO|REFNUM|CHECKNUM|SIC|PAYEEID|EXTDNAME|DTUSER|DTAVAIL)>[ \t]*(?=\r?\n?[ \t]*<)")
STATEMENTS = ("STMTRS", "CCSTMTRS")
# The parsed tree keeps the escapes of the text (OFX escapes &, < and >, and banks add XML's and &nbsp;):
# ofxtools undoes them in its typed conversion, which dunner does not use.
ENTITIES = {"&nbsp;": " ", "&apos;": "'", "&quot;": '"'}


def read_ofx(path: Path) -> list[Statement]:
    """Every bank or card statement of the file with its transactions."""
    try:
        from ofxtools.Parser import OFXTree
    except ImportError:
        raise BadInput(
            f"{path}: reading OFX needs the ofxtools library", hint="pip install 'dunner[ofx]' (ofxtools is GPL-3.0)"
        ) from None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    tree = OFXTree()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ofxtools warns on over-long names it keeps whole
            tree.parse(io.BytesIO(_EMPTY.sub(b"", raw)))
    except Exception as exc:  # ofxtools raises its own errors, and ValueError / IndexError on bad input
        first = (str(exc).strip().splitlines() or [""])[0][:200]  # ofxtools may quote the whole header
        raise BadInput(f"{path}: not a readable OFX file ({type(exc).__name__}: {first})") from None
    root = tree.getroot()
    statements = [_statement(element, path) for kind in STATEMENTS for element in root.iter(kind)]
    if not statements:
        raise BadInput(f"{path}: no bank or card statement (STMTRS, CCSTMTRS) in this OFX file")
    return statements


def _statement(element: Any, path: Path) -> Statement:
    account = element.find("BANKACCTFROM")
    if account is None:
        account = element.find("CCACCTFROM")
    if account is None:
        raise BadInput(f"{path}: a statement names no account")
    currency = (element.findtext("CURDEF") or "").strip()
    name, label = _account(account)
    statement = Statement(name, label=label)
    for trn in element.iter("STMTTRN"):
        statement.lines.append(_line(trn, name, currency, path))
    return statement


def _account(account: Any) -> tuple[str, str]:
    """The account's IBAN when it is French (bank, branch and account number), else its id; and its label."""
    bank, branch, number, key = (
        (account.findtext(k) or "").strip() for k in ("BANKID", "BRANCHID", "ACCTID", "ACCTKEY")
    )
    label = " ".join(p for p in (bank, branch, number, key) if p)
    if len(bank) == 5 and len(branch) == 5 and 1 <= len(number) <= 11:
        padded = number.rjust(11, "0")
        if not key or key == rib_key(bank, branch, padded):
            return french_iban(bank, branch, padded), label
    return number or label, label


def _line(trn: Any, account: str, currency: str, path: Path) -> Line:
    def field(name: str) -> str:
        return unescape(trn.findtext(name) or "", ENTITIES).strip()

    # CURRENCY: the amounts are in that currency; ORIGCURRENCY: they were converted to the statement's (OFX 2.1.1, 5.2)
    cur = field("CURRENCY/CURSYM") or currency
    try:
        amount = parse_amount(field("TRNAMT"), check_currency(cur), allow_zero=True, allow_negative=True)
    except MoneyError as exc:
        raise BadInput(f"{path}: transaction {field('FITID') or '?'}: {exc.message}") from None
    words = [field("NAME"), field("MEMO")]
    return Line(
        account=account,
        booked_on=_date(field("DTPOSTED"), path),
        value_on=_date(field("DTAVAIL"), path) if field("DTAVAIL") else None,
        amount=amount,
        text=" ".join(w for w in words if w),
        debtor=field("NAME"),
        references=(field("REFNUM"),) if field("REFNUM") else (),
        bank_ref=field("FITID"),
        extra={"type": field("TRNTYPE")},
    )


def _date(raw: str, path: Path) -> date:
    """An OFX date as the bank wrote it: its first eight digits, whatever the time and offset after them."""
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise BadInput(f"{path}: '{raw}' is not an OFX date (YYYYMMDD...)") from None
