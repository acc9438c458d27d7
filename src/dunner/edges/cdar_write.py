"""Writing the lifecycle status a seller reports, 212 "Encaissée" (edges/cdar.py reads them all), as a CDAR D22B
message structured like the official example UC1_F202500003_07-CDV-212_Encaissee: issued by the seller (SE),
sent through a platform (WK), to the buyer (BY, electronic address scheme 0225) and to the PPF (DFH 9998).

build_cdar's arguments: `seller`/`buyer` are `Party`s or any object with `registration` (SIREN or SIRET) and `name`
(dunner's business, a client), with `electronic_address` if it has one; `amount` is Money, or a Decimal with
`currency`; `vat_rate` the VAT rate of that amount (MDT-224, which the example gives); `status_on` the day the
money was received (MDT-78); `deposited_at` when the invoice was Déposée on the platform (MDT-95, in the default
message id too); `created_at` the message's own time (default: the status's day at 00:00). `message_id` should be
unique per payment reported: by default it is built like the example's, `{invoice}_212_{time}#{type}_{issue date}`,
which two payments of one invoice on one day would share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from lxml import etree

from dunner.core.errors import BadInput
from dunner.core.identifiers import siren_of
from dunner.core.money import Money

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ROOT = f"{{{RSM}}}CrossDomainAcknowledgementAndResponse"
RECEIVED = 212
LABELS = {RECEIVED: "Encaissée"}
# What the official example carries besides the status code (MDT-77 document type, MDT-88 status).
SHAPES = {RECEIVED: {"type": "23", "status": "47", "role": "SE", "characteristic": "MEN"}}
PPF = ("0238", "9998", "PPF")  # the tax administration's platform (DFH), a recipient of every 212
PROFILE = "urn.cpro.gouv.fr:1p0:CDV:invoice"


@dataclass(frozen=True)
class Party:
    """A company in a CDAR: its SIREN, name and electronic address (URIID scheme 0225, the SIREN if none)."""

    siren: str
    name: str = ""
    address: str | None = None


def build_cdar(
    *,
    code: int,
    invoice_number: str,
    invoice_issued_on: date,
    status_on: date | datetime,
    seller: Party | Any,
    amount: Money | Decimal,
    currency: str | None = None,
    vat_rate: Decimal | None = None,
    buyer: Party | Any | None = None,
    invoice_type: str = "380",
    deposited_at: datetime | None = None,
    created_at: datetime | None = None,
    message_id: str | None = None,
    name: str | None = None,
) -> bytes:
    """A CDAR message of the status a seller reports (only 212 "Encaissée": the amount received and the day), as
    UTF-8 bytes; the module's docstring says what each argument is."""
    if code not in SHAPES:
        raise ValueError(f"dunner builds only the statuses a seller reports ({sorted(SHAPES)}), not {code}")
    value, currency = (amount.amount, amount.currency) if isinstance(amount, Money) else (Decimal(amount), currency)
    if not currency:
        raise ValueError("a CDAR amount needs its currency")
    status_at = status_on if isinstance(status_on, datetime) else datetime.combine(status_on, time())
    default_id = (
        f"{invoice_number}_{code}_{_stamp(deposited_at or status_at)}#{invoice_type}_{invoice_issued_on:%Y%m%d}"
    )
    report = _Report(
        code=code,
        invoice_number=invoice_number,
        invoice_type=invoice_type,
        invoice_issued_on=invoice_issued_on,
        deposited_at=deposited_at,
        status_at=status_at,
        created_at=created_at or status_at,
        seller=_party(seller, "seller"),
        buyer=_party(buyer, "buyer") if buyer is not None else None,
        value=value,
        currency=currency.upper(),
        vat_rate=Decimal(vat_rate) if vat_rate is not None else None,
        message_id=message_id or default_id,
        name=name or message_id or default_id,
    )
    root = etree.Element(ROOT, nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    context = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", "REGULATED")
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE)
    _exchanged_document(_sub(root, "rsm:ExchangedDocument"), report)
    ack = _sub(root, "rsm:AcknowledgementDocument")
    _sub(_sub(ack, "ram:MultipleReferencesIndicator"), "udt:Indicator", "false")
    _sub(ack, "ram:TypeCode", SHAPES[code]["type"])
    _sub(_sub(ack, "ram:IssueDateTime"), "udt:DateTimeString", _stamp(status_at), format="204")
    _referenced_document(_sub(ack, "ram:ReferenceReferencedDocument"), report)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass(frozen=True)
class _Report:
    """What build_cdar writes, checked and completed."""

    code: int
    invoice_number: str
    invoice_type: str
    invoice_issued_on: date
    deposited_at: datetime | None
    status_at: datetime
    created_at: datetime
    seller: Party
    buyer: Party | None
    value: Decimal
    currency: str
    vat_rate: Decimal | None
    message_id: str
    name: str


def _exchanged_document(document: Any, r: _Report) -> None:
    """The message: its id, name and time, who sends and issues it (the seller), to whom (buyer, PPF)."""
    _sub(document, "ram:ID", r.message_id)
    _sub(document, "ram:Name", r.name)
    _sub(_sub(document, "ram:IssueDateTime"), "udt:DateTimeString", _stamp(r.created_at), format="204")
    _sub(_sub(document, "ram:SenderTradeParty"), "ram:RoleCode", "WK")  # a platform transmits it (the example)
    issuer = _sub(document, "ram:IssuerTradeParty")
    _sub(issuer, "ram:GlobalID", r.seller.siren, schemeID="0002")
    if r.seller.name:
        _sub(issuer, "ram:Name", r.seller.name)
    _sub(issuer, "ram:RoleCode", SHAPES[r.code]["role"])
    if r.buyer is not None:
        to = _sub(document, "ram:RecipientTradeParty")
        _sub(to, "ram:GlobalID", r.buyer.siren, schemeID="0002")
        if r.buyer.name:
            _sub(to, "ram:Name", r.buyer.name)
        _sub(to, "ram:RoleCode", "BY")
        address = r.buyer.address or r.buyer.siren
        _sub(_sub(to, "ram:URIUniversalCommunication"), "ram:URIID", address, schemeID="0225")
    ppf = _sub(document, "ram:RecipientTradeParty")
    _sub(ppf, "ram:GlobalID", PPF[1], schemeID=PPF[0])
    _sub(ppf, "ram:Name", PPF[2])
    _sub(ppf, "ram:RoleCode", "DFH")


def _referenced_document(ref: Any, r: _Report) -> None:
    """The invoice the status is about, the status itself, and the amount (MDT-87 to MDT-224)."""
    shape = SHAPES[r.code]
    _sub(ref, "ram:IssuerAssignedID", r.invoice_number)
    _sub(ref, "ram:StatusCode", shape["status"])
    _sub(ref, "ram:TypeCode", r.invoice_type)
    if r.deposited_at is not None:
        _sub(_sub(ref, "ram:ReceiptDateTime"), "udt:DateTimeString", _stamp(r.deposited_at), format="204")
    _sub(_sub(ref, "ram:FormattedIssueDateTime"), "qdt:DateTimeString", f"{r.invoice_issued_on:%Y%m%d}", format="102")
    _sub(ref, "ram:ProcessConditionCode", str(r.code))
    _sub(ref, "ram:ProcessCondition", LABELS[r.code])
    _sub(_sub(ref, "ram:IssuerTradeParty"), "ram:GlobalID", r.seller.siren, schemeID="0002")
    characteristic = _sub(_sub(ref, "ram:SpecifiedDocumentStatus"), "ram:SpecifiedDocumentCharacteristic")
    _sub(characteristic, "ram:TypeCode", shape["characteristic"])
    _sub(_sub(characteristic, "ram:ValueChangedIndicator"), "udt:IndicatorString", "false")
    _sub(characteristic, "ram:ValueAmount", f"{r.value:.2f}", currencyID=r.currency)
    if r.vat_rate is not None:
        _sub(characteristic, "ram:ValuePercent", f"{r.vat_rate:.2f}")


def _party(value: Party | Any, what: str) -> Party:
    if isinstance(value, Party):
        return value
    siren = siren_of(getattr(value, "registration", None) or getattr(value, "siren", None))
    if not siren:
        raise BadInput(f"the {what} has no SIREN: a lifecycle status names both parties by their SIREN")
    address = getattr(value, "electronic_address", None)
    return Party(siren, getattr(value, "name", "") or "", address if isinstance(address, str) and address else None)


def _sub(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    prefix, local = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", attributes)
    if text is not None:
        element.text = text
    return element


def _stamp(when: datetime) -> str:
    return f"{when:%Y%m%d%H%M%S}"
