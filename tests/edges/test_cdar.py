"""Lifecycle statuses in CDAR D22B (edges/cdar.py): every official example read, the 212 dunner sends built like the
official one and valid against the schema, and what is malformed or unsafe refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from dunner.core.errors import BadInput
from dunner.core.money import Money
from dunner.edges.cdar import Party, build_cdar, parse_cdar, validate_cdar
from helpers import fr_einvoicing_specs, no_specs_reason
from platform_server import buyer_status

SPECS = fr_einvoicing_specs()
LIFECYCLE = SPECS / "examples" / "lifecycle"
XSD = SPECS / "cdar-d22b" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
needs_specs = pytest.mark.skipif(not SPECS.is_dir(), reason=no_specs_reason())
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
REF = "CrossDomainAcknowledgementAndResponse/AcknowledgementDocument/ReferenceReferencedDocument"
# file -> (status code, label, day the status was set, who set it) as the official examples say in their comments
EXAMPLES = {
    "UC1_F202500003_01-CDV-200_Deposee.xml": (200, "Déposée", date(2025, 7, 1), "WK"),
    "UC1_F202500003_01-CDV-200_Deposee_POUR_PPF.xml": (200, "Déposée", date(2025, 7, 1), "WK"),
    "UC1_F202500003_02-CDV-202_Recue.xml": (202, "Reçue", date(2025, 7, 1), "WK"),
    "UC1_F202500003_03-CDV-203_Mise_a_disposition.xml": (203, "Mise_à_disposition", date(2025, 7, 1), "WK"),
    "UC1_F202500003_04-CDV-204_Prise_en_charge.xml": (204, "Prise_en_charge", date(2025, 7, 1), "BY"),
    "UC1_F202500003_05-CDV-205_Approuvee.xml": (205, "Approuvée", date(2025, 7, 2), "BY"),
    "UC1_F202500003_06-CDV-211_Paiement_transmis.xml": (211, "Paiement_transmis", date(2025, 7, 30), "BY"),
    "UC1_F202500003_07-CDV-212_Encaissee.xml": (212, "Encaissée", date(2025, 8, 2), "SE"),
    "UC1_F202500003_07-CDV-212_Encaissee_POUR_PPF.xml": (212, "Encaissée", date(2025, 8, 2), "SE"),
}


def official(name: str) -> bytes:
    return (LIFECYCLE / name).read_bytes()


@needs_specs
def test_every_official_example_is_listed():
    assert sorted(p.name for p in LIFECYCLE.glob("*.xml")) == sorted(EXAMPLES)


@needs_specs
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_official_lifecycle_example_is_read(name):
    code, label, status_on, role = EXAMPLES[name]
    xml = official(name)
    assert validate_cdar(xml, XSD) == []
    [status] = parse_cdar(xml)
    assert (status.code, status.label, status.status_on, status.issuer_role) == (code, label, status_on, role)
    assert (status.invoice_number, status.invoice_issued_on, status.invoice_type) == (
        "F202500003",
        date(2025, 7, 1),
        "380",
    )
    assert status.seller_id == "100000009"  # the invoice's issuer
    assert status.reason_code is None and status.reason_text is None
    if code not in (211, 212):
        assert status.amount is None and status.currency is None


@needs_specs
def test_the_211_says_the_amount_paid_and_the_day():
    [status] = parse_cdar(official("UC1_F202500003_06-CDV-211_Paiement_transmis.xml"))
    assert (status.amount, status.currency, status.amount_type) == (Decimal("12000"), "EUR", "MPA")
    assert status.paid_on == date(2025, 7, 30) and status.vat_rate is None
    assert (status.issuer_id, status.recipient_ids) == ("200000008", ("100000009",))
    assert status.status_at == datetime(2025, 7, 30, 10, 0)
    assert status.message_id == "F202500003_211_20250701161000#380_20250701"


@needs_specs
@pytest.mark.parametrize(
    "name", ["UC1_F202500003_07-CDV-212_Encaissee.xml", "UC1_F202500003_07-CDV-212_Encaissee_POUR_PPF.xml"]
)
def test_the_212_says_the_amount_received_its_vat_rate_and_the_day(name):
    [status] = parse_cdar(official(name))
    assert (status.amount, status.currency, status.amount_type, status.vat_rate) == (
        Decimal("12000"),
        "EUR",
        "MEN",
        Decimal("20.00"),
    )
    assert (status.status_on, status.status_at, status.paid_on) == (date(2025, 8, 2), datetime(2025, 8, 2, 10, 0), None)
    assert status.issuer_id == "100000009"


@dataclass(frozen=True)
class Business:  # what dunner's config gives: a registration (SIREN or SIRET) and a name
    name: str
    registration: str


def built_212(**kw) -> bytes:
    args = {
        "code": 212,
        "invoice_number": "F202500003",
        "invoice_issued_on": date(2025, 7, 1),
        "status_on": datetime(2025, 8, 2, 10, 0),
        "created_at": datetime(2025, 8, 2, 10, 5),
        "deposited_at": datetime(2025, 7, 1, 15, 10),
        "seller": Party("100000009", "VENDEUR"),
        "buyer": Party("200000008", "ACHETEUR"),
        "amount": Money(1200000, "EUR"),
        "vat_rate": Decimal("20"),
        "name": "UC1_F202500003_07-CDV-212_Encaissee",
    }
    return build_cdar(**(args | kw))


def shape(xml: bytes) -> Counter:
    """Every element's path with its attribute names, comments left out: the structure of a message."""
    root = etree.fromstring(xml, etree.XMLParser(remove_comments=True))
    return Counter((_path(e), tuple(sorted(e.attrib))) for e in root.iter())


def _path(element) -> str:
    names = []
    while element is not None:
        names.append(etree.QName(element).localname)
        element = element.getparent()
    return "/".join(reversed(names))


def texts(xml: bytes) -> dict[str, list[str]]:
    root = etree.fromstring(xml, etree.XMLParser(remove_comments=True))
    found: dict[str, list[str]] = {}
    for e in root.iter():
        if e.text and e.text.strip():
            found.setdefault(_path(e), []).append(e.text.strip())
    return found


@needs_specs
def test_a_212_is_built_like_the_official_one_and_valid_against_the_schema():
    xml = built_212()
    assert validate_cdar(xml, XSD) == []
    example = official("UC1_F202500003_07-CDV-212_Encaissee.xml")
    assert shape(xml) == shape(example)
    mine, theirs = texts(xml), texts(example)
    amount = f"{REF}/SpecifiedDocumentStatus/SpecifiedDocumentCharacteristic/ValueAmount"
    assert mine.pop(amount) == ["12000.00"] and theirs.pop(amount) == ["12000"]  # the same amount, with its cents
    assert mine == theirs  # every other value: the message id, codes 23/47/MEN, dates, parties, PPF


def test_a_212_reads_back_as_what_was_reported():
    xml = built_212(
        invoice_number="F-2026-0001",
        invoice_issued_on=date(2026, 3, 2),
        status_on=date(2026, 3, 28),
        created_at=None,
        amount=Decimal("1836.5"),
        currency="eur",
        vat_rate=Decimal("5.5"),
        seller=Business("Atelier Exemple", "732 829 320 00017"),
        buyer=Party("552100554", "Acme SARL", address="552100554_COMPTA"),
        message_id="F-2026-0001-212-17",
        name=None,
    )
    [status] = parse_cdar(xml)
    assert (status.code, status.label, status.invoice_number, status.invoice_issued_on) == (
        212,
        "Encaissée",
        "F-2026-0001",
        date(2026, 3, 2),
    )
    assert (status.status_on, status.amount, status.currency, status.vat_rate) == (
        date(2026, 3, 28),
        Decimal("1836.50"),
        "EUR",
        Decimal("5.50"),
    )
    assert (status.issuer_role, status.issuer_id, status.seller_id) == ("SE", "732829320", "732829320")
    assert status.recipient_ids == ("552100554", "9998") and status.message_id == "F-2026-0001-212-17"
    values = texts(xml)
    assert values[f"{REF}/SpecifiedDocumentStatus/SpecifiedDocumentCharacteristic/ValueAmount"] == ["1836.50"]
    assert values["CrossDomainAcknowledgementAndResponse/ExchangedDocument/Name"] == ["F-2026-0001-212-17"]
    assert values[
        "CrossDomainAcknowledgementAndResponse/ExchangedDocument/RecipientTradeParty/URIUniversalCommunication/URIID"
    ] == ["552100554_COMPTA"]
    assert values["CrossDomainAcknowledgementAndResponse/ExchangedDocument/IssueDateTime/DateTimeString"] == [
        "20260328000000"
    ]


def test_a_212_without_a_buyer_goes_to_the_ppf_only_and_stays_valid():
    xml = built_212(buyer=None, deposited_at=None)
    [status] = parse_cdar(xml)
    assert status.recipient_ids == ("9998",)
    assert status.message_id == "F202500003_212_20250802100000#380_20250701"  # the status's time, no Déposée known
    if XSD.is_file():
        assert validate_cdar(xml, XSD) == []


def test_only_the_statuses_a_seller_reports_are_built():
    with pytest.raises(ValueError, match="not 210"):
        built_212(code=210)
    with pytest.raises(BadInput, match="the seller has no SIREN"):
        built_212(seller=Business("Sole trader abroad", "GB123456789"))
    with pytest.raises(ValueError, match="needs its currency"):
        built_212(amount=Decimal("10"))


@needs_specs
@pytest.mark.parametrize(
    ("code", "label", "reason_code", "reason"),
    [
        (207, "En_litige", "QTE_ERR", "Quantité livrée inférieure"),
        (208, "Suspendue", "JUSTIF_ABS", "Bon de commande manquant"),
        (210, "Refusée", "TX_TVA_ERR", "Taux de TVA erroné"),
        (205, "Approuvée", None, None),
    ],
)
def test_a_buyers_status_with_its_reason_is_read(code, label, reason_code, reason):
    when = {"issued_on": date(2026, 3, 2), "status_at": datetime(2026, 3, 6, 8, 45)}
    xml = buyer_status(
        code, label, invoice="F-2026-0001", seller_siren="732829320", reason_code=reason_code, reason=reason, **when
    )
    assert validate_cdar(xml, XSD) == []
    [status] = parse_cdar(xml)
    assert (status.code, status.label, status.invoice_number, status.status_on) == (
        code,
        label,
        "F-2026-0001",
        date(2026, 3, 6),
    )
    assert (status.reason_code, status.reason_text, status.seller_id) == (reason_code, reason, "732829320")


@needs_specs
def test_a_message_with_several_statuses_gives_each():
    root = etree.fromstring(official("UC1_F202500003_05-CDV-205_Approuvee.xml"))
    ack = root.find("rsm:AcknowledgementDocument", NS)
    second = etree.fromstring(etree.tostring(ack))
    second.find("ram:ReferenceReferencedDocument/ram:IssuerAssignedID", NS).text = "F202500004"
    root.append(second)
    xml = etree.tostring(root)
    assert validate_cdar(xml, XSD) == []
    assert [(s.code, s.invoice_number) for s in parse_cdar(xml)] == [(205, "F202500003"), (205, "F202500004")]


@needs_specs
def test_the_schema_finds_what_is_wrong():
    xml = built_212().replace(
        b"<ram:ValuePercent>20.00</ram:ValuePercent>", b"<ram:ValuePercent>vingt</ram:ValuePercent>"
    )
    [problem] = validate_cdar(xml, XSD)
    assert "ValuePercent" in problem and "vingt" in problem


MALFORMED = {
    "not XML": (b"this is not xml", "malformed CDAR message"),
    "truncated": (b"<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm='x'><a>", "malformed CDAR message"),
    "another document": (
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
        "not a CDAR message: its root is Invoice",
    ),
    "no status": (
        f"<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm='{NS['rsm']}'/>".encode(),
        "CDAR message without any status",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_message_is_bad_input_with_the_reason(case):
    xml, reason = MALFORMED[case]
    with pytest.raises(BadInput) as refused:
        parse_cdar(xml)
    assert refused.value.message.startswith(reason) and "\n" not in refused.value.message


def test_a_message_declaring_entities_is_refused_and_nothing_is_read_from_disk(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        'CrossDomainAcknowledgementAndResponse:100"><rsm:ExchangedDocument>&x;&b;</rsm:ExchangedDocument>'
        "</rsm:CrossDomainAcknowledgementAndResponse>"
    ).encode()
    with pytest.raises(BadInput) as refused:
        parse_cdar(xml)
    assert refused.value.message == "CDAR message refused: it declares a DTD (entities are not accepted)"


@needs_specs
@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<ram:ProcessConditionCode>205<", b"<ram:ProcessConditionCode>OK<", "without a status code 200..299: 'OK'"),
        (
            b"<ram:IssuerAssignedID>F202500003<",
            b"<ram:IssuerAssignedID><",
            "CDAR status 205 without the invoice number",
        ),
        (b'format="204">20250702100000<', b'format="204">2025-07-02<', "CDAR date '2025-07-02' is not in format 204"),
    ],
)
def test_a_status_missing_what_it_cannot_do_without_is_bad_input(old, new, reason):
    xml = official("UC1_F202500003_05-CDV-205_Approuvee.xml")
    assert old in xml
    with pytest.raises(BadInput, match=reason.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        parse_cdar(xml.replace(old, new, 1))


@needs_specs
def test_an_amount_that_is_not_a_number_is_bad_input():
    xml = official("UC1_F202500003_06-CDV-211_Paiement_transmis.xml").replace(
        b'currencyID="EUR">12000<', b'currencyID="EUR">12 000,00<'
    )
    with pytest.raises(BadInput, match="'12 000,00' is not an amount"):
        parse_cdar(xml)
