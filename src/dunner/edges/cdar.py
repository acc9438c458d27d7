"""Lifecycle statuses of invoices (XP Z12-012 "CDV") in the UN/CEFACT Cross Domain Acknowledgement and Response
D22B syntax (CDAR): reading those the platform delivers, writing the 212 "Encaissée" the seller reports.

    parse_cdar(xml) -> [LifecycleStatus]     one per referenced document, in the order of the message
    build_cdar(code=212, ...) -> bytes       built like the official example UC1_F202500003_07-CDV-212_Encaissee
    validate_cdar(xml, xsd) -> [str]         the schema's complaints (for tests: the XSD is not shipped)

Where things are (from the official examples, MDT = the data ids of XP Z12-012):
- the status code (MDT-105) in `ReferenceReferencedDocument/ProcessConditionCode`, its label in `ProcessCondition`;
- the invoice (BT-1, MDT-87) in `IssuerAssignedID`, its date (BT-2, MDT-100) in `FormattedIssueDateTime`;
- when the status was set (MDT-78) in `AcknowledgementDocument/IssueDateTime`;
- amounts (MDT-207..224) in `SpecifiedDocumentStatus/SpecifiedDocumentCharacteristic`: `TypeCode` MEN (received,
  212) or MPA (paid, 211), `ValueAmount`, `ValuePercent` (the VAT rate of a 212), `ValueDateTime` (payment date);
- the reason of 206..210/213 in `SpecifiedDocumentStatus/ReasonCode` and `Reason` (the examples show none: read
  there, and from ReasonInformation or notes as well).
Parsing is safe: no DTD, no entity, no network; anything malformed is `BadInput` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from dunner.core.errors import BadInput
from dunner.edges.cdar_write import NS, ROOT, Party, build_cdar

__all__ = ["LifecycleStatus", "Party", "build_cdar", "parse_cdar", "validate_cdar"]

FORMATS = {"102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}  # UNTDID 2379


@dataclass(frozen=True)
class LifecycleStatus:
    """One status of one invoice, as a CDAR message says it."""

    code: int  # 200 Déposée ... 212 Encaissée, 213 Rejetée, 220 Annulée
    invoice_number: str  # BT-1
    invoice_issued_on: date | None  # BT-2
    status_on: date  # the day the status was set
    reason_code: str | None = None
    reason_text: str | None = None
    amount: Decimal | None = None  # the sum of the message's amounts of the first kind (MEN received, MPA paid)
    currency: str | None = None
    message_id: str | None = None  # ExchangedDocument/ID
    label: str | None = None  # ProcessCondition: "Encaissée", "Paiement_transmis"...
    status_at: datetime | None = None  # the status's date and time (no time zone in the message)
    invoice_type: str | None = None  # BT-3: 380, 381...
    seller_id: str | None = None  # SIREN of the invoice's issuer (ReferenceReferencedDocument/IssuerTradeParty)
    issuer_role: str | None = None  # who set the status: SE seller, BY buyer, WK a platform
    issuer_id: str | None = None  # its SIREN, when given
    recipient_ids: tuple[str, ...] = ()  # the SIRENs (or platform ids) the message is addressed to
    amount_type: str | None = None  # MEN, MPA...
    vat_rate: Decimal | None = None  # ValuePercent of a 212: the VAT rate of the amount received
    paid_on: date | None = None  # ValueDateTime of the amount: the payment's date (211)


def parse_cdar(xml: bytes) -> list[LifecycleStatus]:
    """Every status a CDAR message carries; `BadInput` if it is not well-formed XML, declares a DTD, is not a CDAR,
    or lacks what a status cannot do without (its code, the invoice number, its date)."""
    root = _root(xml)
    document = root.find("rsm:ExchangedDocument", NS)
    message_id = _text(document, "ram:ID")
    issuer = document.find("ram:IssuerTradeParty", NS) if document is not None else None
    recipients = tuple(
        t for p in (document.findall("ram:RecipientTradeParty", NS) if document is not None else []) if (t := _id(p))
    )
    created = _datetime(document, "ram:IssueDateTime/udt:DateTimeString")
    statuses = []
    for ack in root.findall("rsm:AcknowledgementDocument", NS):
        set_at = _datetime(ack, "ram:IssueDateTime/udt:DateTimeString") or created
        for ref in ack.findall("ram:ReferenceReferencedDocument", NS):
            common = {
                "message_id": message_id,
                "issuer_role": _text(issuer, "ram:RoleCode"),
                "issuer_id": _id(issuer),
                "recipient_ids": recipients,
            }
            statuses.append(_status(ack, ref, set_at, common))
    if not statuses:
        raise BadInput("CDAR message without any status (no AcknowledgementDocument/ReferenceReferencedDocument)")
    return statuses


def _root(xml: bytes) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, huge_tree=False
    )
    try:
        tree = etree.fromstring(xml, parser).getroottree()
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise BadInput(f"malformed CDAR message: {' '.join(str(exc).split())}") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise BadInput("CDAR message refused: it declares a DTD (entities are not accepted)")
    root = tree.getroot()
    if root.tag != ROOT:
        raise BadInput(f"not a CDAR message: its root is {etree.QName(root).localname}")
    return root


def _status(ack: Any, ref: Any, set_at: datetime | None, common: dict[str, Any]) -> LifecycleStatus:
    number = _text(ref, "ram:IssuerAssignedID")
    raw = (
        _text(ref, "ram:ProcessConditionCode")
        or _text(ack, "ram:ProcessConditionCode")
        or _text(ref, "ram:SpecifiedDocumentStatus/ram:ProcessConditionCode")
    )
    if not raw or not raw.isdigit() or not 200 <= int(raw) <= 299:
        raise BadInput(f"CDAR status of {number or 'an unnamed document'} without a status code 200..299: {raw!r}")
    if not number:
        raise BadInput(f"CDAR status {raw} without the invoice number (IssuerAssignedID)")
    if set_at is None:
        raise BadInput(f"CDAR status {raw} of {number} without its date (IssueDateTime)")
    amount, currency, kind, rate, paid_on = _amounts(ref, number)
    return LifecycleStatus(
        code=int(raw),
        invoice_number=number,
        invoice_issued_on=_date(ref, "ram:FormattedIssueDateTime/qdt:DateTimeString"),
        status_on=set_at.date(),
        reason_code=_text(ref, "ram:SpecifiedDocumentStatus/ram:ReasonCode"),
        reason_text=_reason(ack, ref),
        amount=amount,
        currency=currency,
        label=_text(ref, "ram:ProcessCondition") or _text(ack, "ram:ProcessCondition"),
        status_at=set_at,
        invoice_type=_text(ref, "ram:TypeCode"),
        seller_id=_id(ref.find("ram:IssuerTradeParty", NS)),
        amount_type=kind,
        vat_rate=rate,
        paid_on=paid_on,
        **common,
    )


def _amounts(ref: Any, number: str) -> tuple[Decimal | None, str | None, str | None, Decimal | None, date | None]:
    """(total, currency, kind, VAT rate, date) of the amounts of the first kind the status carries."""
    found = [
        c
        for c in ref.findall("ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic", NS)
        if c.find("ram:ValueAmount", NS) is not None
    ]
    if not found:
        return None, None, None, None, None
    kind = _text(found[0], "ram:TypeCode")
    same = [c for c in found if _text(c, "ram:TypeCode") == kind]
    currencies = {(c.find("ram:ValueAmount", NS).get("currencyID") or "").upper() or None for c in same}
    if len(currencies) > 1:
        raise BadInput(f"CDAR status of {number}: amounts in several currencies ({', '.join(map(str, currencies))})")
    total = sum((_decimal(_text(c, "ram:ValueAmount"), number) for c in same), Decimal(0))
    rates = {_text(c, "ram:ValuePercent") for c in same} - {None}
    rate = _decimal(rates.pop(), number) if len(rates) == 1 else None
    return total, currencies.pop(), kind, rate, _date(same[0], "ram:ValueDateTime/udt:DateTimeString")


def _reason(ack: Any, ref: Any) -> str | None:
    paths = [
        "ram:SpecifiedDocumentStatus/ram:Reason",
        "ram:SpecifiedDocumentStatus/ram:ReasonInformation",
        "ram:SpecifiedDocumentStatus/ram:IncludedNote/ram:Content",
    ]
    texts = [t for p in paths for e in ref.findall(p, NS) if (t := " ".join((e.text or "").split()))]
    texts += [t for e in ack.findall("ram:ReasonInformation", NS) if (t := " ".join((e.text or "").split()))]
    return "; ".join(dict.fromkeys(texts)) or None


def _text(node: Any, path: str) -> str | None:
    found = node.find(path, NS) if node is not None else None
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def _id(party: Any) -> str | None:
    """A party's SIREN (GlobalID 0002), else its first GlobalID or ID."""
    if party is None:
        return None
    ids = party.findall("ram:GlobalID", NS) + party.findall("ram:ID", NS)
    siren = [i for i in ids if i.get("schemeID") == "0002" and (i.text or "").strip()]
    chosen = (siren or [i for i in ids if (i.text or "").strip()] or [None])[0]
    return chosen.text.strip() if chosen is not None else None


def _datetime(node: Any, path: str) -> datetime | None:
    found = node.find(path, NS) if node is not None else None
    if found is None or not (found.text or "").strip():
        return None
    value, form = (
        found.text.strip(),
        found.get("format") or {8: "102", 12: "203", 14: "204"}.get(len(found.text.strip())),
    )
    try:
        return datetime.strptime(value, FORMATS[form or ""])
    except (KeyError, ValueError):
        raise BadInput(
            f"CDAR date {value!r} is not in format {form} ({etree.QName(found.getparent()).localname})"
        ) from None


def _date(node: Any, path: str) -> date | None:
    when = _datetime(node, path)
    return when.date() if when else None


def _decimal(text: str | None, number: str) -> Decimal:
    try:
        return Decimal(text or "")
    except InvalidOperation:
        raise BadInput(f"CDAR status of {number}: {text!r} is not an amount") from None


def validate_cdar(xml: bytes, xsd: Path) -> list[str]:
    """What the CDAR D22B schema (`CrossDomainAcknowledgementAndResponse_100pD22B.xsd`, next to the files it imports)
    finds wrong in a message: [] when it is valid."""
    schema = _schema(Path(xsd).resolve())
    document = _root(xml).getroottree()
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


@cache
def _schema(path: Path) -> Any:
    return etree.XMLSchema(etree.parse(str(path)))
