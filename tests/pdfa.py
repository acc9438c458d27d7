"""A PDF/A-3b checker for the files dunner writes, on pikepdf (veraPDF, a Java program, cannot be installed here).

`problems(content)` returns one line per broken rule, "CLAUSE: what is wrong", and [] for a conforming file.
Clauses are those of ISO 19005-3:2012 (as numbered in veraPDF's PDF/A-3B validation profile, where each rule
was read); the file is read back as bytes for the file-structure rules, through pikepdf (qpdf) for the rest.

File structure
- 6.1.2   header `%PDF-1.n` (n 0-7) at byte 0, then a comment of four bytes above 127
- 6.1.3   trailer /ID of two strings; no /Encrypt; nothing after the last %%EOF but one end-of-line
- 6.1.4   `xref` and its subsection header separated by one end-of-line; every offset points at its object
- 6.1.7   stream /Length exact; `stream` followed by CRLF or LF, `endstream` preceded by an end-of-line; no
          /F, /FFilter, /FDecodeParms; only the standard filters, never LZWDecode, Crypt only as Identity
- 6.1.8   names are valid UTF-8
- 6.1.9   `N G obj` with single spaces, `obj` and `endobj` on lines of their own
- 6.1.10  inline images: no LZW or Crypt filter
- 6.1.12  /Perms only with UR3 or DocMDP
- 6.1.13  integers within 32 bits, strings up to 32767 bytes, names up to 127 bytes, q/Q nested 28 deep at
          most, page boxes 3 to 14400 units
- qpdf's own structural check finds no damage (what veraPDF would fail on as a parse error)
Graphics (pdfa_graphics)
- 6.2.2   only ISO 32000-1 operators in content streams; every page has its own /Resources
- 6.2.3   one PDF/A OutputIntent (GTS_PDFA1) whose DestOutputProfile is an ICC stream: monitor or printer class,
          GRAY/RGB/CMYK, version below 5, /N equal to the profile's number of components; several output intents
          share one profile; no DestOutputProfileRef
- 6.2.4.2 ICCBased colour spaces: a valid profile, /N matching it
- 6.2.4.3 DeviceRGB only with an RGB output intent (or DefaultRGB), DeviceCMYK only with a CMYK one (or
          DefaultCMYK), DeviceGray only with an output intent (or DefaultGray): every colour operator, colour
          space, image, inline image and shading is followed, forms included
- 6.2.5   ExtGState: no TR, TR2 other than Default, HTP; halftones of type 1 or 5, no HalftoneName
- 6.2.6   rendering intents among the four of ISO 32000-1
- 6.2.8   images: no Alternates, no OPI, Interpolate false, BitsPerComponent 1/2/4/8/16 (1 for masks), no JPEG2000
          (6.2.8.3 is not checked here: such an image is reported)
- 6.2.9   no PostScript XObject, no reference XObject, no OPI/PS/Subtype2 PS in forms
- 6.2.10  ISO 32000-1 blend modes only; a page with transparency (soft mask, alpha, blend mode) has a group
          colour space when there is no output intent
Fonts (pdfa_fonts)
- 6.2.11.2 font dictionaries complete (Type, Subtype, BaseFont)
- 6.2.11.3 Type0: Identity-H/V or an embedded CMap; CIDFontType2 has a CIDToGIDMap
- 6.2.11.4 every font program embedded; every glyph shown present in it; a CIDSet lists every CID
- 6.2.11.5 the widths in the font dictionary equal the program's advance widths, for every glyph shown
- 6.2.11.8 .notdef is never shown
- a simple font (Type1, TrueType, Type3) is reported: dunner embeds Type0 fonts only and this checker reads those
Annotations, actions, forms
- 6.3.1   known annotation types, no 3D, Sound, Screen, Movie
- 6.3.2   /F on every annotation but Popup, Print set, Hidden/Invisible/NoView/ToggleNoView clear
- 6.3.3   an appearance stream (N only) on every annotation but Popup, Link and zero-size ones
- 6.4     no XFA, NeedAppearances not true, no NeedsRendering; widgets without A/AA
- 6.5.1   actions only GoTo, GoToR, GoToE, Thread, URI, Named (page moves), SubmitForm: no JavaScript, Launch...;
          no /JS anywhere and no JavaScript name tree
- 6.5.2   no /AA on the catalog or on a page
Metadata (pdfa_metadata)
- 6.6.2.1 catalog /Metadata: a /Type /Metadata /Subtype /XML stream, UTF-8, well-formed XML and RDF, xpacket header
          without bytes or encoding
- 6.6.2.3 every XMP property from a predefined schema (with its value type) or from an extension schema declared
          with the PDF/A extension container schema, whose fields are all present and no others
- 6.6.4   pdfaid:part 3 and pdfaid:conformance B, in the pdfaid namespace
- and (ISO 19005-1 6.7.3, kept by dunner): each Info entry that has an XMP twin has it, with the same value
Embedded files
- 6.8     each embedded file stream has a MIME /Subtype; its file spec has /F, /UF and /AFRelationship, and is
          listed in an /AF array
- 6.9     optional content configurations named (uniquely), without AS, their Order listing every OCG
- 6.10    no AlternatePresentations, no PresSteps;  6.11  no /Requirements in the catalog
Factur-X 1.0 (with facturx=True): one embedded file factur-x.xml, text/xml, AFRelationship Data, Source or
Alternative, /Params /ModDate, well-formed XML; the fx: XMP properties DocumentType INVOICE, DocumentFileName
factur-x.xml, Version 1.0, ConformanceLevel EN 16931.

Not checked (nothing dunner writes uses them): hexadecimal string syntax (6.1.6, lost once parsed), content
stream numbers beyond q/Q depth, Separation/DeviceN (6.2.4.4), JPEG2000 data (6.2.8.3), simple and Type3 fonts
(6.2.11.6, 6.2.11.7), embedded CMap files (6.2.11.3.3), file provenance (6.6.6).
"""

from __future__ import annotations

import io
import re

import pikepdf

from pdfa_fonts import font_problems
from pdfa_graphics import graphics_problems
from pdfa_metadata import facturx_problems, metadata_problems

FILTERS = {
    "/ASCIIHexDecode",
    "/ASCII85Decode",
    "/FlateDecode",
    "/RunLengthDecode",
    "/CCITTFaxDecode",
    "/JBIG2Decode",
    "/DCTDecode",
    "/JPXDecode",
    "/Crypt",
}
_ANNOTATIONS = (
    "Text Link FreeText Line Square Circle Polygon PolyLine Highlight Underline Squiggly StrikeOut Stamp Caret Ink"
    " Popup FileAttachment Widget PrinterMark TrapNet Watermark Redact"
)
ANNOTATIONS = set(_ANNOTATIONS.split())
ACTIONS = {"/GoTo", "/GoToR", "/GoToE", "/Thread", "/URI", "/Named", "/SubmitForm"}
NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}


def problems(content: bytes, *, facturx: bool = False) -> list[str]:
    """Every PDF/A-3b rule above that `content` breaks (and the Factur-X ones with `facturx`)."""
    found = structure_problems(content)
    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except pikepdf.PdfError as exc:
        return [*found, f"6.1: pikepdf cannot read the file: {exc}"]
    groups = [object_problems, graphics_problems, font_problems, interactive_problems, metadata_problems]
    groups += [embedded_file_problems, facturx_problems] if facturx else [embedded_file_problems]
    with pdf:
        found += [f"6.1: qpdf: {p}" for p in pdf.check_pdf_syntax() + pdf.get_warnings()]
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            found.append("6.1.3: the trailer has /Encrypt")
        for group in groups:
            try:
                found += group(pdf)
            except pikepdf.PdfError as exc:  # a stream that cannot be decoded, a broken structure
                found.append(f"6.1.7: {group.__name__} could not read the file: {exc}")
    return found


# -- file structure, read from the bytes ------------------------------------------------------------------------


def structure_problems(raw: bytes) -> list[str]:
    found = []
    if not re.match(rb"%PDF-1\.[0-7](\r\n|\r|\n)%[\x80-\xff]{4}", raw):
        found.append(f"6.1.2: header {raw[:16]!r}: not %PDF-1.[0-7] then a comment of four bytes above 127")
    if not re.search(rb"%%EOF(\r\n|\r|\n)?\Z", raw):
        found.append("6.1.3: data after the last %%EOF")
    trailer = raw[raw.rfind(b"trailer") :]
    if not re.search(rb"/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]", trailer):
        found.append("6.1.3: the trailer has no /ID of two strings")
    startxref = re.search(rb"startxref\s+(\d+)\s+%%EOF(\r\n|\r|\n)?\Z", raw)
    if not startxref:
        return [*found, "6.1.4: no startxref pointing at the cross-reference table"]
    offsets, xref_found = _xref(raw, int(startxref[1]))
    found += xref_found
    for number, offset in offsets.items():
        found += _object_at(raw, number, offset)
    return found


def _xref(raw: bytes, start: int) -> tuple[dict[int, int], list[str]]:
    table = re.compile(rb"xref(\r\n|\r|\n)(\d+) (\d+)(\r\n|\r|\n| \r| \n)")
    found, offsets = [], {}
    header = table.match(raw, start)
    if not header:
        return {}, ["6.1.4: `xref` is not followed by one end-of-line and a subsection header (or is a stream)"]
    first, count, pos = int(header[2]), int(header[3]), header.end()
    for number in range(first, first + count):
        entry = re.match(rb"(\d{10}) (\d{5}) ([nf])(\r\n| \r| \n)", raw[pos : pos + 20])
        if not entry:
            return offsets, [*found, f"6.1.4: cross-reference entry {number} is not 20 bytes"]
        if entry[3] == b"n":
            offsets[number] = int(entry[1])
        pos += 20
    return offsets, found


def _object_at(raw: bytes, number: int, offset: int) -> list[str]:
    head = re.compile(rb"(\d+) (\d+) obj(\r\n|\r|\n)")
    found_head = head.match(raw, offset)
    if not found_head or int(found_head[1]) != number or raw[offset - 1 : offset] not in (b"\r", b"\n"):
        return [f"6.1.9: object {number} is not `N G obj` on a line of its own at offset {offset}"]
    end = raw.find(b"endobj", offset)
    body = raw[found_head.end() : end]
    found = [] if raw[end - 1 : end] in (b"\r", b"\n") else [f"6.1.9: `endobj` of object {number} ends a line"]
    stream = re.search(rb"stream(\r\n|\n)", body)
    length = re.search(rb"/Length (\d+)(?! \d+ R)", body[: stream.start()]) if stream else None
    if stream and length:  # an indirect /Length is checked by qpdf, which reads the stream by it
        data_end = found_head.end() + stream.end() + int(length[1])
        if not re.match(rb"(\r\n|\r|\n)endstream", raw[data_end : data_end + 12]):
            found.append(f"6.1.7: object {number}: /Length {int(length[1])} does not end at `endstream`")
    elif b"stream" in body and b"endstream" in body and not stream:
        found.append(f"6.1.7: object {number}: `stream` is not followed by CRLF or LF")
    return found


# -- every object: limits, names, filters, streams --------------------------------------------------------------


def object_problems(pdf: pikepdf.Pdf) -> list[str]:
    found: list[str] = []
    for obj in pdf.objects:
        _walk(obj, found, depth=0)
        if isinstance(obj, pikepdf.Stream):
            found += _stream_problems(obj)
    return sorted(set(found))


def _walk(obj: object, found: list[str], depth: int) -> None:
    if depth > 50:
        return
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        try:
            keys = list(obj)
        except UnicodeDecodeError:  # pikepdf gives names as str: one that is not UTF-8 cannot be read
            found.append("6.1.8: a dictionary key is not valid UTF-8")
            return
        for key in keys:
            _name(key, found)
            value = obj.get(key)
            if not getattr(value, "is_indirect", False):
                _walk(value, found, depth + 1)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            if not getattr(item, "is_indirect", False):
                _walk(item, found, depth + 1)
    elif isinstance(obj, pikepdf.Name):
        try:
            _name(str(obj), found)
        except UnicodeDecodeError:
            found.append("6.1.8: a name is not valid UTF-8")
    elif isinstance(obj, pikepdf.String) and len(bytes(obj)) > 32767:
        found.append("6.1.13: a string longer than 32767 bytes")
    elif isinstance(obj, int) and not -(2**31) <= obj <= 2**31 - 1:
        found.append(f"6.1.13: integer {obj} out of 32-bit range")


def _name(name: str, found: list[str]) -> None:
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        found.append(f"6.1.8: name {name!r} is not valid UTF-8")
        return
    if len(encoded) - 1 > 127:
        found.append(f"6.1.13: name {name[:20]}... longer than 127 bytes")


def _stream_problems(stream: pikepdf.Stream) -> list[str]:
    found = [f"6.1.7: a stream has /{k}" for k in ("F", "FFilter", "FDecodeParms") if f"/{k}" in stream]
    filters = stream.get("/Filter")
    names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    parms = stream.get("/DecodeParms")
    for i, name in enumerate(names):
        if str(name) not in FILTERS:
            found.append(f"6.1.7: filter {name} is not allowed")
        if str(name) == "/Crypt":
            parm = parms if isinstance(parms, pikepdf.Dictionary) else (parms[i] if parms is not None else None)
            if parm is None or parm.get("/Name") != "/Identity":
                found.append("6.1.7: Crypt filter other than Identity")
    return found


# -- annotations, actions, forms, optional content, catalog -----------------------------------------------------


def interactive_problems(pdf: pikepdf.Pdf) -> list[str]:
    root, found = pdf.Root, []
    if "/AA" in root:
        found.append("6.5.2: the catalog has /AA")
    if "/Requirements" in root:
        found.append("6.11: the catalog has /Requirements")
    if root.get("/NeedsRendering") is True:
        found.append("6.4: the catalog has NeedsRendering true")
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form:
        found.append("6.4: the AcroForm has /XFA")
    if form is not None and form.get("/NeedAppearances") is True:
        found.append("6.4: NeedAppearances is true")
    extra = set(root.get("/Perms", {}).keys()) - {"/UR3", "/DocMDP"}
    if extra:
        found.append(f"6.1.12: /Perms holds {sorted(extra)}")
    names = root.get("/Names", {})
    if "/JavaScript" in names:
        found.append("6.5.1: the name dictionary has /JavaScript")
    if "/AlternatePresentations" in names:
        found.append("6.10: the name dictionary has /AlternatePresentations")
    found += _optional_content(root)
    for n, page in enumerate(pdf.pages, start=1):
        found += [f"6.5.2: page {n} has /AA"] if "/AA" in page.obj else []
        found += [f"6.10: page {n} has /PresSteps"] if "/PresSteps" in page.obj else []
        for annot in page.obj.get("/Annots", []):
            found += _annotation(annot, n)
    return found + _actions(pdf)


def _annotation(annot: pikepdf.Dictionary, page: int) -> list[str]:
    subtype, found = str(annot.get("/Subtype", "/?"))[1:], []
    if subtype not in ANNOTATIONS:
        found.append(f"6.3.1: page {page}: annotation type {subtype} is not allowed")
    flags = annot.get("/F")
    if subtype != "Popup" and flags is None:
        found.append(f"6.3.2: page {page}: {subtype} annotation without /F")
    elif flags is not None and (int(flags) & 4 != 4 or int(flags) & (1 | 2 | 32 | 256)):
        found.append(f"6.3.2: page {page}: {subtype} annotation flags {int(flags)} (Print off or hidden)")
    rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
    appearance = annot.get("/AP")
    if appearance is None and subtype not in ("Popup", "Link") and (rect[0] != rect[2] or rect[1] != rect[3]):
        found.append(f"6.3.3: page {page}: {subtype} annotation without an appearance")
    if appearance is not None and set(appearance.keys()) != {"/N"}:
        found.append(f"6.3.3: page {page}: {subtype} appearance has {sorted(appearance.keys())}, not only /N")
    if subtype == "Widget" and ("/A" in annot or "/AA" in annot):
        found.append(f"6.4.1: page {page}: a widget with an action")
    return found


def _actions(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        if "/JS" in obj:
            found.append("6.5.1: a JavaScript (/JS) entry")
        candidates = [obj.get("/A"), obj.get("/Next")]
        if obj.get("/Type") == "/Action":
            candidates.append(obj)
        if obj.get("/Type") == "/Catalog" and isinstance(obj.get("/OpenAction"), pikepdf.Dictionary):
            candidates.append(obj.get("/OpenAction"))
        for action in candidates:
            if isinstance(action, pikepdf.Dictionary) and "/S" in action:
                kind = action.get("/S")
                if str(kind) not in ACTIONS:
                    found.append(f"6.5.1: {kind} action")
                elif kind == "/Named" and str(action.get("/N")) not in NAMED:
                    found.append(f"6.5.1: named action {action.get('/N')}")
    return sorted(set(found))


def _optional_content(root: pikepdf.Dictionary) -> list[str]:
    properties = root.get("/OCProperties")
    if properties is None:
        return []
    configs = [properties.get("/D"), *properties.get("/Configs", [])]
    names = [str(c.get("/Name", "")) for c in configs if c is not None]
    found = ["6.9: an optional content configuration without a name" for n in names if not n]
    if len(set(names)) < len(names):
        found.append("6.9: two optional content configurations share a name")
    groups = {g.objgen for g in properties.get("/OCGs", [])}
    for config in filter(None, configs):
        if "/AS" in config:
            found.append("6.9: a configuration has /AS")
        order = config.get("/Order")
        if order is not None and groups - {o.objgen for o in _flat(order)}:
            found.append("6.9: an Order does not list every optional content group")
    return found


def _flat(array: pikepdf.Array) -> list[pikepdf.Object]:
    out = []
    for item in array:
        out += _flat(item) if isinstance(item, pikepdf.Array) else [item]
    return out


# -- embedded files ------------------------------------------------------------------------------------------


def file_specs(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every file specification that carries an embedded file."""
    return [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/EF" in o]


def embedded_file_problems(pdf: pikepdf.Pdf) -> list[str]:
    associated = set()
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and isinstance(obj.get("/AF"), pikepdf.Array):
            associated |= {spec.objgen for spec in obj.get("/AF")}
    found = []
    for spec in file_specs(pdf):
        name = str(spec.get("/UF", spec.get("/F", "?")))
        found += [f"6.8: file spec {name} has no /{k}" for k in ("F", "UF", "AFRelationship") if f"/{k}" not in spec]
        stream = spec.EF.get("/F")
        if stream is None or "/Subtype" not in stream:
            found.append(f"6.8: embedded file {name} has no MIME /Subtype")
        if spec.objgen not in associated:
            found.append(f"6.8: file spec {name} is in no /AF array")
    return found
