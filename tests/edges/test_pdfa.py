"""Every PDF dunner writes is PDF/A-3b (ISO 19005-3), and the Factur-X ones Factur-X 1.0, by tests/pdfa.py's checks.

veraPDF cannot be installed here; tests/pdfa.py checks the rules that apply to what dunner writes (its docstring
lists them by clause), and the last tests show that it catches each kind of breakage."""

from __future__ import annotations

import email
import io
import mailbox
import zipfile
from email import policy
from pathlib import Path

import facturx
import pikepdf
import pytest

from helpers import pdf_qr_codes
from pdfa import problems


@pytest.fixture
def acme(dunner, configure):
    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
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
    )


def invoice(dunner, *args: str, client: str = "ACME") -> str:
    return dunner("invoice", client, *args).stdout.strip()


def pdf(dunner, number: str, *extra: str) -> bytes:
    target = Path(f"{number}{'-'.join(extra)}.pdf")
    dunner("pdf", number, "-o", str(target), *extra)
    return target.read_bytes()


def lines_and_vat(dunner) -> str:
    return invoice(dunner, "--line", "Maquettes;3;450;20", "--line", "Formation;0,5;800;10", "--issued", "2026-11-02")


def instalments(dunner) -> str:
    return invoice(dunner, "1000", "--vat", "20", "--issued", "2026-01-05", "--instalments", "3", "--every", "20")


def deposit(dunner) -> str:
    return dunner("deposit", "ACME", "30%", "--of", "6000", "--vat", "20", "--issued", "2026-09-01").stdout.strip()


def final_after_deposit(dunner) -> str:
    first = deposit(dunner)
    return invoice(dunner, "--line", "Refonte du site;1;6000;20", "--deduct", first, "--issued", "2026-10-15")


def early_payment_discount(dunner) -> str:
    return invoice(dunner, "1000", "--vat", "20", "--issued", "2026-05-01", "--discount", "2/10")


def discount_credit_note(dunner) -> str:
    dunner("pay", early_payment_discount(dunner), "1176", "--on", "2026-05-08")
    return "AV-2026-0001"


def reverse_charge(dunner) -> str:
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
    return invoice(dunner, "--line", "Audit;2;500;0", "--issued", "2026-05-04", client="BERLIN")


def exempt_lines(dunner) -> str:
    args = ("--line", "Conseil;1;1000;20", "--line", "Matériel livré en Belgique;1;400;0")
    return invoice(dunner, *args, "--vat-exemption", "intra-eu", "--issued", "2026-05-05")


def credit_note(dunner) -> str:
    number = invoice(dunner, "--line", "A;1;1000;20", "--line", "B;1;500;10", "--issued", "2026-04-01")
    return dunner("credit-note", number, "330", "--reason", "Remise", "--on", "2026-04-10").stdout.split()[0]


def pounds(dunner) -> str:
    return invoice(dunner, "--line", "Consulting;2;400;20", "--currency", "GBP", "--issued", "2026-03-02")


KINDS = [
    lines_and_vat,
    instalments,
    deposit,
    final_after_deposit,
    early_payment_discount,
    discount_credit_note,
    reverse_charge,
    exempt_lines,
    credit_note,
    pounds,
]


@pytest.mark.parametrize("make", KINDS, ids=[k.__name__ for k in KINDS])
def test_every_kind_of_invoice_is_pdfa_3b(dunner, acme, make):
    number = make(dunner)
    content = pdf(dunner, number, "--facturx")
    assert problems(content, facturx=True) == []
    name, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert name == "factur-x.xml" and number.encode() in xml
    assert problems(pdf(dunner, number)) == []  # the plain PDF too


def test_a_pound_invoice_has_no_qr_code(dunner, acme):
    assert pdf_qr_codes(pdf(dunner, pounds(dunner), "--facturx")) == []  # the EPC code is for euros only


def test_a_vat_franchise_invoice_is_pdfa_3b(dunner, configure):
    path = configure()
    path.write_text(path.read_text().replace('vat_number = "FR44732829320"', "vat_franchise = true"))
    args = ("--email", "a@acme.fr", "--address", "1 rue X\n75001 Paris", "--registration", "732829320")
    dunner("add-client", "ACME", "--name", "Acme", *args)
    number = invoice(dunner, "--line", "Conseil;2;300", "--issued", "2026-11-02")
    assert problems(pdf(dunner, number, "--facturx"), facturx=True) == []


def test_notices_dossiers_and_attachments_are_pdfa_3b(dunner, acme, tmp_path):
    number = invoice(dunner, "--line", "Refonte;1;1000;20", "--issued", "2025-01-02")
    dunner("notice", number, "--as-of", "2025-03-03", "-o", "notice.pdf")
    assert problems(Path("notice.pdf").read_bytes()) == []
    dunner("dossier", "ACME", "--as-of", "2025-03-10", "-o", "d.zip")
    with zipfile.ZipFile("d.zip") as archive:
        inside = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert len(inside) == 2  # the invoice and the notice
        for name in inside:
            assert problems(archive.read(name)) == [], name
    dunner("send", number, "--on", "2025-01-02")
    dunner("remind", "--as-of", "2025-02-08")
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    attached = []
    for key in box.iterkeys():
        message = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
        attached += [p.get_content() for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(attached) == 2  # with the invoice (Factur-X) and with the reminder
    sent, reminded = sorted(attached, key=lambda c: b"factur-x.xml" not in c)
    assert problems(sent, facturx=True) == [] and problems(reminded) == []


def test_a_pdf_is_the_same_bytes_whenever_it_is_printed(dunner, acme):
    number = lines_and_vat(dunner)
    first = pdf(dunner, number, "--facturx")
    Path(f"{number}--facturx.pdf").unlink()
    assert pdf(dunner, number, "--facturx") == first  # dates come from the invoice, not from the clock


# -- the checker itself: each breakage is reported under its clause ---------------------------------------------


def broken(content: bytes, change) -> bytes:
    with pikepdf.open(io.BytesIO(content)) as document:
        change(document)
        out = io.BytesIO()
        document.save(out, **getattr(change, "save", {}))
        return out.getvalue()


def no_output_intent(d):
    del d.Root["/OutputIntents"]


def javascript(d):
    d.Root.OpenAction = d.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))


def info_title(d):
    d.trailer.Info = d.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Something else")))


def no_relationship(d):
    del d.Root.AF[0]["/AFRelationship"]


def not_associated(d):
    del d.Root["/AF"]


def part_two(d):
    xmp = d.Root.Metadata.read_bytes().replace(b"<pdfaid:part>3</pdfaid:part>", b"<pdfaid:part>2</pdfaid:part>")
    d.Root.Metadata.write(xmp)


def undeclared_property(d):
    xmp = d.Root.Metadata.read_bytes()
    extra = b'<rdf:Description rdf:about="" xmlns:z="urn:example:z#"><z:Made>here</z:Made></rdf:Description></rdf:RDF>'
    d.Root.Metadata.write(xmp.replace(b"</rdf:RDF>", extra))


def core_font(d):
    page = d.pages[0]
    page.Resources.Font.Helv = d.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    page.contents_add(d.make_stream(b"BT /Helv 9 Tf 10 10 Td (x) Tj ET"))


def wrong_width(d):
    font = next(f for f in d.pages[0].Resources.Font.values() if f.Subtype == "/Type0")
    widths = font.DescendantFonts[0].W
    widths[1] = pikepdf.Array([w + 100 for w in widths[1]])


def lzw(d):
    stream = d.make_stream(b"")
    stream.write(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", filter=pikepdf.Name.LZWDecode)  # "-----A---B"
    d.Root.PieceInfo = pikepdf.Dictionary(Extra=stream)


lzw.save = {"compress_streams": False, "stream_decode_level": pikepdf.StreamDecodeLevel.none}  # kept as LZW


def hidden_annotation(d):
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10], F=2)
    d.pages[0].Annots = d.make_indirect(pikepdf.Array([d.make_indirect(link)]))


def encrypted(d):
    pass


encrypted.save = {"encryption": pikepdf.Encryption(owner="o", user="")}

BREAKAGES = {
    no_output_intent: "6.2.3",
    javascript: "6.5.1",
    info_title: "Info/XMP",
    no_relationship: "6.8",
    not_associated: "6.8",
    part_two: "6.6.4",
    undeclared_property: "6.6.2.3",
    core_font: "6.2.11.4",
    wrong_width: "6.2.11.5",
    lzw: "6.1.7",
    hidden_annotation: "6.3.2",
    encrypted: "6.1.3",
}


@pytest.fixture
def good(dunner, acme) -> bytes:
    content = pdf(dunner, lines_and_vat(dunner), "--facturx")
    assert problems(content, facturx=True) == []
    return content


@pytest.mark.parametrize("change", BREAKAGES, ids=[c.__name__ for c in BREAKAGES])
def test_the_checker_reports_each_breakage(good, change):
    found = problems(broken(good, change), facturx=True)
    assert any(p.startswith(BREAKAGES[change]) for p in found), found


def test_the_checker_reads_the_bytes_too(good):
    assert any(p.startswith("6.1.2") for p in problems(good.replace(b"%PDF-1.7", b"%PDF-2.0", 1)))
    assert any(p.startswith("6.1.3") for p in problems(good + b"garbage"))
    start = good.index(b"stream\n") + 7
    assert any(p.startswith("6.1.7") for p in problems(good[:start] + b"\n" + good[start:]))
