"""The mentions of the French e-invoicing reform, on the PDF (read back) and in the Factur-X XML.

The nature of the operation (goods, services or both) and the wording of its date, the delivery address
when it differs, the option to pay VAT on debits, a company's share capital and trade register, the
buyer's order reference, and a late-payment mention that reads as a sentence.
"""

import csv
import io

import facturx
import pytest
from lxml import etree

from helpers import brfr_failures, en16931_failures, pdf_text

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
COMPANY = """
[business]
name = "Atelier Exemple"
legal_form = "SARL"
address = "12 rue des Lilas\\n69003 Lyon"
registration = "73282932000074"
vat_number = "FR44732829320"
iban = "FR76 3000 6000 0112 3456 7890 189"
email = "factures@atelier-exemple.fr"
capital = 10000
rcs = "Lyon"
vat_on_debits = true
"""


@pytest.fixture
def acme(dunner, configure):
    configure()
    dunner(
        "add-client",
        "ACME",
        "--name",
        "Acme Industries SARL",
        "--email",
        "compta@acme.fr",
        "--registration",
        "552100554",
        "--vat-number",
        "FR96552100554",
        "--address",
        "5 avenue de la République\n75011 Paris",
    )


def issue(dunner, *args) -> str:
    return dunner("invoice", "ACME", *args).stdout.split()[0]


def documents(dunner, number: str, tmp_path) -> tuple[str, etree._Element]:
    """The PDF's text and its Factur-X XML, checked by the three validators."""
    target = tmp_path / f"{number}.pdf"
    dunner("pdf", number, "--facturx", "-o", str(target))
    content = target.read_bytes()
    xml = facturx.get_xml_from_pdf(content, check_xsd=True)[1]
    assert en16931_failures(xml) == [] and brfr_failures(xml) == []
    return pdf_text(content), etree.fromstring(xml)


def vat_due(tree) -> set[str | None]:
    """BT-8 of every VAT breakdown: 5 the invoice date (debits), 29 delivery, 72 payment."""
    taxes = tree.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    return {tax.findtext("ram:DueDateTypeCode", namespaces=NS) for tax in taxes}


def test_the_category_words_the_date_and_sets_the_framework(dunner, acme, tmp_path):
    cases = {
        "goods": ("Date de livraison : 30 avril 2026", "Nature de l'opération : livraison de biens", "B1", "29"),
        "services": (
            "Date de la prestation : 30 avril 2026",
            "Nature de l'opération : prestation de services",
            "S1",
            "72",
        ),
        "mixed": (
            "Date de la livraison et de la prestation : 30 avril 2026",
            "Nature de l'opération : livraison de biens et prestation de services",
            "M1",
            "72",
        ),
    }
    for category, (dated, nature, framework, due) in cases.items():
        number = issue(dunner, "1000", "--vat", "20", "--category", category, "--service-date", "2026-04-30")
        text, tree = documents(dunner, number, tmp_path)
        assert dated in text and nature in text, category
        others = [c[0].split(" :")[0] + " :" for k, c in cases.items() if k != category]
        assert not any(other in text for other in others), category
        assert tree.findtext(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", namespaces=NS) == (
            framework
        )
        assert vat_due(tree) == {due}  # VAT on delivery for goods, on payment for services (no debits option)
    refused = dunner("invoice", "ACME", "100", "--vat", "20", "--category", "food", code=2).stderr
    assert refused.startswith("Error: category must be one of goods, services, mixed, not 'food'")


def test_the_default_category_and_what_an_invoice_froze(dunner, acme, configure, tmp_path):
    configure('\n[defaults]\ncategory = "goods"\n')
    number = issue(dunner, "1000", "--vat", "20", "--issued", "2026-04-01")
    configure('\n[defaults]\ncategory = "services"\n')  # later: the invoice says what it said
    text, tree = documents(dunner, number, tmp_path)
    assert "Date de livraison : 1er avril 2026" in text and "Date de la prestation" not in text
    assert tree.findtext(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", namespaces=NS) == "B1"
    note = dunner("credit-note", number, "120", "--reason", "Casse", "--on", "2026-04-02").stdout.split()[0]
    text, tree = documents(dunner, note, tmp_path)  # a credit note on goods is about goods
    assert "Nature de l'opération : livraison de biens" in text
    bad = configure('\n[defaults]\ncategory = "both"\n')
    assert (
        f"Error: {bad}: [defaults] category: must be one of goods, services, mixed" in dunner("invoices", code=2).stderr
    )


def test_delivery_address_and_order_reference(dunner, acme, tmp_path):
    number = issue(
        dunner,
        "--line",
        "Étagères;4;250;20",
        "--category",
        "goods",
        "--delivery-address",
        "Entrepôt Acme\nZI des Chênes\n69100 Villeurbanne",
        "--order",
        "PO-2026/117",
    )
    text, tree = documents(dunner, number, tmp_path)
    assert "Adresse de livraison : Entrepôt Acme, ZI des Chênes, 69100 Villeurbanne" in text
    assert "Votre commande : PO-2026/117" in text
    assert tree.findtext(".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == "PO-2026/117"
    ship_to = tree.find(".//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty", NS)
    assert ship_to.findtext("ram:Name", namespaces=NS) == "Acme Industries SARL"
    place = ship_to.find("ram:PostalTradeAddress", NS)
    assert [place.findtext(f"ram:{k}", namespaces=NS) for k in ("PostcodeCode", "LineOne", "LineTwo", "CityName")] == [
        "69100",
        "Entrepôt Acme",
        "ZI des Chênes",
        "Villeurbanne",
    ]
    # the billing address again is no delivery address to mention; a deposit takes the same options
    same = issue(dunner, "100", "--vat", "20", "--delivery-address", "5 avenue de la République\n75011  Paris")
    text, tree = documents(dunner, same, tmp_path)
    assert "Adresse de livraison" not in text and "Votre commande" not in text
    assert (
        tree.find(".//ram:ShipToTradeParty", NS) is None
        and tree.find(".//ram:BuyerOrderReferencedDocument", NS) is None
    )
    deposit = dunner("deposit", "ACME", "300", "--vat", "20", "--order", "PO-9", "--category", "goods").stdout.split()[
        0
    ]
    text, tree = documents(dunner, deposit, tmp_path)
    assert "Votre commande : PO-9" in text and "Nature de l'opération : livraison de biens" in text


def test_a_company_prints_capital_rcs_and_the_debits_option(dunner, configure, tmp_path):
    path = configure()
    path.write_text(COMPANY, encoding="utf-8")
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr", "--registration", "552100554")
    dunner("edit-client", "ACME", "--address", "1 rue X\n75001 Paris")
    services = issue(dunner, "1000", "--vat", "20", "--issued", "2026-04-01")
    goods = issue(dunner, "1000", "--vat", "20", "--issued", "2026-04-01", "--category", "goods")
    text, tree = documents(dunner, services, tmp_path)
    assert "SARL au capital de 10 000,00 € - RCS Lyon 732 829 320" in text
    assert "Option pour le paiement de la taxe d'après les débits" in text
    assert vat_due(tree) == {"5"}  # VAT due on the invoice date
    seller = tree.find(".//ram:SellerTradeParty", NS)
    assert seller.findtext("ram:Description", namespaces=NS) == "SARL au capital de 10000 EUR - RCS Lyon 732 829 320"
    notes = {
        n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
        for n in tree.findall("rsm:ExchangedDocument/ram:IncludedNote", NS)
    }
    assert (notes["REG"], notes["ABL"]) == ("SARL au capital de 10000 EUR", "RCS Lyon 732 829 320")
    text, tree = documents(dunner, goods, tmp_path)  # the option is about services: goods owe VAT on delivery
    assert "d'après les débits" not in text and vat_due(tree) == {"29"}
    # issued invoices keep the identity they were issued with
    path.write_text(COMPANY.replace("capital = 10000", "capital = 50000").replace("vat_on_debits = true", ""))
    later = issue(dunner, "1000", "--vat", "20", "--issued", "2026-04-02")
    assert "au capital de 10 000,00 €" in documents(dunner, services, tmp_path)[0]
    text, tree = documents(dunner, later, tmp_path)
    assert "au capital de 50 000,00 €" in text and "d'après les débits" not in text and vat_due(tree) == {"72"}


def test_a_company_without_capital_or_rcs_lacks_mandatory_mentions(dunner, configure, tmp_path):
    path = configure()
    path.write_text(COMPANY.replace("capital = 10000\n", "").replace('rcs = "Lyon"\n', ""), encoding="utf-8")
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr", "--registration", "552100554")
    dunner("edit-client", "ACME", "--address", "1 rue X\n75001 Paris")
    number = issue(dunner, "1000", "--vat", "20")
    refused = dunner("pdf", number, "-o", str(tmp_path / "x.pdf"), code=2).stderr
    assert "the company's share capital ([business] capital)" in refused
    assert "the company's trade register (RCS) city ([business] rcs)" in refused
    path.write_text(COMPANY, encoding="utf-8")  # completed later: the invoice prints them
    dunner("pdf", number, "-o", str(tmp_path / "x.pdf"))
    assert "SARL au capital de 10 000,00 € - RCS Lyon" in pdf_text((tmp_path / "x.pdf").read_bytes())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("capital = -5", "[business] capital: '-5' is not an amount"),
        ("capital = '1e4'", "[business] capital: '1e4' is not an amount"),
        ("vat_on_debits = 'yes'", "[business] vat_on_debits: must be true or false"),
        ('rcs = "Lyon\\u202e"', "[business] rcs: contains the control or invisible character U+202E"),
    ],
)
def test_bad_business_mentions_name_the_key(dunner, configure, line, message):
    path = configure()
    path.write_text(path.read_text().replace("[business]", f"[business]\n{line}", 1), encoding="utf-8")
    assert message in dunner("invoices", code=2).stderr


def test_english_documents(dunner, acme, tmp_path):
    dunner("edit-client", "ACME", "--language", "en")
    number = issue(dunner, "1000", "--vat", "20", "--category", "goods", "--issued", "2026-04-01", "--order", "PO-1")
    text, tree = documents(dunner, number, tmp_path)
    assert "Date of delivery: 1 April 2026" in text and "Nature of the operation: supply of goods" in text
    assert "Your order: PO-1" in text
    sentence = (
        "Any late payment incurs, from the day after the due date, late-payment interest at an annual rate of 12.15%"
        " under article L441-10 of the French Commercial Code (ECB rate plus 10 points)."
    )
    assert sentence in text
    notes = {
        n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
        for n in tree.findall("rsm:ExchangedDocument/ram:IncludedNote", NS)
    }
    assert notes["PMD"] == sentence  # the XML says what the PDF says
    assert notes["PMT"].startswith("Fixed compensation for recovery costs in case of late payment: €40.00")


def test_the_late_payment_mention_reads_as_a_sentence(dunner, acme, configure, tmp_path):
    number = issue(dunner, "1000", "--vat", "20", "--issued", "2026-04-01")
    text, tree = documents(dunner, number, tmp_path)
    sentence = (
        "Tout retard de paiement entraîne de plein droit, dès le lendemain de la date d'échéance, des pénalités de"
        " retard au taux annuel de 12,15 %, calculées selon l'article L441-10 du Code de commerce (taux de la BCE"
        " majoré de 10 points)."
    )
    assert sentence in text and "Pénalités de retard :" not in text
    notes = {
        n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
        for n in tree.findall("rsm:ExchangedDocument/ram:IncludedNote", NS)
    }
    assert notes["PMD"] == sentence
    configure('\n[law]\ncontractual_rate = "15"\n')
    contractual = issue(dunner, "1000", "--vat", "20", "--issued", "2026-04-02")
    assert (
        "Tout retard de paiement entraîne de plein droit, dès le lendemain de la date d'échéance, des pénalités de"
        " retard au taux annuel de 15 %." in documents(dunner, contractual, tmp_path)[0]
    )
    dunner("add-client", "JOE", "--name", "Joe", "--email", "joe@dupont.fr", "--kind", "consumer")
    dunner("edit-client", "JOE", "--address", "3 rue Haute\n69001 Lyon")
    consumer = dunner("invoice", "JOE", "100", "--vat", "20", "--issued", "2026-04-03").stdout.split()[0]
    text, tree = documents(dunner, consumer, tmp_path)
    assert "En cas de retard de paiement, des intérêts au taux de l'intérêt légal seront dus." in text
    assert "Indemnité forfaitaire" not in text  # none for a consumer: the XML still says so (BR-FR-05)
    pmt = tree.xpath("//ram:IncludedNote[ram:SubjectCode='PMT']/ram:Content/text()", namespaces=NS)
    assert pmt == ["Pas d'indemnité forfaitaire pour frais de recouvrement (client non professionnel)."]


def test_import_and_export_carry_the_mentions(dunner, acme, tmp_path):
    source = tmp_path / "invoices.csv"
    source.write_text(
        "number,client,issued,amount,vat,category,delivery_address,order\n"
        'X-1,ACME,2026-03-01,500,20,goods,"Dépôt\n13001 Marseille",PO-1\n'
        "X-2,ACME,2026-03-02,500,20,,,\n",
        encoding="utf-8",
    )
    dunner("import", "invoices", str(source))
    text, tree = documents(dunner, "X-1", tmp_path)
    assert "Date de livraison" in text and "Adresse de livraison : Dépôt, 13001 Marseille" in text
    assert "Votre commande : PO-1" in text
    assert tree.findtext(".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == "PO-1"
    assert tree.findtext(".//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CityName", namespaces=NS) == "Marseille"
    assert "Date de la prestation" in documents(dunner, "X-2", tmp_path)[0]  # [defaults] category
    exported = dunner("export", "invoices").stdout
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert (rows["X-1"]["category"], rows["X-1"]["delivery_address"], rows["X-1"]["order"]) == (
        "goods",
        "Dépôt\n13001 Marseille",
        "PO-1",
    )
    assert (rows["X-2"]["category"], rows["X-2"]["delivery_address"], rows["X-2"]["order"]) == ("services", "", "")
    (tmp_path / "again.csv").write_text(exported, encoding="utf-8")
    assert "added 0, updated 0, unchanged 2" in dunner("import", "invoices", str(tmp_path / "again.csv")).stderr
    changed = tmp_path / "changed.csv"
    changed.write_text(exported.replace(",goods,", ",services,"), encoding="utf-8")
    refused = dunner("import", "invoices", str(changed), code=2).stderr
    assert "invoice X-1 already exists with another category" in refused  # an issued invoice is never edited
    bad = tmp_path / "bad.csv"
    bad.write_text("number,client,issued,amount,vat,category\nX-3,ACME,2026-03-03,500,20,food\n", encoding="utf-8")
    refused = dunner("import", "invoices", str(bad), code=2).stderr
    assert "line 2" in refused and "category" in refused and "not 'food'" in refused
