"""The XMP metadata packet of a PDF/A-3b document (ISO 19005-3 6.6): what the document is, who made it and when,
its PDF/A level, and any non-standard schema (Factur-X's) declared as PDF/A requires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}


@dataclass(frozen=True)
class Extension:
    """A schema outside XMP's own, declared in the packet (6.6.2.3); its properties are Text, set to `values`."""

    name: str
    namespace: str
    prefix: str
    properties: tuple[tuple[str, str, str], ...]  # (name, description, value)


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    creator_tool: str
    producer: str
    created: datetime  # also the modification date: a document is written once, from its ledger entries
    extensions: tuple[Extension, ...] = ()


def packet(meta: Metadata) -> str:
    """The <x:xmpmeta> element (fpdf2 wraps it in its xpacket), PDF/A-3 level B."""
    declarations = " ".join(f'xmlns:{p}="{uri}"' for p, uri in NAMESPACES.items())
    declarations += "".join(f' xmlns:{e.prefix}="{escape(e.namespace)}"' for e in meta.extensions)
    stamp = meta.created.isoformat(timespec="seconds")
    body = [
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.title)}</rdf:li></rdf:Alt></dc:title>',
        f"<dc:creator><rdf:Seq><rdf:li>{escape(meta.author)}</rdf:li></rdf:Seq></dc:creator>" if meta.author else "",
        f"<xmp:CreatorTool>{escape(meta.creator_tool)}</xmp:CreatorTool>",
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>",
        f"<pdf:Producer>{escape(meta.producer)}</pdf:Producer>",
    ]
    if meta.extensions:
        schemas = "".join(map(_schema, meta.extensions))
        body.append(f"<pdfaExtension:schemas><rdf:Bag>{schemas}</rdf:Bag></pdfaExtension:schemas>")
    for extension in meta.extensions:
        body += [f"<{extension.prefix}:{n}>{escape(v)}</{extension.prefix}:{n}>" for n, _, v in extension.properties]
    lines = "\n      ".join(filter(None, body))
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n  <rdf:RDF {declarations}>\n    <rdf:Description rdf:about="">\n'
        f"      {lines}\n    </rdf:Description>\n  </rdf:RDF>\n</x:xmpmeta>"
    )


def _schema(extension: Extension) -> str:
    properties = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{escape(name)}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(description)}</pdfaProperty:description></rdf:li>"
        for name, description, _ in extension.properties
    )
    return (
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaSchema:schema>{escape(extension.name)}</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{escape(extension.namespace)}</pdfaSchema:namespaceURI>"
        f"<pdfaSchema:prefix>{escape(extension.prefix)}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property></rdf:li>"
    )
