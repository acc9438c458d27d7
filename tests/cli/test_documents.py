"""Complete invoices, deposits, instalments, discounts, credit notes, write-offs, PDFs and Factur-X."""

import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from lxml import etree

from helpers import en16931_failures, epc_fields, flat, pdf_qr_codes, pdf_text

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


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
        "732 829 320",
        "--vat-number",
        "FR44732829320",
        "--address",
        "5 avenue de la République\n75011 Paris",
        "--terms",
        "30",
    )


def issue(dunner, *args) -> str:
    return dunner("invoice", "ACME", *args).stdout.strip()


def pdf(dunner, number, tmp_path, *extra) -> bytes:
    target = tmp_path / f"{number}.pdf"
    dunner("pdf", number, "-o", str(target), *extra)
    return target.read_bytes()


def xml_of(content: bytes) -> bytes:
    """The Factur-X XML inside a PDF, checked against the XSD and the EN 16931 business rules."""
    xml = facturx.get_xml_from_pdf(content, check_xsd=True)[1]
    assert en16931_failures(xml) == []
    return xml


def aging_rows(dunner, as_of):
    return json.loads(dunner("aging", "--by", "invoice", "--format", "json", "--as-of", as_of).stdout)


def test_a_complete_invoice_with_lines_and_vat(dunner, acme, tmp_path):
    number = issue(
        dunner,
        "--line",
        "Maquettes;3;450;20",
        "--line",
        "Hébergement;12;15,50;20",
        "--line",
        "Formation;0,5;800;10",
        "--issued",
        "2026-11-02",
        "--service-date",
        "2026-10-31",
        "--discount",
        "2/10",
    )
    assert number == "F-2026-0001"
    row = json.loads(dunner("invoices", "--format", "json", "--as-of", "2026-11-02").stdout)[0]
    assert row["total"] == "2283.20"  # 1936.00 HT + 307.20 (20 % of 1536) + 40.00 (10 % of 400)
    text = pdf_text(pdf(dunner, number, tmp_path))
    for mention in [
        "Atelier Test (EI)",
        "12 rue des Lilas",
        "SIRET : 73282932000074",
        "N° TVA : FR44732829320",
        "Acme Industries SARL",
        "5 avenue de la République",
        "SIREN : 732829320",
        "Facture n° F-2026-0001",
        "Date d'émission : 2 novembre 2026",
        "Date de la prestation : 31 octobre 2026",
        "Date d'échéance : 2 décembre 2026",
        "Maquettes 3 450,00 € 20 % 1 350,00 €",
        "Formation 0,5 800,00 € 10 %",
        "Total HT 1 936,00 €",
        "TVA 20 % sur 1 536,00 € 307,20 €",
        "TVA 10 % sur 400,00 € 40,00 €",
        "Total TTC 2 283,20 €",
        "Escompte pour paiement anticipé : 2 % (45,66 €)",
        "au plus tard le 12 novembre 2026",
        "Tout retard de paiement entraîne de plein droit, dès le lendemain de la date d'échéance, des pénalités"
        " de retard au taux annuel de 12,4 %, calculées selon l'article L441-10 du Code de commerce (taux de la"
        " BCE majoré de 10 points).",
        "Indemnité forfaitaire pour frais de recouvrement",
        "40,00 €",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
    ]:
        assert mention in text, mention
    [payload] = pdf_qr_codes(pdf(dunner, number, tmp_path))
    epc = epc_fields(payload)
    assert (epc["service"], epc["identification"], epc["iban"], epc["bic"]) == (
        "BCD",
        "SCT",
        "FR7630006000011234567890189",
        "AGRIFRPP",
    )
    assert Decimal(epc["amount"][3:]) == Decimal("2283.20") and epc["amount"].startswith("EUR")
    # The invoice's ISO 11649 reference in the structured field (EPC069-12: it, or a text, not both),
    # checked with python-stdnum's own implementation; the PDF prints it next to the IBAN.
    from stdnum import iso11649

    assert epc["reference"] == "RF" + epc["reference"][2:4] + "F20260001" and iso11649.is_valid(epc["reference"])
    assert epc["text"] == ""
    assert f"Référence à indiquer : {iso11649.format(epc['reference'])} (facture F-2026-0001)" in text


def test_no_discount_and_vat_franchise(dunner, configure, tmp_path):
    configure("[business]\n" if False else "")
    path = Path("dunner.toml")
    path.write_text(path.read_text().replace('vat_number = "FR44732829320"', "vat_franchise = true"))
    dunner(
        "add-client",
        "ACME",
        "--name",
        "Acme",
        "--email",
        "a@acme.fr",
        "--address",
        "1 rue X\n75001 Paris",
        "--registration",
        "732829320",
    )
    assert "VAT franchise" in dunner("invoice", "ACME", "--line", "Conseil;2;300;20", code=2).stderr
    number = dunner("invoice", "ACME", "--line", "Conseil;2;300", "--issued", "2026-11-02").stdout.strip()
    text = pdf_text(pdf(dunner, number, tmp_path))
    assert "TVA non applicable, art. 293 B du CGI" in text and "Pas d'escompte pour paiement anticipé" in text
    assert "Total TTC 600,00 €" in text and "TVA 20" not in text


def test_missing_mentions_and_bad_checksums_are_refused(dunner, configure, tmp_path):
    configure()
    dunner("add-client", "BARE", "--name", "Bare SAS", "--email", "b@bare.fr")
    number = dunner("invoice", "BARE", "100", "--vat", "20", "--issued", "2026-11-02").stdout.strip()
    refused = dunner("pdf", number, code=2).stderr
    assert "would lack mandatory mentions" in refused and "BARE's address" in refused and "BARE's SIREN" in refused
    bad = dunner("add-client", "X", "--name", "X", "--email", "x@x.fr", "--registration", "73282932000075", code=2)
    assert "SIRET '73282932000075' has a bad checksum" in bad.stderr
    bad = dunner("add-client", "Y", "--name", "Y", "--email", "y@y.fr", "--vat-number", "FR45732829320", code=2)
    assert "VAT number" in bad.stderr
    path = Path("dunner.toml")
    path.write_text(path.read_text().replace("FR76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 188"))
    dunner("edit-client", "BARE", "--address", "1 rue X\n75001 Paris", "--registration", "732829320")
    refused = dunner("pdf", number, code=2).stderr
    assert "[business] iban: IBAN 'FR76 3000 6000 0112 3456 7890 188' has a bad checksum" in refused


def test_terms_beyond_the_legal_caps(dunner, acme, tmp_path):
    refused = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-03-01", "--terms", "90", code=2)
    assert "beyond the legal cap of 2026-05-15" in refused.stderr
    assert issue(dunner, "100", "--vat", "20", "--issued", "2026-03-01", "--terms", "45", "--end-of-month")
    forced = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-03-02", "--terms", "90", "--force")
    assert "Warning: terms beyond the legal cap" in forced.stderr
    # the PDF states the agreed due date and nothing about the cap (the warning is for the user, not the client)
    text = pdf_text(pdf(dunner, forced.stdout.strip(), tmp_path))
    assert "31 mai 2026" in text and "plafond" not in text
    dunner("add-client", "JOE", "--name", "Joe", "--email", "j@j.fr", "--kind", "consumer")
    dunner("invoice", "JOE", "100", "--vat", "20", "--issued", "2026-03-03", "--terms", "90")  # no cap for consumers


def test_numbers_follow_issue_dates(dunner, acme):
    issue(dunner, "100", "--issued", "2026-03-10")
    late = dunner("invoice", "ACME", "100", "--issued", "2026-03-01", code=2)
    assert "numbers follow issue dates: F-2026-0001 was issued on 2026-03-10" in late.stderr
    assert issue(dunner, "100", "--issued", "2026-03-01", "--number", "OLD-12") == "OLD-12"  # brought over
    assert issue(dunner, "100", "--issued", "2026-03-10") == "F-2026-0002"


def test_deposit_then_final_invoice(dunner, acme, tmp_path):
    deposit = dunner(
        "deposit", "ACME", "30%", "--of", "6000", "--vat", "20", "--description", "Refonte", "--issued", "2026-09-01"
    )
    assert deposit.stdout.strip() == "F-2026-0001" and "2 160,00 €" in flat(deposit.stderr)
    final = issue(dunner, "--line", "Refonte du site;1;6000;20", "--deduct", "F-2026-0001", "--issued", "2026-10-15")
    rows = {r["invoice"]: r for r in aging_rows(dunner, "2026-12-01")}
    assert (rows["F-2026-0001"]["outstanding"], rows["F-2026-0002"]["outstanding"]) == ("2160.00", "5040.00")
    assert rows["F-2026-0001"]["due_date"] == "2026-10-01"  # each dunned on its own
    text = pdf_text(pdf(dunner, final, tmp_path))
    assert "Acompte F-2026-0001 du 1er septembre 2026 - 2 160,00 €" in text and "Net à payer 5 040,00 €" in text
    assert "Facture d'acompte" in pdf_text(pdf(dunner, "F-2026-0001", tmp_path))
    again = dunner("invoice", "ACME", "--line", "x;1;10;20", "--deduct", "F-2026-0001", code=2)
    assert "already deducted" in again.stderr
    xml = xml_of(pdf(dunner, final, tmp_path, "--facturx"))
    tree = etree.fromstring(xml)
    assert tree.findtext(".//ram:TotalPrepaidAmount", namespaces=NS) == "2160.00"
    assert tree.findtext(".//ram:DuePayableAmount", namespaces=NS) == "5040.00"
    deposit_xml = xml_of(pdf(dunner, "F-2026-0001", tmp_path, "--facturx"))
    assert etree.fromstring(deposit_xml).findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "386"


def test_instalment_plans_are_aged_and_dunned_separately(dunner, acme, tmp_path, configure):
    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
    number = issue(dunner, "1000", "--vat", "20", "--issued", "2026-01-05", "--instalments", "3", "--every", "20")
    rows = aging_rows(dunner, "2026-03-10")
    assert [(r["due_date"], r["outstanding"], r["bucket"]) for r in rows] == [
        ("2026-02-04", "400.00", "31-60"),
        ("2026-02-24", "400.00", "1-30"),
        ("2026-03-16", "400.00", "current"),
    ]
    longer = dunner("invoice", "ACME", "10", "--vat", "20", "--instalments", "3", "--every", "30", code=2)
    assert "beyond the legal cap" in longer.stderr  # the last instalment counts
    sent = dunner("remind", "--as-of", "2026-02-11", "--format", "csv").stdout
    assert f"ACME,{number},reminder-1,email,sent" in sent and f"{number}/2" not in sent
    assert "Échéancier" in pdf_text(pdf(dunner, number, tmp_path))
    custom = issue(dunner, "900", "--vat", "10", "--issued", "2026-01-06", "--schedule", "2026-02-01=300,2026-02-15")
    assert [r["outstanding"] for r in aging_rows(dunner, "2026-01-06") if r["invoice"] == custom] == [
        "300.00",
        "690.00",
    ]


def test_early_payment_discount_settles_the_invoice(dunner, acme, tmp_path):
    number = issue(dunner, "1000", "--vat", "20", "--issued", "2026-05-01", "--discount", "2/10")
    receipt = flat(dunner("pay", number, "1176", "--on", "2026-05-08").stdout)
    assert (
        "Early-payment discount of 24,00 € granted on F-2026-0001 (2 % / 10 d) by credit note AV-2026-0001: now paid."
        in receipt
    )
    row = json.loads(dunner("invoices", "--status", "all", "--format", "json", "--as-of", "2026-06-01").stdout)[0]
    assert (row["status"], row["outstanding"]) == ("paid", "0.00")
    history = dunner("history", number, "--format", "csv").stdout
    assert "discount AV-2026-0001" in history
    # the discount is a credit note: the VAT comes down with the price (24 = 20 + 4 VAT)
    note = pdf_text(pdf(dunner, "AV-2026-0001", tmp_path))
    assert "Escompte pour paiement anticipé sur F-2026-0001" in note
    assert "Total HT 20,00 €" in note and "Total TTC 24,00 €" in note
    # and a later credit note can only take back what is left
    assert "has 1176.00 left to credit" in dunner("credit-note", number, "1200", "--reason", "x", code=2).stderr
    late = issue(dunner, "1000", "--vat", "20", "--issued", "2026-05-02", "--discount", "2/10")
    dunner("pay", late, "1176", "--on", "2026-05-20")  # after the window: no discount
    row = json.loads(dunner("invoices", "--format", "json", "--as-of", "2026-06-01").stdout)[0]
    assert (row["invoice"], row["outstanding"]) == (late, "24.00")


def test_credit_notes(dunner, acme, tmp_path):
    number = issue(dunner, "--line", "A;1;1000;20", "--line", "B;1;500;10", "--issued", "2026-04-01")
    out = dunner("credit-note", number, "330", "--reason", "Remise", "--on", "2026-04-10")
    assert out.stdout.startswith("AV-2026-0001")
    row = json.loads(dunner("invoices", "--format", "json", "--as-of", "2026-04-10").stdout)[0]
    assert (row["total"], row["paid"], row["outstanding"]) == ("1750.00", "330.00", "1420.00")
    note = pdf_text(pdf(dunner, "AV-2026-0001", tmp_path))
    assert "Avoir n° AV-2026-0001" in note and "Avoir sur la facture n° F-2026-0001" in note
    assert "Total TTC 330,00 €" in note
    xml = xml_of(pdf(dunner, "AV-2026-0001", tmp_path, "--facturx"))
    tree = etree.fromstring(xml)
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert tree.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == number
    assert "has 1420.00 left to credit" in dunner("credit-note", number, "1500", "--reason", "x", code=2).stderr
    full = dunner("credit-note", number, "--reason", "Annulation", "--on", "2026-04-11").stdout
    assert full.startswith("AV-2026-0002")
    assert json.loads(dunner("invoices", "--format", "json", "--as-of", "2026-04-30").stdout) == []


def test_write_offs_leave_the_aging_and_the_dunning(dunner, acme):
    number = issue(dunner, "--line", "A;1;1000;20", "--issued", "2026-01-10")
    dunner("pay", number, "200", "--on", "2026-02-01")
    dunner("pay", number, "100", "--on", "2026-07-01")
    later = dunner("write-off", number, "--reason", "Liquidation judiciaire", "--on", "2026-06-30", code=2).stderr
    assert "received money on 2026-07-01, after 2026-06-30" in later  # the aging of 2026-06-30 would lie
    dunner("write-off", number, "--reason", "Liquidation judiciaire", "--on", "2026-07-01")
    assert aging_rows(dunner, "2026-07-02") == []
    assert len(aging_rows(dunner, "2026-06-30")) == 1  # the past is reproduced
    assert dunner("remind", "--as-of", "2026-07-10", "--dry-run", "--format", "csv").stdout.count("\n") == 1
    report = list(csv.DictReader(io.StringIO(dunner("write-offs", "--format", "csv").stdout)))
    assert report == [
        {
            "year": "2026",
            "invoice": number,
            "client": "ACME",
            "written_off_on": "2026-07-01",
            "currency": "EUR",
            "amount": "900.00",
            "net": "750.00",
            "vat": "150.00",
            "credited": "0.00",
            "reason": "Liquidation judiciaire",
        }
    ]
    assert "cannot be written off" in dunner("write-off", number, "--reason", "x", code=2).stderr
    # the credit note that recovers the VAT of the lost debt settles nothing and leaves no client credit
    out = dunner("credit-note", number, "900", "--reason", "Créance irrécouvrable", "--on", "2026-07-15")
    assert "was written off: the credit note settles nothing" in out.stdout
    assert json.loads(dunner("client", "ACME", "--format", "json").stdout)["credit"] == []
    report = next(csv.DictReader(io.StringIO(dunner("write-offs", "--format", "csv").stdout)))
    assert (report["amount"], report["credited"]) == ("900.00", "900.00")


def test_factur_x_validates_and_is_inside_the_pdf(dunner, acme, tmp_path):
    number = issue(dunner, "--line", "Conseil;10;150;20", "--line", "Livre;2;25,50;5.5", "--issued", "2026-11-02")
    content = pdf(dunner, number, tmp_path, "--facturx")
    name, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert en16931_failures(xml) == []  # the business rules too, not only the schema
    assert name == "factur-x.xml" and facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=NS) == "1853.81"  # 1551 + 300 + 2.81
    assert tree.findtext(".//ram:IBANID", namespaces=NS) == "FR7630006000011234567890189"
    assert tree.findtext(".//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS) == "732829320"
    assert "F-2026-0001" in pdf_text(content)


def test_formal_notice_and_dossier(dunner, acme, tmp_path):
    number = issue(dunner, "--line", "Refonte;1;1000;20", "--issued", "2025-01-02")  # due 2025-02-01
    dunner("notice", number, "--as-of", "2025-03-03", "-o", str(tmp_path / "notice.pdf"))
    text = pdf_text((tmp_path / "notice.pdf").read_bytes())
    for part in [
        "Mise en demeure de payer",
        "Atelier Test (EI)",
        "Acme Industries SARL",
        number,
        "Principal restant dû 1 200,00 €",
        "Indemnité forfaitaire pour frais de recouvrement 40,00 €",
        "au plus tard le 11 mars 2025",
        "injonction de payer",
        "IBAN FR76",
    ]:
        assert part in text, part
    # 30 days at 3.15 + 10 = 13.15 % (ECB rate on 1 January 2025) on 1 200 EUR: 12.97 EUR
    assert "12,97 €" in text and "13,15 %" in text
    assert "formal_notice" in dunner("history", number, "--format", "csv").stdout
    dunner("dossier", "ACME", "--as-of", "2025-03-10", "-o", str(tmp_path / "d.zip"))
    with zipfile.ZipFile(tmp_path / "d.zip") as archive:
        names = set(archive.namelist())
        assert {
            f"factures/{number}.pdf",
            "relances.csv",
            "historique.csv",
            "decompte.csv",
            "mise-en-demeure.pdf",
            "resume.txt",
        } <= names
        claim = list(csv.DictReader(io.StringIO(archive.read("decompte.csv").decode())))
        assert [(r["item"], r["amount"]) for r in claim] == [
            ("principal", "1200.00"),
            ("interest", "16.00"),  # 37 days at 13.15 %: 1200 x 0.1315 x 37 / 365 = 15.996
            ("indemnity", "40.00"),
            ("total", "1256.00"),
        ]
        assert "Mise en demeure : 2025-03-03" in archive.read("resume.txt").decode()
    assert "owes nothing" in dunner("dossier", "ACME", "--as-of", "2024-12-01", code=2).stderr


def test_sending_an_invoice_opens_its_thread(dunner, acme, configure, tmp_path):
    import email
    import mailbox
    from email import policy

    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
    number = issue(dunner, "--line", "Conseil;1;1000;20", "--issued", "2026-01-05")
    sent = dunner("send", number, "--on", "2026-01-05").stdout
    assert "(Factur-X)" in sent and "<invoice.F-2026-0001@atelier-test.fr>" in sent
    dunner("remind", "--as-of", "2026-02-11")
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    messages = sorted(
        (email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()),
        key=lambda m: m["Subject"],
    )
    invoice_mail = next(m for m in messages if m["Subject"].startswith("Facture F-2026-0001"))
    reminder = next(m for m in messages if m["Subject"].startswith("Relance"))
    assert invoice_mail["Message-ID"] == "<invoice.F-2026-0001@atelier-test.fr>"
    assert reminder["In-Reply-To"] == invoice_mail["Message-ID"]
    pdfs = {}
    for kind, message in (("invoice", invoice_mail), ("reminder", reminder)):  # the invoice travels with both
        [attachment] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert attachment.get_filename() == "F-2026-0001.pdf"
        pdfs[kind] = attachment.get_content()
        assert "Facture n° F-2026-0001" in pdf_text(pdfs[kind])
    assert facturx.get_xml_from_pdf(pdfs["invoice"], check_xsd=True)[0] == "factur-x.xml"  # sent as Factur-X
    assert "sent" in dunner("history", number, "--format", "csv").stdout


# -- edges found in review --------------------------------------------------------------------------


def test_a_deducted_deposit_is_credited_through_its_final_invoice(dunner, acme):
    dunner("deposit", "ACME", "1000", "--vat", "20", "--issued", "2026-09-01")  # 1 200 TTC
    dunner("deposit", "ACME", "500", "--vat", "20", "--issued", "2026-09-02")  # 600 TTC
    dunner("credit-note", "F-2026-0002", "200", "--reason", "Périmètre réduit", "--on", "2026-09-03")
    final = issue(
        dunner,
        "--line",
        "Site;1;5000;20",
        "--deduct",
        "F-2026-0001",
        "--deduct",
        "F-2026-0002",
        "--issued",
        "2026-10-01",
    )
    # the second deposit counts for what its credit note left of it: 6 000 - 1 200 - 400
    [row] = [r for r in aging_rows(dunner, "2026-10-01") if r["invoice"] == final]
    assert row["outstanding"] == "4400.00"
    refused = dunner("credit-note", "F-2026-0001", "--reason", "x", "--on", "2026-10-02", code=2)
    assert f"deposit F-2026-0001 is deducted from {final}" in refused.stderr
    assert f"credit {final} instead" in refused.stderr
    dunner("deposit", "ACME", "100", "--vat", "20", "--issued", "2026-10-03")
    dunner("credit-note", "F-2026-0004", "--reason", "Annulé", "--on", "2026-10-03")
    gone = dunner(
        "invoice", "ACME", "--line", "x;1;500;20", "--deduct", "F-2026-0004", "--issued", "2026-10-04", code=2
    )
    assert "deposit F-2026-0004 is fully credited" in gone.stderr


def test_a_final_invoice_settled_by_its_deposits(dunner, acme, tmp_path):
    dunner("deposit", "ACME", "100%", "--of", "2000", "--vat", "20", "--issued", "2026-09-01")
    dunner("pay", "F-2026-0001", "2400", "--on", "2026-09-05")
    plan = dunner(
        "invoice", "ACME", "--line", "Site;1;2000;20", "--deduct", "F-2026-0001", "--instalments", "2", code=2
    )
    assert "nothing to spread over instalments" in plan.stderr
    final = issue(dunner, "--line", "Site;1;2000;20", "--deduct", "F-2026-0001", "--issued", "2026-10-01")
    listed = json.loads(dunner("invoices", "--status", "all", "--format", "json", "--as-of", "2026-10-01").stdout)
    assert [(r["invoice"], r["status"], r["outstanding"]) for r in listed] == [
        ("F-2026-0001", "paid", "0.00"),
        (final, "paid", "0.00"),
    ]
    assert aging_rows(dunner, "2026-12-31") == []
    assert dunner("remind", "--as-of", "2026-12-31", "--dry-run", "--format", "csv").stdout.count("\n") == 1
    text = pdf_text(pdf(dunner, final, tmp_path))
    assert "Net à payer 0,00 €" in text and "Échéancier" not in text
    over = dunner("invoice", "ACME", "--line", "x;1;10;20", "--deduct", "F-2026-0001", code=2)
    assert "already deducted" in over.stderr


def test_the_discount_is_computed_on_what_the_invoice_still_asks(dunner, acme):
    number = issue(dunner, "1000", "--vat", "20", "--issued", "2026-05-01", "--discount", "2/10")  # 1 200 TTC
    dunner("credit-note", number, "200", "--reason", "Geste commercial", "--on", "2026-05-02")
    # 2 % of the 1 000 still asked is 20.00: a payment of 976 (24 short) does not settle it
    short = flat(dunner("pay", number, "976", "--on", "2026-05-05").stdout)
    assert "Early-payment discount" not in short and "24,00 € still due" in short
    done = flat(dunner("pay", number, "4", "--on", "2026-05-06").stdout)
    assert "Early-payment discount of 20,00 € granted on F-2026-0001 (2 % / 10 d) by credit note AV-2026-0002" in done
    window = dunner("invoice", "ACME", "100", "--vat", "20", "--discount", "2/40", "--terms", "30", code=2)
    assert "ends after the first due date" in window.stderr


def test_numbers_brought_over_into_a_series_must_continue_it(dunner, acme):
    issue(dunner, "100", "--vat", "20", "--issued", "2026-03-10")  # F-2026-0001
    gap = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-03-11", "--number", "F-2026-0005", code=2)
    assert "F-2026-0005 would leave a gap: the last number of its series is F-2026-0001" in gap.stderr
    back = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-03-09", "--number", "F-2026-0002", code=2)
    assert "F-2026-0001 was issued on 2026-03-10, after 2026-03-09" in back.stderr
    assert issue(dunner, "100", "--vat", "20", "--issued", "2026-03-12", "--number", "F-2026-0002") == "F-2026-0002"
    assert issue(dunner, "100", "--vat", "20", "--issued", "2026-03-12") == "F-2026-0003"
    note = dunner("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-03-12", "--number", "AV-2026-0009", code=2)
    assert "'AV-2026-0009' is numbered like a credit note" in note.stderr
    Path("inv.csv").write_text("number,client,issued,amount\nAV-2025-0001,ACME,2025-01-02,10\n", encoding="utf-8")
    assert "numbered like a credit note" in dunner("import", "invoices", "inv.csv", code=2).stderr


def test_partial_credit_of_an_invoice_with_a_rebate_line(dunner, acme):
    number = issue(
        dunner, "--line", "Travaux;1;1000;20", "--line", "Remise fidélité;1;-50;5,5", "--issued", "2026-04-01"
    )
    out = dunner("credit-note", number, "300", "--reason", "Retard de livraison", "--on", "2026-04-02")
    assert out.stdout.startswith("AV-2026-0001")
    [row] = aging_rows(dunner, "2026-04-02")
    assert row["outstanding"] == "847.25"  # 1 200 - 52.75 - 300


def test_two_credit_notes_at_once_never_credit_more_than_the_invoice(dunner, acme, tmp_path):
    import os
    import subprocess
    import sys

    number = issue(dunner, "--line", "Travaux;1;1000;20", "--issued", "2026-04-01")
    exe = Path(sys.executable).with_name("dunner")
    env = {**os.environ, "DUNNER_CONFIG": str(tmp_path / "dunner.toml")}
    env.pop("DUNNER_DEBUG", None)
    procs = [
        subprocess.Popen(
            [
                str(exe) if exe.exists() else "dunner",
                "credit-note",
                number,
                "700",
                "--reason",
                "x",
                "--on",
                "2026-04-02",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    codes = sorted(p.wait(timeout=120) for p in procs)
    assert codes == [0, 2, 2, 2]
    [row] = aging_rows(dunner, "2026-04-02")
    assert row["outstanding"] == "500.00"


def test_an_issued_invoice_keeps_the_parties_it_was_issued_with(dunner, configure, acme, tmp_path):
    number = issue(dunner, "--line", "Conseil;1;1000;20", "--issued", "2026-06-01")
    dunner("edit-client", "ACME", "--name", "Acme Group SAS", "--address", "1 quai Nord\n69002 Lyon")
    config = Path("dunner.toml").read_text(encoding="utf-8")
    Path("dunner.toml").write_text(
        config.replace('name = "Atelier Test"', 'name = "Atelier Neuf"') + 'website = "https://atelier.example"\n',
        encoding="utf-8",
    )
    text = pdf_text(pdf(dunner, number, tmp_path))
    assert "Acme Industries SARL" in text and "5 avenue de la République" in text and "Atelier Test" in text
    assert "Acme Group SAS" not in text and "Atelier Neuf" not in text
    later = issue(dunner, "--line", "Conseil;1;1000;20", "--issued", "2026-06-02")
    assert "Acme Group SAS" in pdf_text(pdf(dunner, later, tmp_path))


def test_an_invoice_without_vat_rates_gets_no_pdf(dunner, acme, tmp_path):
    number = issue(dunner, "1200", "--issued", "2026-06-01")  # one amount, as brought over
    refused = dunner("pdf", number, "-o", str(tmp_path / "x.pdf"), code=2)
    assert "the VAT rate of every line" in refused.stderr


def test_the_indemnity_mention_is_in_the_law_currency(dunner, acme, tmp_path):
    number = issue(dunner, "--line", "Consulting;1;1000;20", "--currency", "USD", "--issued", "2026-06-01")
    text = pdf_text(pdf(dunner, number, tmp_path))
    assert "frais de recouvrement en cas de retard de paiement : 40,00 € (articles L441-10 et D441-5" in text


def test_small_edges(dunner, acme, tmp_path):
    deposit = dunner("deposit", "ACME", "30%", "--of", "10000", "--vat", "20", "--issued", "2026-09-01").stdout.strip()
    text = pdf_text(pdf(dunner, deposit, tmp_path))
    assert "Acompte de 30 % sur 10 000,00 € HT" in text and "Date de la prestation" not in text
    assert "--every goes with --instalments" in dunner("invoice", "ACME", "10", "--every", "30", code=2).stderr
    note = dunner("credit-note", deposit, "--reason", "Annulé", "--on", "2026-09-02")
    assert f"{deposit} is now fully credited" in note.stderr
    assert "already fully credited" in dunner("credit-note", deposit, "--reason", "x", code=2).stderr
    assert "is a credit note" in dunner("pay", "AV-2026-0001", "10", code=2).stderr
    zero = issue(dunner, "--line", "Livre;1;10;-0", "--issued", "2026-09-03")
    assert "Livre 1 10,00 € 0 % 10,00 €" in pdf_text(pdf(dunner, zero, tmp_path))  # not "-0 %"
    huge = dunner("invoice", "ACME", "--line", "x;1000000000;9999999999999;20", code=2)
    assert "beyond what dunner can count" in huge.stderr


def test_the_dossier_survives_a_notice_about_another_invoice(dunner, acme, tmp_path):
    first = issue(dunner, "--line", "A;1;1000;20", "--issued", "2025-01-02")  # due 2025-02-01
    second = issue(dunner, "--line", "B;1;500;20", "--issued", "2025-03-01")  # due 2025-03-31
    dunner("notice", first, "--as-of", "2025-03-03", "-o", str(tmp_path / "n.pdf"))
    dunner("pay", first, "1200", "--on", "2025-03-10")
    dunner("dossier", "ACME", "--as-of", "2025-05-01", "-o", str(tmp_path / "d.zip"))
    with zipfile.ZipFile(tmp_path / "d.zip") as archive:
        notice = pdf_text(archive.read("mise-en-demeure.pdf"))
    # the first invoice was paid after its notice: the dossier holds the notice dunner would write today
    assert f"{second} 1er mars 2025 31 mars 2025 31 j 600,00 €" in notice and first not in notice


def test_export_says_what_it_cannot_carry(dunner, acme):
    dunner("deposit", "ACME", "100", "--vat", "20", "--issued", "2026-09-01")
    issue(dunner, "--line", "x;1;1000;20", "--issued", "2026-09-02", "--instalments", "2")
    dunner("credit-note", "F-2026-0002", "100", "--reason", "x", "--on", "2026-09-03")
    out = dunner("export", "invoices")
    assert out.stdout.count("\n") == 2  # the header and the plan invoice's one line
    assert "Warning: 1 deposit invoice(s) are not exported." in out.stderr
    assert "Warning: 1 credit note(s) are not exported." in out.stderr
    assert "exported with their last due date only" in out.stderr and "not a backup" in out.stderr
    assert "settlement(s) by credit note" in dunner("export", "payments").stderr
    Path("mixed.csv").write_text("number,client,issued,amount,vat_rate\nX-1,ACME,2026-01-02,10,20\n", encoding="utf-8")
    mixed = dunner("import", "invoices", "mixed.csv", code=2).stderr
    assert "column vat_rate: belongs to the other shape of file (use vat)" in mixed


def test_a_discount_the_vat_rates_cannot_reach_gets_a_rounding_line(dunner, acme, tmp_path):
    number = issue(dunner, "1", "--vat", "20", "--issued", "2026-05-01", "--discount", "2.5/10")  # 1.20 TTC
    out = flat(dunner("pay", number, "1.17", "--on", "2026-05-02").stdout)
    assert "Early-payment discount of 0,03 € granted" in out  # 3 cents: no net at 20 % totals exactly 0.03
    note = pdf_text(pdf(dunner, "AV-2026-0001", tmp_path))
    assert "Arrondi 1 0,01 € 0 % 0,01 €" in note and "Total TTC 0,03 €" in note
    [row] = json.loads(dunner("invoices", "--status", "all", "--format", "json", "--as-of", "2026-05-02").stdout)
    assert (row["status"], row["outstanding"]) == ("paid", "0.00")


def _vat_breakdown(tree) -> list[tuple[str | None, ...]]:
    return [
        tuple(
            t.findtext(f"ram:{k}", namespaces=NS)
            for k in ("CategoryCode", "RateApplicablePercent", "ExemptionReason", "ExemptionReasonCode")
        )
        for t in tree.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)
    ]


def test_zero_rate_lines_say_why_on_the_pdf_and_in_the_xml(dunner, acme, tmp_path):
    """Reverse charge for an EU client: 'Autoliquidation' printed, category AE with its reason in Factur-X."""
    dunner(
        "add-client",
        "BERLIN",
        "--name",
        "Berlin GmbH",
        "--email",
        "ap@berlin.de",
        "--country",
        "DE",
        "--vat-number",
        "DE136695976",
        "--registration",
        "HRB 12345",
        "--address",
        "Unter den Linden 1\n10117 Berlin",
        "--language",
        "en",
        "--vat-exemption",
        "reverse-charge",
    )
    out = dunner("invoice", "BERLIN", "--line", "Audit;2;500;0", "--issued", "2026-05-04")
    number = out.stdout.strip()
    assert "Warning" not in out.stderr
    text = pdf_text(pdf(dunner, number, tmp_path))
    assert "Reverse charge (autoliquidation)" in text  # the English text keeps the word French law asks for
    tree = etree.fromstring(xml_of(pdf(dunner, number, tmp_path, "--facturx")))
    assert _vat_breakdown(tree) == [("AE", "0", "Reverse charge (autoliquidation)", "VATEX-EU-AE")]
    line_tax = tree.findtext(
        ".//ram:IncludedSupplyChainTradeLineItem//ram:ApplicableTradeTax/ram:CategoryCode", namespaces=NS
    )
    assert line_tax == "AE"
    # the same invoice for a French-speaking client, with 20 % and 0 % lines: one reason, on the 0 % part only
    mixed = issue(
        dunner,
        "--line",
        "Conseil;1;1000;20",
        "--line",
        "Matériel livré en Belgique;1;400;0",
        "--vat-exemption",
        "intra-eu",
        "--issued",
        "2026-05-05",
    )
    assert "Exonération de TVA, article 262 ter I du CGI" in pdf_text(pdf(dunner, mixed, tmp_path))
    tree = etree.fromstring(xml_of(pdf(dunner, mixed, tmp_path, "--facturx")))
    assert _vat_breakdown(tree) == [
        ("S", "20", None, None),
        ("K", "0", "Exonération de TVA, article 262 ter I du CGI", "VATEX-EU-IC"),
    ]
    # a credit note on it says the same
    dunner("credit-note", mixed, "--reason", "Annulation", "--on", "2026-05-06")
    note = etree.fromstring(xml_of(pdf(dunner, "AV-2026-0001", tmp_path, "--facturx")))
    assert _vat_breakdown(note)[1] == ("K", "0", "Exonération de TVA, article 262 ter I du CGI", "VATEX-EU-IC")


def test_zero_rate_reasons_are_checked(dunner, acme, configure, tmp_path):
    warned = dunner("invoice", "ACME", "1000", "--vat", "0", "--issued", "2026-05-04")
    assert "0 % VAT lines without a reason" in warned.stderr  # issued, with a warning
    assert "without a reason" not in dunner("invoice", "ACME", "1000", "--vat", "20", "--issued", "2026-05-05").stderr
    refused = dunner("invoice", "ACME", "1000", "--vat", "20", "--vat-exemption", "export", code=2)
    assert "this invoice has no 0 % line" in refused.stderr
    unknown = dunner("invoice", "ACME", "1000", "--vat", "0", "--vat-exemption", "holiday", code=2)
    assert "unknown VAT exemption 'holiday'" in unknown.stderr and "reverse-charge, intra-eu, export" in unknown.stderr
    assert "unknown VAT exemption" in dunner("edit-client", "ACME", "--vat-exemption", "holiday", code=2).stderr
    # the client's usual reason applies to 0 % lines only; --vat-exemption none leaves it out
    dunner("edit-client", "ACME", "--vat-exemption", "export")
    usual = issue(dunner, "1000", "--vat", "0", "--issued", "2026-05-06")
    taxed = issue(dunner, "1000", "--vat", "20", "--issued", "2026-05-06")
    plain = issue(dunner, "1000", "--vat", "0", "--vat-exemption", "none", "--issued", "2026-05-06")
    assert "article 262 I du CGI" in pdf_text(pdf(dunner, usual, tmp_path))
    assert "CGI" not in pdf_text(pdf(dunner, taxed, tmp_path)).replace("art. L441-10", "")
    assert "262 I" not in pdf_text(pdf(dunner, plain, tmp_path))
    # a reason of one's own, from the config
    configure(
        '\n[vat]\nexemptions = { Formation = { category = "E", code = "VATEX-EU-132-1I",'
        ' fr = "Exonération de TVA, article 261-4-4° a du CGI" } }\n'
    )
    own = issue(dunner, "1000", "--vat", "0", "--vat-exemption", "formation", "--issued", "2026-05-07")
    tree = etree.fromstring(xml_of(pdf(dunner, own, tmp_path, "--facturx")))
    assert _vat_breakdown(tree) == [("E", "0", "Exonération de TVA, article 261-4-4° a du CGI", "VATEX-EU-132-1I")]
    configure('\n[vat]\nexemptions = { formation = { category = "Z", fr = "x" } }\n')
    bad = dunner("invoice", "ACME", "1000", "--vat", "0", "--vat-exemption", "formation", code=2)
    assert "[vat] exemptions.formation: category must be one of AE, K, G, E (EN 16931), not 'Z'" in bad.stderr
    configure('\n[vat]\nexemptions = { none = { category = "E", fr = "x" } }\n')
    assert "'none' means no reason" in dunner("invoice", "ACME", "1000", "--vat", "0", code=2).stderr


def test_no_exemption_under_the_vat_franchise(dunner, configure):
    configure().write_text(configure().read_text().replace("[business]", "[business]\nvat_franchise = true", 1))
    dunner("add-client", "SOLO", "--name", "Solo", "--email", "s@solo.fr")
    refused = dunner("invoice", "SOLO", "100", "--vat", "0", "--vat-exemption", "export", code=2)
    assert "under the VAT franchise" in refused.stderr


def test_imported_invoices_carry_their_reason(dunner, acme, tmp_path):
    source = tmp_path / "invoices.csv"
    source.write_text(
        "number,client,issued,amount,vat,vat_exemption\n"
        "X-1,ACME,2026-03-01,500,0,export\n"
        "X-2,ACME,2026-03-02,500,20,\n"
        "X-3,ACME,2026-03-03,500,20,export\n",
        encoding="utf-8",
    )
    refused = dunner("import", "invoices", str(source), code=2)
    assert "line 4" in refused.stderr and "vat_exemption" in refused.stderr and "no 0 % line" in refused.stderr
    source.write_text(source.read_text().replace("X-3,ACME,2026-03-03,500,20,export", "X-3,ACME,2026-03-03,500,0,none"))
    dunner("import", "invoices", str(source))
    assert "article 262 I du CGI" in pdf_text(pdf(dunner, "X-1", tmp_path))
    assert "262 I" not in pdf_text(pdf(dunner, "X-3", tmp_path))
    # warnings name the row; an export says "none" where empty would mean the client's reason
    dunner("edit-client", "ACME", "--vat-exemption", "reverse-charge")
    warned = tmp_path / "more.csv"
    warned.write_text("number,client,issued,amount,vat,vat_exemption\nX-4,ACME,2026-03-04,500,0,intra-eu\n")
    dunner("edit-client", "ACME", "--vat-number", "")
    out = dunner("import", "invoices", str(warned)).stderr
    assert "Warning: line 2: X-4: intra-eu needs the client's VAT number" in out
    exported = {
        r["number"]: r["vat_exemption"] for r in csv.DictReader(io.StringIO(dunner("export", "invoices").stdout))
    }
    assert exported == {"X-1": "export", "X-2": "", "X-3": "none", "X-4": "intra-eu"}


def test_the_mention_follows_the_language_the_invoice_is_printed_in(dunner, acme, tmp_path):
    dunner("edit-client", "ACME", "--language", "en")
    number = issue(dunner, "--line", "Audit;1;500;0", "--vat-exemption", "reverse-charge", "--issued", "2026-05-04")
    assert "Reverse charge (autoliquidation)" in pdf_text(pdf(dunner, number, tmp_path))
    dunner("edit-client", "ACME", "--language", "fr")
    assert "Autoliquidation" in pdf_text(pdf(dunner, number, tmp_path)).replace("(autoliquidation)", "")


def test_an_intra_eu_supply_needs_the_clients_vat_number(dunner, acme, tmp_path):
    dunner(
        "add-client",
        "NOVAT",
        "--name",
        "Sans TVA",
        "--email",
        "n@v.fr",
        "--registration",
        "732829320",
        "--address",
        "1 rue X\n75001 Paris",
    )
    out = dunner(
        "invoice", "NOVAT", "--line", "Pièces;1;500;0", "--vat-exemption", "intra-eu", "--issued", "2026-05-04"
    )
    assert "intra-eu needs the client's VAT number on the invoice: NOVAT has none" in out.stderr
    refused = dunner("pdf", out.stdout.strip(), "-o", str(tmp_path / "x.pdf"), code=2)
    assert "NOVAT's VAT number, required with intra-eu" in refused.stderr


def test_a_pdf_asks_what_is_still_owed_when_it_is_printed(dunner, acme, tmp_path):
    number = issue(dunner, "--line", "Conseil;1;1000;20", "--issued", "2026-04-01")  # 1 200 TTC
    before = pdf(dunner, number, tmp_path, "--as-of", "2026-04-01")
    assert Decimal(epc_fields(pdf_qr_codes(before)[0])["amount"][3:]) == Decimal("1200.00")
    assert "Reste dû" not in pdf_text(before)  # nothing settled yet: the net to pay is what is owed
    dunner("credit-note", number, "200", "--reason", "Remise", "--on", "2026-04-05")
    dunner("pay", number, "300", "--on", "2026-04-10")
    text = pdf_text(after := pdf(dunner, number, tmp_path, "--as-of", "2026-04-15"))
    assert "Net à payer 1 200,00 €" in text  # the invoice itself is as issued
    assert "Déjà réglé au 15 avril 2026 - 300,00 €" in text and "Avoir au 15 avril 2026 - 200,00 €" in text
    assert "Reste dû au 15 avril 2026 700,00 €" in text
    assert "préremplir le virement de 700,00 €" in text
    [code] = pdf_qr_codes(after)
    assert Decimal(epc_fields(code)["amount"][3:]) == Decimal("700.00")
    dunner("pay", number, "700", "--on", "2026-04-20")
    paid = pdf(dunner, number, tmp_path, "--as-of", "2026-04-20")
    assert pdf_qr_codes(paid) == [] and "Reste dû au 20 avril 2026 0,00 €" in pdf_text(paid)


def test_a_plan_asks_its_next_instalment_labelled_so(dunner, acme, tmp_path):
    number = issue(dunner, "--line", "Site;1;1000;20", "--issued", "2026-04-01", "--instalments", "3", "--every", "20")
    text = pdf_text(first := pdf(dunner, number, tmp_path, "--as-of", "2026-04-02"))
    assert "Prochaine échéance, le 1er mai 2026 : 400,00 €" in text
    assert Decimal(epc_fields(pdf_qr_codes(first)[0])["amount"][3:]) == Decimal("400.00")
    later = pdf(dunner, number, tmp_path, "--as-of", "2026-06-02")  # two instalments due by then, none paid
    assert "Échéances arrivées à terme, à régler : 800,00 €" in pdf_text(later)
    assert Decimal(epc_fields(pdf_qr_codes(later)[0])["amount"][3:]) == Decimal("800.00")


def test_a_dry_run_renders_no_pdf_and_a_real_run_renders_each_once(dunner, acme, configure, tmp_path, monkeypatch):
    import email
    import mailbox
    from email import policy

    import dunner.edges.pdf as pdf_module

    made = []
    render = pdf_module.render_pdf
    monkeypatch.setattr(pdf_module, "render_pdf", lambda html, **kw: made.append(kw["title"]) or render(html, **kw))
    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n[dunning]\ngroup = "client"\n')
    dunner("add-client", "BARE", "--name", "Bare SAS", "--email", "b@bare.fr", "--terms", "30")  # no address
    first = issue(dunner, "--line", "Conseil;1;1000;20", "--issued", "2026-01-05")
    second = issue(dunner, "--line", "Audit;1;500;20", "--issued", "2026-01-06")
    bare = dunner("invoice", "BARE", "--line", "Atelier;1;300;20", "--issued", "2026-01-06").stdout.strip()
    import dunner.documents.views as views

    balances = []
    balance = views.balance
    monkeypatch.setattr(views, "balance", lambda *a: balances.append(a[1].number) or balance(*a))
    planned = json.loads(dunner("remind", "--as-of", "2026-02-15", "--dry-run", "--format", "json").stdout)
    assert made == []  # nothing rendered: the dry run only says what would go
    assert balances == []  # nor any balance: it reads all of a client's instalments (quadratic over many)
    details = {r["invoice"]: r["detail"] for r in planned if r["status"] == "planned"}
    assert details[first] == f"would attach {first}.pdf" and details[second] == f"would attach {second}.pdf"
    assert details[bare].startswith(f"no PDF attached ({bare} would lack mandatory mentions: BARE's address")
    dunner("remind", "--as-of", "2026-02-15")
    assert sorted(made) == [f"Facture {first}", f"Facture {second}"]  # each once; BARE's cannot be printed
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    messages = [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    names = sorted(p.get_filename() for m in messages for p in m.iter_attachments() if p.get_filename())
    assert names == [f"{first}.pdf", f"{second}.pdf"]  # one consolidated message carries both
