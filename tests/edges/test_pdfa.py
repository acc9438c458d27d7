"""Every PDF dunner writes is PDF/A-3b (ISO 19005-3), and the Factur-X ones Factur-X 1.0, by tests/pdfa.py's checks.

veraPDF cannot be installed here; tests/pdfa.py checks the rules that apply to what dunner writes (its docstring
lists them by clause). The documents are those of tests/documents_builders.py, every kind dunner issues; the
last tests break a good file in one way at a time and show that the checker reports each breakage."""

from __future__ import annotations

import email
import io
import mailbox
import zipfile
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import facturx
import pikepdf
import pytest
from fpdf.util import builtin_srgb2014_bytes
from lxml import etree

from documents_builders import BUILDERS, add_acme, invoice, issued
from pdfa import problems
from pdfa_metadata import DC, PDF, PDFAID, XMP, pdf_date, text_of, xmp_properties


@pytest.fixture
def french(dunner, configure):
    configure('\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
    add_acme(dunner)


def pdf(dunner, number: str, *extra: str) -> bytes:
    target = Path(f"{number}{'-'.join(extra)}.pdf")
    dunner("pdf", number, "-o", str(target), *extra)
    return target.read_bytes()


def two_rates(dunner) -> str:
    return issued(dunner("invoice", "ACME", "--line", "Maquettes;3;450;20", "--line", "Formation;0,5;800;10"))


def pounds(dunner) -> str:
    return issued(dunner("invoice", "ACME", "--line", "Consulting;2;400;20", "--currency", "GBP"))


KINDS = {**BUILDERS, "two VAT rates": two_rates, "pounds": pounds}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_invoice_is_pdfa_3b(kind, french, dunner, configure):
    builder = KINDS[kind]
    number = builder(dunner, configure) if builder.__code__.co_argcount == 2 else builder(dunner)
    content = pdf(dunner, number, "--facturx")
    assert problems(content, facturx=True) == []
    name, xml = facturx.get_facturx_xml_from_pdf(content, check_xsd=True)  # the factur-x package reads it back
    assert name == "factur-x.xml" and number.encode() in xml
    assert problems(pdf(dunner, number)) == []  # the plain PDF too


def _xmp(content: bytes) -> tuple[dict, dict]:
    with pikepdf.open(io.BytesIO(content)) as document:
        info = {str(k): str(v) for k, v in document.trailer.Info.items()}
        xmp = xmp_properties(etree.fromstring(document.Root.Metadata.read_bytes()))
    return info, {name: text_of(values[0]) for (_, name), values in xmp.items()} | {
        f"{ns}{name}": text_of(values[0]) for (ns, name), values in xmp.items()
    }


def test_info_and_xmp_say_the_same_from_the_invoice_itself(dunner, configure):
    path = configure()
    path.write_text(path.read_text().replace('name = "Atelier Test"', 'name = "Atelier & Fils — Éditions"'))
    add_acme(dunner)
    number = invoice(dunner)  # issued on 2026-11-02
    info, xmp = _xmp(pdf(dunner, number, "--facturx"))
    noon = datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert info["/Title"] == xmp[f"{DC}title"] == f"Facture {number}"  # in the document's language
    assert info["/Author"] == xmp[f"{DC}creator"] == "Atelier & Fils — Éditions"
    assert info["/Creator"] == xmp[f"{XMP}CreatorTool"] == "dunner"
    assert info["/Producer"] == xmp[f"{PDF}Producer"] and info["/Producer"].startswith("fpdf2 ")
    assert pdf_date(info["/CreationDate"]) == pdf_date(info["/ModDate"]) == noon
    for name in ("CreateDate", "ModifyDate", "MetadataDate"):
        assert datetime.fromisoformat(xmp[f"{XMP}{name}"]) == noon, name
    assert (xmp[f"{PDFAID}part"], xmp[f"{PDFAID}conformance"]) == ("3", "B")
    assert "/Keywords" not in info and f"{PDF}Keywords" not in xmp  # none in either, so none to disagree
    fx = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
    assert {k[len(fx) :]: v for k, v in xmp.items() if k.startswith(fx)} == {
        "DocumentType": "INVOICE",
        "DocumentFileName": "factur-x.xml",
        "Version": "1.0",
        "ConformanceLevel": "EN 16931",
    }


def test_the_output_intent_is_the_icc_srgb_profile_fpdf2_ships(french, dunner):
    with pikepdf.open(io.BytesIO(pdf(dunner, invoice(dunner), "--facturx"))) as document:
        (intent,) = document.Root.OutputIntents
        assert (intent.S, str(intent.OutputConditionIdentifier)) == ("/GTS_PDFA1", "sRGB")
        assert intent.DestOutputProfile.read_bytes() == builtin_srgb2014_bytes()
        assert intent.DestOutputProfile.N == 3
        assert not document.is_encrypted and len(document.trailer.ID) == 2
        (spec,) = document.Root.AF
        assert (str(spec.UF), spec.AFRelationship, spec.EF.F.Subtype) == ("factur-x.xml", "/Data", "/text/xml")
        assert pdf_date(str(spec.EF.F.Params.ModDate)) == datetime(2026, 11, 2, 12, tzinfo=UTC)


def test_notices_dossiers_and_attachments_are_pdfa_3b(dunner, french, tmp_path):
    number = issued(dunner("invoice", "ACME", "--line", "Refonte;1;1000;20", "--issued", "2025-01-02"))
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


def test_a_pdf_is_the_same_bytes_whenever_it_is_printed(dunner, french):
    number = two_rates(dunner)
    first = pdf(dunner, number, "--facturx")
    Path(f"{number}--facturx.pdf").unlink()
    assert pdf(dunner, number, "--facturx") == first  # dates come from the invoice, not from the clock


def test_a_template_asking_for_a_core_font_is_refused(dunner, configure, tmp_path):
    """PDF core fonts are never embedded: a user's template naming one is an error, not a non-PDF/A file."""
    folder = tmp_path / "mine" / "pdf" / "fr"
    folder.mkdir(parents=True)
    packaged = Path(__file__).resolve().parents[2] / "templates" / "pdf" / "fr" / "invoice.html"
    folder.joinpath("invoice.html").write_text(
        '<font face="helvetica">Facture</font>' + packaged.read_text(encoding="utf-8"), encoding="utf-8"
    )
    configure(f'\n[templates]\ndir = "{tmp_path / "mine"}"\n')
    add_acme(dunner)
    refused = dunner("pdf", invoice(dunner), "-o", "x.pdf", code=2).stderr
    assert refused.startswith("Error: Facture F-2026-0001: a template asks for a PDF core font")
    assert not Path("x.pdf").exists()


# -- the checker itself: each breakage is reported under its clause ---------------------------------------------

GOOD: dict[str, bytes] = {}


@pytest.fixture
def good(request) -> bytes:
    """A Factur-X invoice with two VAT rates and a QR code, printed once for all the breakages below."""
    if "pdf" not in GOOD:
        request.getfixturevalue("french")
        dunner = request.getfixturevalue("dunner")
        GOOD["pdf"] = pdf(dunner, two_rates(dunner), "--facturx")
    return GOOD["pdf"]


def rewritten(content: bytes, change=None) -> bytes:
    with pikepdf.open(io.BytesIO(content)) as document:
        if change:
            change(document)
        out = io.BytesIO()  # pikepdf would rewrite the XMP to add pdf:PDFVersion: left as it is
        document.save(out, fix_metadata_version=False, **getattr(change, "save", {}))
        return out.getvalue()


def test_the_checker_finds_nothing_wrong_in_a_mere_rewrite(good):
    assert problems(good, facturx=True) == []
    assert problems(rewritten(good), facturx=True) == []  # so what the breakages add is theirs alone


def _saved(**options):
    def mark(change):
        change.save = options
        return change

    return mark


def _page_content(d, data: bytes, **resources) -> None:
    page = d.pages[0]
    for kind, entries in resources.items():
        if f"/{kind}" not in page.Resources:
            page.Resources[f"/{kind}"] = pikepdf.Dictionary()
        for name, value in entries.items():
            page.Resources[f"/{kind}"][f"/{name}"] = value
    page.contents_add(d.make_stream(data))


def _type0(d) -> tuple[str, pikepdf.Dictionary]:
    return next((str(k), f) for k, f in d.pages[0].Resources.Font.items() if f.Subtype == "/Type0")


def _xmp_edit(old: bytes, new: bytes):
    def change(d):
        xmp = d.Root.Metadata.read_bytes()
        assert old in xmp
        d.Root.Metadata.write(xmp.replace(old, new, 1))

    return change


def _stream(d, data: bytes = b"", **entries) -> pikepdf.Stream:
    stream = d.make_stream(data)
    for key, value in entries.items():
        stream[f"/{key}"] = value
    return stream


def _annotation(d, **entries) -> pikepdf.Dictionary:
    annot = d.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Rect=[0, 0, 10, 10], **entries))
    d.pages[0].Annots = d.make_indirect(pikepdf.Array([annot]))
    return annot


def _icc_version_5(d):
    profile = bytearray(d.Root.OutputIntents[0].DestOutputProfile.read_bytes())
    profile[8] = 5
    d.Root.OutputIntents[0].DestOutputProfile.write(bytes(profile))


def _second_intent(d):
    other = pikepdf.Dictionary({key: value for key, value in d.Root.OutputIntents[0].items()})
    other.DestOutputProfile = _stream(d, builtin_srgb2014_bytes(), N=3)
    d.Root.OutputIntents.append(d.make_indirect(other))


def _remove_intent(d):
    del d.Root["/OutputIntents"]


def _shown_notdef(d):
    name, _ = _type0(d)
    _page_content(d, f"BT {name} 9 Tf 10 10 Td <0000> Tj ET".encode())


def _no_program(d):
    del _type0(d)[1].DescendantFonts[0].FontDescriptor["/FontFile2"]


def _wider(d):
    widths = _type0(d)[1].DescendantFonts[0].W
    widths[1] = pikepdf.Array([w + 100 for w in widths[1]])


def _core_font(d):
    helvetica = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    _page_content(d, b"BT /Helv 9 Tf 10 10 Td (x) Tj ET", Font={"Helv": d.make_indirect(helvetica)})


def _interpolated_image(d):
    image = next(x for x in d.pages[0].Resources.XObject.values() if x.Subtype == "/Image")
    image.Interpolate = True


def _transparent_without_intent(d):
    del d.Root["/OutputIntents"]
    if "/Group" in d.pages[0].obj:
        del d.pages[0].obj["/Group"]
    _page_content(d, b"/Half gs", ExtGState={"Half": pikepdf.Dictionary(ca=0.5)})


def _lzw(d):
    stream = d.make_stream(b"")
    stream.write(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", filter=pikepdf.Name.LZWDecode)  # "-----A---B"
    d.Root.PieceInfo = pikepdf.Dictionary(Extra=stream)


_lzw = _saved(compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)(_lzw)


def _encrypted(d):
    pass


_encrypted = _saved(encryption=pikepdf.Encryption(owner="o", user=""))(_encrypted)


def _unassociated(d):
    del d.Root["/AF"]


def _spec_key(key: str, value=None):
    def change(d):
        spec = d.Root.AF[0]
        if value is None:
            del spec[key]
        else:
            spec[key] = value

    return change


def _embedded_key(key: str, value=None):
    def change(d):
        stream = d.Root.AF[0].EF.F
        if value is None:
            del stream[key]
        else:
            stream[key] = value

    return change


def _not_xml(d):
    d.Root.AF[0].EF.F.write(b"<rsm:CrossIndustryInvoice")


def _inline_lzw(d):
    _page_content(d, b"q BI /W 1 /H 1 /BPC 8 /CS /G /F /LZW ID \x80 EI Q")


def _separation(d):
    tint = _stream(d, b"{}", FunctionType=4, Domain=[0, 1], Range=[0, 1, 0, 1, 0, 1])
    space = [pikepdf.Name.Separation, pikepdf.Name.Spot, pikepdf.Name.DeviceRGB, tint]
    _page_content(d, b"/Sep cs 1 sc 0 0 5 5 re f", ColorSpace={"Sep": space})


def _jpeg2000(d):
    image = _stream(d, b"\0", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=1, Height=1)
    image.Filter = pikepdf.Name.JPXDecode
    _page_content(d, b"q 1 0 0 1 0 0 cm /J0 Do Q", XObject={"J0": image})


def _form_without_resources(d):
    form = _stream(d, b"0 0 5 5 re f", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 5, 5])
    _page_content(d, b"/Fm0 Do", XObject={"Fm0": form})


def _widget_with_action(d):
    look = _stream(d, b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 10, 10], Resources={})
    uri = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.com"))
    widget = _annotation(d, Subtype=pikepdf.Name.Widget, F=4, AP=pikepdf.Dictionary(N=look), A=uri)
    d.Root.AcroForm = pikepdf.Dictionary(Fields=[widget])


def _optional_content(d):
    group = d.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("Layer")))
    d.Root.OCProperties = pikepdf.Dictionary(OCGs=[group], D=pikepdf.Dictionary(Order=[]))


BREAKAGES = {  # what is done to a good file -> the clause the checker must name
    "header of PDF 2.0": ("6.1.2", lambda raw: raw.replace(b"%PDF-1.7", b"%PDF-2.0", 1)),
    "bytes after %%EOF": ("6.1.3", lambda raw: raw + b"garbage"),
    "no /ID in the trailer": (
        "6.1.3",
        lambda raw: raw[: raw.rindex(b"/ID")] + raw[raw.rindex(b"/ID") :].replace(b"/ID", b"/XX", 1),
    ),
    "xref without its end-of-line": ("6.1.4", lambda raw: raw.replace(b"\nxref\n", b"\nxref \n")),
    "stream longer than /Length": ("6.1.7", lambda raw: raw.replace(b"stream\n", b"stream\n\n", 1)),
    "object header not on a line of its own": ("6.1.9", lambda raw: raw.replace(b"\n1 0 obj\n", b"\n1 0 obj ", 1)),
    "name not in UTF-8": ("6.1.8", lambda raw: raw.replace(b"/UseAttachments", b"/Use#FFachments", 1)),
    "encrypted": ("6.1.3", _encrypted),
    "inline image in LZW": ("6.1.10", _inline_lzw),
    "Separation colour space": ("6.2.4.4", _separation),
    "JPEG2000 image": ("6.2.8.3", _jpeg2000),
    "form without resources of its own": ("6.2.2", _form_without_resources),
    "widget with an action": ("6.4.1", _widget_with_action),
    "LZW stream": ("6.1.7", _lzw),
    "stream with an external file /F": ("6.1.7", lambda d: d.Root.Metadata.__setitem__("/F", pikepdf.String("x"))),
    "Perms other than UR3 and DocMDP": ("6.1.12", lambda d: d.Root.__setitem__("/Perms", pikepdf.Dictionary(X=1))),
    "integer beyond 32 bits": ("6.1.13", lambda d: d.Root.__setitem__("/Big", 2**31)),
    "name longer than 127 bytes": ("6.1.13", lambda d: d.Root.__setitem__("/Big", pikepdf.Name("/" + "n" * 128))),
    "string longer than 32767 bytes": ("6.1.13", lambda d: d.Root.__setitem__("/Big", pikepdf.String("s" * 32768))),
    "q nested 29 deep": ("6.1.13", lambda d: _page_content(d, b"q " * 29 + b"Q " * 29)),
    "page of 2 by 2 units": ("6.1.13", lambda d: d.pages[0].obj.__setitem__("/MediaBox", [0, 0, 2, 2])),
    "operator outside ISO 32000-1": ("6.2.2", lambda d: _page_content(d, b"1 0 0 zz")),
    "no output intent": ("6.2.3", _remove_intent),
    "ICC profile of version 5": ("6.2.3", _icc_version_5),
    "/N of 4 for an RGB profile": ("6.2.3", lambda d: d.Root.OutputIntents[0].DestOutputProfile.__setitem__("/N", 4)),
    "two output intents, two profiles": ("6.2.3", _second_intent),
    "DeviceRGB without an output intent": ("6.2.4.3", _remove_intent),
    "DeviceCMYK with an RGB output intent": ("6.2.4.3", lambda d: _page_content(d, b"0 0 0 1 k 0 0 5 5 re f")),
    "ICCBased space with no profile": (
        "6.2.4.2",
        lambda d: _page_content(
            d, b"/CS0 cs 0 0 0 sc 0 0 5 5 re f", ColorSpace={"CS0": [pikepdf.Name.ICCBased, _stream(d, b"junk", N=3)]}
        ),
    ),
    "ExtGState with a transfer function": (
        "6.2.5",
        lambda d: _page_content(d, b"", ExtGState={"T": pikepdf.Dictionary(TR=pikepdf.Name.Identity)}),
    ),
    "unknown rendering intent": ("6.2.6", lambda d: _page_content(d, b"/Vivid ri")),
    "image interpolated": ("6.2.8", _interpolated_image),
    "PostScript XObject": (
        "6.2.9",
        lambda d: d.pages[0].Resources.XObject.__setitem__(
            "/PS0", _stream(d, b"%!", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.PS)
        ),
    ),
    "blend mode outside ISO 32000-1": (
        "6.2.10",
        lambda d: _page_content(d, b"", ExtGState={"B": pikepdf.Dictionary(BM=pikepdf.Name.Glow)}),
    ),
    "transparency with no output intent nor group": ("6.2.10", _transparent_without_intent),
    "font without /Type": ("6.2.11.2", lambda d: _type0(d)[1].__delitem__("/Type")),
    "Type0 font with a simple encoding": (
        "6.2.11.3",
        lambda d: _type0(d)[1].__setitem__("/Encoding", pikepdf.Name.WinAnsiEncoding),
    ),
    "CIDFontType2 without CIDToGIDMap": (
        "6.2.11.3",
        lambda d: _type0(d)[1].DescendantFonts[0].__delitem__("/CIDToGIDMap"),
    ),
    "font program removed": ("6.2.11.4", _no_program),
    "core font, not embedded": ("6.2.11.4", _core_font),
    "widths unlike the program's": ("6.2.11.5", _wider),
    ".notdef shown": ("6.2.11.8", _shown_notdef),
    "3D annotation": ("6.3.1", lambda d: _annotation(d, Subtype=pikepdf.Name("/3D"), F=4)),
    "hidden link": ("6.3.2", lambda d: _annotation(d, Subtype=pikepdf.Name.Link, F=2)),
    "square without appearance": ("6.3.3", lambda d: _annotation(d, Subtype=pikepdf.Name.Square, F=4)),
    "form needing appearances": (
        "6.4",
        lambda d: d.Root.__setitem__("/AcroForm", pikepdf.Dictionary(Fields=[], NeedAppearances=True)),
    ),
    "XFA form": (
        "6.4",
        lambda d: d.Root.__setitem__("/AcroForm", pikepdf.Dictionary(Fields=[], XFA=_stream(d, b"<xdp/>"))),
    ),
    "JavaScript on opening": (
        "6.5.1",
        lambda d: d.Root.__setitem__(
            "/OpenAction",
            d.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))),
        ),
    ),
    "link launching a program": (
        "6.5.1",
        lambda d: _annotation(
            d, Subtype=pikepdf.Name.Link, F=4, A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
        ),
    ),
    "catalog additional actions": ("6.5.2", lambda d: d.Root.__setitem__("/AA", pikepdf.Dictionary())),
    "page additional actions": ("6.5.2", lambda d: d.pages[0].obj.__setitem__("/AA", pikepdf.Dictionary())),
    "no metadata": ("6.6.2.1", lambda d: d.Root.__delitem__("/Metadata")),
    "metadata of subtype Text": ("6.6.2.1", lambda d: d.Root.Metadata.__setitem__("/Subtype", pikepdf.Name.Text)),
    "xpacket header with an encoding": (
        "6.6.2.1",
        _xmp_edit(b'id="W5M0MpCehiHzreSzNTczkc9d"', b'id="W5M0MpCehiHzreSzNTczkc9d" encoding="UTF-8"'),
    ),
    "XMP not well-formed": ("6.6.2.1", _xmp_edit(b"</x:xmpmeta>", b"</x:xmpmet>")),
    "undeclared XMP property": (
        "6.6.2.3",
        _xmp_edit(b"<pdfaid:part>", b'<pdf:Made xmlns:pdf="urn:example:z#">here</pdf:Made><pdfaid:part>'),
    ),
    "dc:title as plain text": ("6.6.2.3", _xmp_edit(b'<rdf:Alt><rdf:li xml:lang="x-default">', b"<rdf:Alt><rdf:li>")),
    "extension property without category": (
        "6.6.2.3",
        _xmp_edit(b"<pdfaProperty:category>external</pdfaProperty:category>", b""),
    ),
    "pdfaid:part 2": ("6.6.4", _xmp_edit(b"<pdfaid:part>3</pdfaid:part>", b"<pdfaid:part>2</pdfaid:part>")),
    "pdfaid:conformance U": ("6.6.4", _xmp_edit(b"<pdfaid:conformance>B", b"<pdfaid:conformance>U")),
    "no PDF/A identification": ("6.6.4", _xmp_edit(b"<pdfaid:part>3</pdfaid:part>", b"")),
    "Info title unlike dc:title": (
        "Info/XMP",
        lambda d: d.trailer.Info.__setitem__("/Title", pikepdf.String("Something else")),
    ),
    "Info date unlike xmp:ModifyDate": (
        "Info/XMP",
        lambda d: d.trailer.Info.__setitem__("/ModDate", pikepdf.String("D:20300101000000Z")),
    ),
    "Info keywords without pdf:Keywords": (
        "Info/XMP",
        lambda d: d.trailer.Info.__setitem__("/Keywords", pikepdf.String("Invoice, Factur-X")),
    ),
    "file spec without /UF": ("6.8", _spec_key("/UF")),
    "file spec without /AFRelationship": ("6.8", _spec_key("/AFRelationship")),
    "embedded file without MIME type": ("6.8", _embedded_key("/Subtype")),
    "file spec in no /AF": ("6.8", _unassociated),
    "optional content configuration without a name": ("6.9", _optional_content),
    "alternate presentations": (
        "6.10",
        lambda d: d.Root.Names.__setitem__("/AlternatePresentations", pikepdf.Dictionary()),
    ),
    "catalog requirements": ("6.11", lambda d: d.Root.__setitem__("/Requirements", pikepdf.Array())),
    "Factur-X XML as application/xml": ("Factur-X", _embedded_key("/Subtype", pikepdf.Name("/application/xml"))),
    "Factur-X XML without ModDate": ("Factur-X", lambda d: d.Root.AF[0].EF.F.Params.__delitem__("/ModDate")),
    "Factur-X XML as a supplement": ("Factur-X", _spec_key("/AFRelationship", pikepdf.Name.Supplement)),
    "Factur-X XML renamed": (
        "Factur-X",
        lambda d: (
            _spec_key("/UF", pikepdf.String("invoice.xml"))(d),
            _spec_key("/F", pikepdf.String("invoice.xml"))(d),
        ),
    ),
    "Factur-X XML not well-formed": ("Factur-X", _not_xml),
    "fx:ConformanceLevel BASIC": (
        "Factur-X",
        _xmp_edit(b">EN 16931</fx:ConformanceLevel>", b">BASIC</fx:ConformanceLevel>"),
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_the_checker_reports_each_breakage(good, breakage):
    clause, change = BREAKAGES[breakage]
    on_bytes = change.__code__.co_varnames[:1] == ("raw",)
    bad = change(good) if on_bytes else rewritten(good, change)
    found = problems(bad, facturx=True)
    assert clause in {p.split(":")[0] for p in found}, found
