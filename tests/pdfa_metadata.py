"""PDF/A-3b metadata rules (ISO 19005-3 6.6) and the Factur-X 1.0 attachment rules, for tests/pdfa.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pikepdf
from lxml import etree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DC, XMP, PDF = "http://purl.org/dc/elements/1.1/", "http://ns.adobe.com/xap/1.0/", "http://ns.adobe.com/pdf/1.3/"
PDFAID, EXTENSION = "http://www.aiim.org/pdfa/ns/id/", "http://www.aiim.org/pdfa/ns/extension/"
SCHEMA, PROPERTY = "http://www.aiim.org/pdfa/ns/schema#", "http://www.aiim.org/pdfa/ns/property#"
FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
# The predefined schemas' properties that dunner could meet (XMP Specification 2005, ISO 19005), with their types.
PREDEFINED = {
    DC: {"contributor": "Bag", "coverage": "Text", "creator": "Seq", "date": "Seq", "description": "Lang Alt"}
    | {"format": "Text", "identifier": "Text", "language": "Bag", "publisher": "Bag", "relation": "Bag"}
    | {"rights": "Lang Alt", "source": "Text", "subject": "Bag", "title": "Lang Alt", "type": "Bag"},
    XMP: {"Advisory": "Bag", "BaseURL": "Text", "CreateDate": "Date", "CreatorTool": "Text", "Identifier": "Bag"}
    | {"Label": "Text", "MetadataDate": "Date", "ModifyDate": "Date", "Nickname": "Text", "Rating": "Text"},
    PDF: {"Keywords": "Text", "PDFVersion": "Text", "Producer": "Text", "Trapped": "Text"},
    PDFAID: {"part": "Integer", "conformance": "Text", "amd": "Text", "corr": "Text"},
    "http://ns.adobe.com/xap/1.0/mm/": {"DocumentID": "Text", "InstanceID": "Text", "VersionID": "Text"},
    EXTENSION: {"schemas": "Bag"},
}
_BASIC = "Boolean Date Integer Real Text AgentName ProperName URI URL Locale MIMEType GUID Rational"
BASIC_TYPES = set(_BASIC.split())
TWINS = {  # Info entry -> its XMP property (ISO 19005-1 6.7.3, Table 1)
    "/Title": (DC, "title"),
    "/Author": (DC, "creator"),
    "/Subject": (DC, "description"),
    "/Keywords": (PDF, "Keywords"),
    "/Creator": (XMP, "CreatorTool"),
    "/Producer": (PDF, "Producer"),
    "/CreationDate": (XMP, "CreateDate"),
    "/ModDate": (XMP, "ModifyDate"),
}
DATE = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?)?)?")


def metadata_problems(pdf: pikepdf.Pdf) -> list[str]:
    stream = pdf.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return ["6.6.2.1: the catalog has no /Metadata stream"]
    found = []
    if stream.get("/Type") != "/Metadata" or stream.get("/Subtype") != "/XML":
        found.append("6.6.2.1: the metadata stream is not /Type /Metadata /Subtype /XML")
    data = stream.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return [*found, "6.6.2.1: the XMP packet is not UTF-8"]
    header = re.search(rb"<\?xpacket begin=[^>]*\?>", data)
    if header and re.search(rb"\b(bytes|encoding)=", header[0]):
        found.append("6.6.2.1: the xpacket header has a bytes or encoding attribute")
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        return [*found, f"6.6.2.1: the XMP is not well-formed: {exc}"]
    properties = xmp_properties(root)
    found += _schemas(root, properties) + extension_problems(root)
    found += _identification(properties)
    return found + _info(pdf, properties)


def xmp_properties(root: etree._Element) -> dict[tuple[str, str], list]:
    """{(namespace, name): [element or attribute value, ...]} over every rdf:Description of the packet."""
    found: dict[tuple[str, str], list] = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        if description.getparent().tag != f"{{{RDF}}}RDF":
            continue  # a structure's fields, not top-level properties
        for key, value in description.attrib.items():
            if key.startswith("{") and not key.startswith(f"{{{RDF}}}") and key != XML_LANG:
                found.setdefault(tuple(key[1:].split("}")), []).append(value)
        for child in description:
            if isinstance(child.tag, str):
                found.setdefault(tuple(child.tag[1:].split("}")), []).append(child)
    return found


def _schemas(root: etree._Element, properties: dict) -> list[str]:
    declared, found = _extension_schemas(properties.get((EXTENSION, "schemas"), [])), []
    for (namespace, name), values in properties.items():
        kind = PREDEFINED.get(namespace, {}).get(name) or declared.get(namespace, {}).get(name)
        if kind is None:
            found.append(f"6.6.2.3: XMP property {{{namespace}}}{name} is neither predefined nor declared")
            continue
        found += [f"6.6.2.3: XMP property {name} is not a {kind}" for v in values if not _has_type(v, kind)]
    return found


def _extension_schemas(containers: list) -> dict[str, dict[str, str]]:
    """The properties each well-formed extension schema declares, {namespace: {name: value type}}."""
    declared: dict[str, dict[str, str]] = {}
    for container in containers:
        bag = container.find(f"{{{RDF}}}Bag") if not isinstance(container, str) else None
        for schema in bag if bag is not None else []:
            fields = _fields(schema)
            namespace = fields.get((SCHEMA, "namespaceURI"))
            properties = fields.get((SCHEMA, "property"))
            if namespace is None or properties is None:
                continue
            declared[namespace.text] = {}
            for entry in properties.find(f"{{{RDF}}}Seq") if properties.find(f"{{{RDF}}}Seq") is not None else []:
                prop = {k[1]: v.text for k, v in _fields(entry).items() if k[0] == PROPERTY}
                if {"name", "valueType", "category", "description"} <= set(prop):
                    declared[namespace.text][prop["name"]] = prop["valueType"]
    return declared


def _fields(item: etree._Element) -> dict[tuple[str, str], etree._Element]:
    holder = item.find(f"{{{RDF}}}Description") if item.get(f"{{{RDF}}}parseType") != "Resource" else item
    return {tuple(c.tag[1:].split("}")): c for c in (holder if holder is not None else []) if isinstance(c.tag, str)}


def extension_problems(root: etree._Element) -> list[str]:
    """6.6.2.3.3: each extension schema has exactly the container schema's fields, with valid values."""
    found = []
    for bag in root.iter(f"{{{EXTENSION}}}schemas"):
        if bag.find(f"{{{RDF}}}Bag") is None:
            found.append("6.6.2.3: pdfaExtension:schemas is not a Bag")
            continue
        for schema in bag.find(f"{{{RDF}}}Bag"):
            fields = _fields(schema)
            names = {k[1] for k in fields if k[0] == SCHEMA}
            if not {"schema", "namespaceURI", "prefix"} <= names or names - {
                "schema",
                "namespaceURI",
                "prefix",
                "property",
                "valueType",
            }:
                found.append(f"6.6.2.3: an extension schema has the fields {sorted(names)}")
            seq = fields.get((SCHEMA, "property"))
            for entry in seq.find(f"{{{RDF}}}Seq") if seq is not None and seq.find(f"{{{RDF}}}Seq") is not None else []:
                prop = {k[1]: v.text for k, v in _fields(entry).items()}
                if set(prop) != {"name", "valueType", "category", "description"}:
                    found.append(f"6.6.2.3: extension property {prop.get('name')} has the fields {sorted(prop)}")
                elif prop["category"] not in ("internal", "external") or not _type_known(prop["valueType"]):
                    found.append(f"6.6.2.3: extension property {prop['name']}: {prop['category']}, {prop['valueType']}")
    return found


def _type_known(value_type: str) -> bool:
    words = value_type.split()
    if value_type == "Lang Alt" or (len(words) == 2 and words[0] in ("Seq", "Bag", "Alt")):
        return len(words) < 2 or words[1] in BASIC_TYPES | {"Alt"}
    return value_type in BASIC_TYPES


def _has_type(value: object, kind: str) -> bool:
    if isinstance(value, str):  # an attribute: a simple value
        return kind in ("Text", "Integer", "Date") and (kind != "Integer" or value.strip().isdigit())
    containers = [c.tag.split("}")[1] for c in value if isinstance(c.tag, str) and c.tag.startswith(f"{{{RDF}}}")]
    first = kind.split()[0]
    if kind == "Lang Alt":
        alt = value.find(f"{{{RDF}}}Alt")
        return alt is not None and all(li.get(XML_LANG) for li in alt)
    if first in ("Seq", "Bag", "Alt"):
        return containers == [first]
    if len(value) or containers:
        return False
    text = (value.text or "").strip()
    return {"Integer": text.isdigit(), "Date": bool(DATE.fullmatch(text))}.get(first, True)


def _identification(properties: dict) -> list[str]:
    part, conformance = properties.get((PDFAID, "part"), []), properties.get((PDFAID, "conformance"), [])
    if not part or not conformance:
        return ["6.6.4: no PDF/A identification (pdfaid:part and pdfaid:conformance)"]
    found = [f"6.6.4: pdfaid:part is {text_of(part[0])!r}, not 3" for _ in [1] if text_of(part[0]) != "3"]
    found += [
        f"6.6.4: pdfaid:conformance is {text_of(conformance[0])!r}" for _ in [1] if text_of(conformance[0]) != "B"
    ]
    for value in part + conformance:
        if not isinstance(value, str) and value.prefix != "pdfaid":
            found.append(f"6.6.4: the identification uses the prefix {value.prefix!r}, not pdfaid")
    return found


def text_of(value: object) -> str:
    """A simple value, or the x-default (or only) item of an array."""
    if isinstance(value, str):
        return value
    items = value.findall(f"{{{RDF}}}*/{{{RDF}}}li")
    if not items:
        return (value.text or "").strip()
    defaults = [li for li in items if li.get(XML_LANG) == "x-default"]
    return ", ".join((li.text or "") for li in (defaults or items))


def _info(pdf: pikepdf.Pdf, properties: dict) -> list[str]:
    info = pdf.trailer.get("/Info")
    if info is None:
        return []
    found = []
    for key, twin in TWINS.items():
        if key not in info:
            continue
        xmp = properties.get(twin)
        value = str(info[key])
        if not xmp:
            found.append(f"Info/XMP: Info {key} has no XMP {twin[1]}")
        elif key.endswith("Date") and pdf_date(value) != _xmp_date(text_of(xmp[0])):
            found.append(f"Info/XMP: Info {key} {value} is not XMP {twin[1]} {text_of(xmp[0])}")
        elif not key.endswith("Date") and text_of(xmp[0]) != value:
            found.append(f"Info/XMP: Info {key} {value!r} is not XMP {twin[1]} {text_of(xmp[0])!r}")
    return found


def pdf_date(value: str) -> datetime | None:
    found = re.fullmatch(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(Z|([+-])(\d\d)'?(\d\d)?'?)?", value)
    if not found:
        return None
    defaults = ("0", "1", "1", "0", "0", "0")
    stamp = datetime(*(int(p or d) for p, d in zip(found.groups()[:6], defaults, strict=True)))
    if not found[7]:
        return stamp
    offset = timedelta(hours=int(found[9] or 0), minutes=int(found[10] or 0)) * (-1 if found[8] == "-" else 1)
    return stamp.replace(tzinfo=timezone(offset)).astimezone(UTC)


def _xmp_date(value: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(UTC) if stamp.tzinfo else stamp


# -- Factur-X 1.0 ------------------------------------------------------------------------------------------


def facturx_problems(pdf: pikepdf.Pdf) -> list[str]:
    specs = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/EF" in o]
    named = [s for s in specs if str(s.get("/UF", s.get("/F"))) == "factur-x.xml"]
    if len(named) != 1:
        return [f"Factur-X: {len(named)} embedded factur-x.xml files, not one"]
    spec, found = named[0], []
    if str(spec.get("/AFRelationship")) not in ("/Data", "/Source", "/Alternative"):
        found.append(f"Factur-X: AFRelationship {spec.get('/AFRelationship')}, not Data, Source or Alternative")
    stream = spec.EF.F
    if stream.get("/Subtype") != "/text/xml":
        found.append(f"Factur-X: the XML's MIME type is {stream.get('/Subtype')}")
    if "/ModDate" not in stream.get("/Params", {}):
        found.append("Factur-X: the embedded file has no /Params /ModDate")
    try:
        etree.fromstring(stream.read_bytes())
    except etree.XMLSyntaxError as exc:
        found.append(f"Factur-X: factur-x.xml is not well-formed: {exc}")
    try:
        root = etree.fromstring(pdf.Root.Metadata.read_bytes())
    except (AttributeError, etree.XMLSyntaxError):
        return [*found, "Factur-X: no readable XMP for the fx: properties"]
    values = {name: text_of(v[0]) for (ns, name), v in xmp_properties(root).items() if ns == FX}
    expected = {"DocumentType": "INVOICE", "DocumentFileName": "factur-x.xml", "Version": "1.0"}
    for name, value in (expected | {"ConformanceLevel": "EN 16931"}).items():
        if values.get(name) != value:
            found.append(f"Factur-X: XMP fx:{name} is {values.get(name)!r}, not {value!r}")
    return found
