"""ISO 20022 bank-to-customer statements: camt.053 (statements), camt.054 (notifications), camt.052 (reports),
versions 001.02 to 001.13, read as a stream.

No maintained Python parser reads every version of both messages with their batches, remittance and
return reasons while streaming (docs/design-notes.md, "Bank statements"), so this one is dunner's own:
lxml's iterparse, elements matched by local name whatever the namespace, direct children only (`Dbtr`
and `Amt` also appear deeper, in tax records), each entry cleared once read so memory stays flat. The
element names that changed over the versions are read both ways: `Dbtr/Pty/Nm` (001.07 on) or
`Dbtr/Nm`, `Sts/Cd` (001.07 on) or `Sts`, `TxDtls/Amt` (001.03 on) or `TxDtls/AmtDtls/TxAmt/Amt`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.money import Money, MoneyError, check_currency, parse_amount
from dunner.core.payment import compact_iban
from dunner.core.statements import Line, Statement

CONTAINERS = frozenset({"Stmt", "Ntfctn", "Rpt"})  # camt.053, camt.054, camt.052
# The elements the reader is told about (lxml still builds the others, and they are dropped with them):
# the containers, and what it reads of their direct children. '{*}' is any namespace, or none.
WATCHED = tuple(f"{{*}}{name}" for name in (*CONTAINERS, "Id", "Acct", "Ntry"))
NOT_PROVIDED = "NOTPROVIDED"  # what banks write for a missing end-to-end id


def local(tag: Any) -> str:
    """An element's name without its namespace ('' for comments and entities)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def child(element: Any, *path: str) -> Any:
    """The first direct child by local name, following `path`; None if any step is missing."""
    for name in path:
        if element is None:
            return None
        element = next(element.iterchildren(f"{{*}}{name}"), None)
    return element


def children(element: Any, name: str) -> list[Any]:
    return [] if element is None else list(element.iterchildren(f"{{*}}{name}"))


def first_children(element: Any) -> dict[str, Any]:
    """The first direct child of each local name: one pass for the many names read of an entry."""
    return {c.tag.rpartition("}")[2]: c for c in reversed(element) if isinstance(c.tag, str)}


def text(element: Any, *path: str) -> str:
    found = child(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def read_camt(path: Path) -> list[Statement]:
    """Every statement (or notification, or report) of the file with its booked lines."""
    from lxml import etree

    options = {"resolve_entities": False, "no_network": True, "load_dtd": False}
    try:
        for _, root in etree.iterparse(str(path), events=("start",), **options):  # the prolog, up to the root
            if root.getroottree().docinfo.doctype:
                raise BadInput("a camt statement has no DOCTYPE; this file is refused")
            break
        statements = _statements(etree.iterparse(str(path), events=("end",), tag=WATCHED, **options))
    except etree.XMLSyntaxError as exc:
        raise BadInput(f"{path}: not a readable camt file (line {exc.lineno}: {exc.msg})") from None
    except BadInput as exc:  # what is wrong inside: named with the file, as several may be read at once
        raise BadInput(f"{path}: {exc.message}", hint=exc.hint) from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not a statement") from None
    except OSError as exc:  # the format was given, so nothing opened the file before
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    if not statements:
        raise BadInput(f"{path}: no statement (Stmt, Ntfctn or Rpt) in this camt file")
    return statements


def _statements(events: Any) -> list[Statement]:
    """The statements, each entry read as it ends and then dropped with what came before it: flat memory."""
    statements: list[Statement] = []
    container = None  # the element of the statement being read
    for _, element in events:
        name = local(element.tag)
        parent = element.getparent()
        if name in CONTAINERS and element is not container:  # a statement with nothing we read in it
            statements.append(Statement(""))
        if name in CONTAINERS or parent is None or local(parent.tag) not in CONTAINERS:
            continue
        if parent is not container:  # the first of a statement's children read: a new statement
            container = parent
            statements.append(Statement(""))
        try:
            _take(statements[-1], name, element)
        except BadInput as exc:  # named with where it is: the entry's line (read_camt adds the file)
            raise BadInput(f"line {element.sourceline}: {exc.message}", hint=exc.hint) from None
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del parent[0]
    return statements


def _take(current: Statement, name: str, element: Any) -> None:
    """One direct child of a statement: its id, its account, or an entry."""
    if name == "Id":
        current.id = text(element)
    elif name == "Acct":
        iban = text(element, "Id", "IBAN")
        current.account = compact_iban(iban) if iban else text(element, "Id", "Othr", "Id")
        current.label = current.account
    elif name == "Ntry":
        if not current.account:
            raise BadInput(f"statement {current.id or '?'}: an entry comes before the account it belongs to")
        current.lines += entry_lines(element, current)


def entry_lines(entry: Any, statement: Statement) -> list[Line]:
    """The lines of one booked entry: one per transaction of a batch, or the entry itself."""
    parts = first_children(entry)
    status = text(parts.get("Sts"), "Cd") or text(parts.get("Sts"))
    if status and status != "BOOK":  # pending or for information: not money on the account yet
        return []
    whole = _money(parts.get("Amt"), statement)
    sign = 1 if text(parts.get("CdtDbtInd")) == "CRDT" else -1
    common = {
        "account": statement.account,
        "booked_on": _date(parts.get("BookgDt"), statement),  # required: never None
        "value_on": _date(parts.get("ValDt"), statement, required=False),
        "reversal": text(parts.get("RvslInd")).lower() in ("true", "1"),
        "statement": statement.id,
    }
    note = text(parts.get("AddtlNtryInf"))
    reference = text(parts.get("AcctSvcrRef")) or text(parts.get("NtryRef"))
    details = [tx for dtls in children(entry, "NtryDtls") for tx in children(dtls, "TxDtls")]
    if not details:
        return [Line(amount=_signed(whole, sign), text=note, bank_ref=reference, **common)]
    lines = []
    for k, tx in enumerate(details, start=1):
        fields = first_children(tx)
        amount = _tx_amount(fields, statement, parts["Amt"], whole) or (whole if len(details) == 1 else None)
        if amount is None:
            raise BadInput(f"statement {statement.id}: a transaction of a batch has no amount of its own")
        own = text(fields.get("Refs"), "AcctSvcrRef")
        bank_ref = own or (f"{reference}/{k}" if reference and len(details) > 1 else reference)
        lines.append(_tx_line(fields, _signed(amount, sign), bank_ref, note, common))
    return lines


def _tx_line(fields: dict[str, Any], amount: Money, bank_ref: str, note: str, common: dict[str, Any]) -> Line:
    """One transaction, from its direct children by name."""
    parties = fields.get("RltdPties")
    returned = fields.get("RtrInf")
    name, iban = _party(parties, "Dbtr" if amount.minor > 0 else "Cdtr")  # who paid us, or whom we paid
    if (
        amount.minor < 0
        and (returned is not None or common["reversal"])
        and compact_iban(iban) in ("", common["account"])
    ):
        payer = _party(parties, "Dbtr")  # a return that keeps the original roles: the payer is the debtor
        if payer[0] or payer[1]:
            name, iban = payer
    remittance = fields.get("RmtInf")
    unstructured = [words for u in children(remittance, "Ustrd") if (words := text(u))]
    structured = [ref for s in children(remittance, "Strd") if (ref := text(s, "CdtrRefInf", "Ref"))]
    end_to_end = text(fields.get("Refs"), "EndToEndId")
    reason = text(returned, "Rsn", "Cd") or text(returned, "Rsn", "Prtry")
    words = [*unstructured, text(fields.get("AddtlTxInf")), note]
    return Line(
        amount=amount,
        text=" ".join(w for w in words if w),
        debtor=name,
        debtor_iban=compact_iban(iban) if iban else "",
        references=tuple(structured),
        bank_ref=bank_ref,
        end_to_end="" if end_to_end == NOT_PROVIDED else end_to_end,
        return_reason=reason,
        **common,
    )


def _party(parties: Any, side: str) -> tuple[str, str]:
    """The name and IBAN of one side of a transaction (`Dbtr` or `Cdtr`), as 001.02 and 001.07+ write them."""
    party = child(parties, side)
    return text(party, "Pty", "Nm") or text(party, "Nm"), text(parties, f"{side}Acct", "Id", "IBAN")


def _tx_amount(fields: dict[str, Any], statement: Statement, entry: Any, whole: Money) -> Money | None:
    """The transaction's own amount (most often written as the entry's: read once)."""
    if "Amt" in fields:
        own = fields["Amt"]
        same = own.text == entry.text and own.get("Ccy") == entry.get("Ccy")
        return whole if same else _money(own, statement)
    for path in (("TxAmt", "Amt"), ("InstdAmt", "Amt")):
        found = child(fields.get("AmtDtls"), *path)
        if found is not None:
            return _money(found, statement)
    return None


def _money(element: Any, statement: Statement) -> Money:
    if element is None:
        raise BadInput(f"statement {statement.id}: an entry has no amount")
    try:
        return parse_amount(text(element), check_currency(element.get("Ccy", "")), allow_zero=True)
    except MoneyError as exc:
        raise BadInput(f"statement {statement.id}: {exc.message}") from None


def _signed(amount: Money, sign: int) -> Money:
    return Money(sign * amount.minor, amount.currency)


def _date(element: Any, statement: Statement, required: bool = True) -> date | None:
    raw = text(element, "Dt") or text(element, "DtTm")[:10]
    if not raw:
        if required:
            raise BadInput(f"statement {statement.id}: an entry has no booking date")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"statement {statement.id}: '{raw}' is not a date") from None
