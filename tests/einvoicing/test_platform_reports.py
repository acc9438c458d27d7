"""212 "Encaissée": the payments received on services invoices sent through the platform, reported once per
payment and invoice, whichever way the payment was recorded (pay, import, bank), against the local platform."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree

from dunner.edges.cdar import parse_cdar, validate_cdar
from platform_server import CDAR_XSD, lifecycle_example

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
REF = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"


def statuses_sent(fake_platform) -> list:
    return [s for s in fake_platform.submitted if s.flow_info["flowSyntax"] == "CDAR"]


def shape(xml: bytes) -> Counter:
    """The element paths of a message, with their attributes' names: its structure without its values."""
    root = etree.fromstring(xml, etree.XMLParser(remove_comments=True))
    tree = root.getroottree()
    return Counter((tree.getpath(e).replace("[", "(").split("(")[0], tuple(sorted(e.attrib))) for e in root.iter())


def sent(french):
    dunner = french()
    dunner("send", "F-2026-0001", "--via", "platform", "--on", "2026-01-01")
    return dunner


def test_a_payment_is_reported_at_once_valid_and_shaped_like_the_official_212(french, fake_platform):
    dunner = sent(french)
    paid = dunner("pay", "F-2026-0001", "1200", "--on", "2026-02-03", "--reference", "VIR-1")
    [report] = statuses_sent(fake_platform)
    assert f"Platform: payment reported (212 Encaissée) as 212-1-1: flow {report.flow_id}." in paid.stderr
    assert report.flow_info["trackingId"] == "212-1-1" and report.part_types["file"] == "application/xml"
    assert (report.flow_info["processingRule"], report.flow_info["flowProfile"]) == ("B2B", "Basic")
    assert validate_cdar(report.file, CDAR_XSD) == []
    official = lifecycle_example("07-CDV-212")
    assert shape(report.file) - shape(official) == Counter()  # nothing the official one does not have
    assert set(shape(official) - shape(report.file)) <= {  # only the optional Déposée time (MDT-95) may lack
        ("/rsm:CrossDomainAcknowledgementAndResponse/rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"
         "/ram:ReceiptDateTime", ()),
        ("/rsm:CrossDomainAcknowledgementAndResponse/rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"
         "/ram:ReceiptDateTime/udt:DateTimeString", ("format",)),
    }  # fmt: skip
    root = etree.fromstring(report.file)
    ref = root.find(REF, NS)
    assert root.findtext("rsm:AcknowledgementDocument/ram:TypeCode", namespaces=NS) == "23"
    assert (ref.findtext("ram:StatusCode", namespaces=NS), ref.findtext("ram:ProcessCondition", namespaces=NS)) == (
        "47",
        "Encaissée",
    )
    characteristic = ref.find("ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic", NS)
    assert characteristic.findtext("ram:TypeCode", namespaces=NS) == "MEN"
    assert characteristic.findtext("ram:ValuePercent", namespaces=NS) == "20.00"
    parties = [(p.findtext("ram:GlobalID", namespaces=NS), p.findtext("ram:RoleCode", namespaces=NS))
               for p in root.iterfind("rsm:ExchangedDocument/ram:RecipientTradeParty", NS)]  # fmt: skip
    assert parties == [("552100554", "BY"), ("9998", "DFH")]
    [status] = parse_cdar(report.file)
    assert (status.code, status.invoice_number, status.invoice_issued_on) == (212, "F-2026-0001", date(2026, 1, 1))
    assert (status.amount, status.currency, status.status_on) == (Decimal("1200.00"), "EUR", date(2026, 2, 3))
    assert (status.seller_id, status.issuer_role) == ("732829320", "SE")


def test_each_payment_is_reported_once(french, fake_platform, ledger):
    dunner = sent(french)
    dunner("pay", "F-2026-0001", "500", "--on", "2026-02-03", "--reference", "VIR-1")
    dunner("platform", "sync")
    dunner("platform", "sync")
    dunner("pay", "F-2026-0001", "700", "--on", "2026-02-10", "--reference", "VIR-2")
    dunner("remind", "--as-of", "2026-02-11")
    amounts = [parse_cdar(s.file)[0].amount for s in statuses_sent(fake_platform)]
    assert amounts == [Decimal("500.00"), Decimal("700.00")]
    assert [s.flow_info["trackingId"] for s in statuses_sent(fake_platform)] == ["212-1-1", "212-2-1"]
    assert ledger.scalar("SELECT COUNT(*) FROM platform_flow WHERE kind = 'status' AND state = 'acknowledged'") == 2


def test_a_platform_down_when_paid_is_reported_on_a_later_run(french, fake_platform, ledger):
    dunner = sent(french)
    fake_platform.fail_next(503, path="/v1/flows")
    paid = dunner("pay", "F-2026-0001", "1200", "--on", "2026-02-03", "--reference", "VIR-1")
    assert "Paid" in paid.stdout or paid.stdout  # the payment itself is recorded
    warning = [line for line in paid.stderr.splitlines() if line.startswith("Warning")]
    assert warning and "not reported to the platform yet" in warning[0] and "HTTP 503" in warning[0]
    assert statuses_sent(fake_platform) == []
    assert ledger.scalar("SELECT state FROM platform_flow WHERE kind = 'status'") == "failed"
    assert ledger.scalar("SELECT COUNT(*) FROM payment") == 1
    synced = dunner("platform", "sync")
    assert "payment reported (212 Encaissée) as 212-1-1" in synced.stderr
    dunner("platform", "sync")
    assert len(statuses_sent(fake_platform)) == 1


def test_a_lost_answer_is_never_reported_again_blindly(french, fake_platform, ledger):
    dunner = sent(french)
    fake_platform.drop_next("/v1/flows")
    paid = dunner("pay", "F-2026-0001", "1200", "--on", "2026-02-03", "--reference", "VIR-1")
    assert "answer was lost" in paid.stderr
    dunner("platform", "sync")  # the platform lists it under its tracking id: settled, not sent again
    assert len(statuses_sent(fake_platform)) == 1
    assert ledger.scalar("SELECT state FROM platform_flow WHERE kind = 'status'") == "acknowledged"


def test_goods_the_debits_option_and_invoices_not_on_the_platform_report_nothing(french, fake_platform, ledger):
    dunner = sent(french)
    dunner("invoice", "ACME", "--line", "Chaise;1;100;20", "--category", "goods", "--issued", "2026-01-02")
    dunner("send", "F-2026-0002", "--via", "platform")
    dunner("invoice", "ACME", "--line", "Conseil;1;100;20", "--issued", "2026-01-03")  # never on the platform
    dunner("pay", "F-2026-0002", "120", "--reference", "VIR-G")
    dunner("pay", "F-2026-0003", "120", "--reference", "VIR-N")
    dunner("platform", "sync")
    assert statuses_sent(fake_platform) == []


def test_the_debits_option_reports_nothing(french, fake_platform):
    sent(french)
    dunner = french("vat_on_debits = true\n")  # [business]: the VAT is due on the invoice, not on the payment
    dunner("pay", "F-2026-0001", "1200", "--reference", "VIR-1")
    dunner("platform", "sync")
    assert statuses_sent(fake_platform) == []


def test_payments_imported_or_matched_from_the_bank_are_reported(french, fake_platform, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "bank"))
    from camt_files import Entry, camt053

    dunner = sent(french)
    dunner("invoice", "ACME", "--line", "Suite;1;500;20", "--issued", "2026-01-05")
    dunner("send", "F-2026-0002", "--via", "platform")
    (tmp_path / "p.csv").write_text("client,date,amount,reference,invoice\nACME,2026-02-01,1200,VIR-1,F-2026-0001\n")
    imported = dunner("import", "payments", str(tmp_path / "p.csv"))
    assert "payment reported (212 Encaissée)" in imported.stderr
    statement = camt053(tmp_path / "s.xml", [Entry("600.00", text="Facture F-2026-0002", debtor="ACME", ref="BQ-2")])
    banked = dunner("bank", "import", str(statement), "--as-of", "2026-03-03")
    assert "payment reported (212 Encaissée)" in banked.stderr
    reported = {
        parse_cdar(s.file)[0].invoice_number: parse_cdar(s.file)[0].amount for s in statuses_sent(fake_platform)
    }
    assert reported == {"F-2026-0001": Decimal("1200.00"), "F-2026-0002": Decimal("600.00")}
