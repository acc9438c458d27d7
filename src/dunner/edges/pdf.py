"""PDF output with fpdf2 (pure Python: installs with pip alone), from HTML rendered by a template.

fpdf2 reads a subset of HTML: headings, paragraphs, tables whose cells hold plain text, images (the
QR code as a data URI), horizontal rules. The fonts ship with dunner (DejaVu Sans, which has the euro
sign and French typography that PDF core fonts lack) and are embedded in every document.

Every document is PDF/A-3b (ISO 19005-3): fpdf2's compliance mode adds the sRGB output intent (the ICC
profile it ships), refuses fonts it would not embed, and writes no Info dictionary, so the XMP packet
(edges.xmp) is the one place for the metadata. An attachment (the Factur-X XML) is a PDF/A-3 associated
file, listed in the catalog's /AF. Dates come from the document, never from the clock: printing the same
document twice gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput
from dunner.edges.xmp import Extension, Metadata, packet

FONT = "DejaVu"
COMPLIANCE = "PDF/A-3B"


@dataclass(frozen=True)
class Attachment:
    """A file carried inside the PDF, with how it relates to the document and the XMP schema describing it."""

    name: str
    data: bytes
    mime: str
    description: str
    relationship: str  # PDF/A-3 AFRelationship: Data, Source, Alternative, Supplement, Unspecified
    schema: Extension | None = None


def render_pdf(
    html: str,
    *,
    fonts: Path,
    title: str,
    author: str,
    footer: str,
    created: date,
    language: str,
    attachment: Attachment | None = None,
) -> bytes:
    """A4 PDF/A-3b of `html`, fonts embedded, with `footer` and page numbers at the bottom of each page."""
    from fpdf import FPDF, FPDF_VERSION
    from fpdf.errors import PDFAComplianceError

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(FONT, size=7)
            self.set_text_color(110)
            self.multi_cell(0, 3.5, footer, align="C")
            self.cell(0, 3.5, f"{self.page_no()}/{{nb}}", align="C")

    stamp = datetime.combine(created, time(12), tzinfo=UTC)  # noon UTC: the same day in every time zone
    pdf = Document(format="A4", enforce_compliance=COMPLIANCE)
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_creation_date(stamp)
    pdf.set_lang(language)
    schemas = (attachment.schema,) if attachment and attachment.schema else ()
    pdf.set_xmp_metadata(packet(Metadata(title, author, "dunner", f"fpdf2 {FPDF_VERSION}", stamp, schemas)))
    if attachment:
        pdf.page_mode = "USE_ATTACHMENTS"  # viewers open the attachments panel: the XML is in sight
        pdf.embed_file(
            bytes=attachment.data,
            basename=attachment.name,
            mime_type=attachment.mime,
            desc=attachment.description,
            associated_file_relationship=attachment.relationship,
            modification_date=stamp,
            compress=True,
            checksum=True,
        )
    try:
        pdf.add_page()
        pdf.set_font(FONT, size=9)
        pdf.write_html(html, font_family=FONT, tag_styles=_styles())
        return bytes(pdf.output())
    except PDFAComplianceError:  # fpdf2 refuses the PDF core fonts: it does not embed them, PDF/A must
        raise BadInput(
            f"{title}: a template asks for a PDF core font (Helvetica, Times, Courier...), which is never embedded",
            hint="PDF/A embeds every font: leave the font to dunner (DejaVu Sans) in your templates",
        ) from None


def _styles() -> dict[str, Any]:
    from fpdf.fonts import TextStyle

    return {
        "h1": TextStyle(font_family=FONT, font_style="B", font_size_pt=15, color=(30, 30, 30), t_margin=4, b_margin=2),
        "h2": TextStyle(
            font_family=FONT, font_style="B", font_size_pt=10.5, color=(40, 40, 40), t_margin=3, b_margin=1
        ),
        "p": TextStyle(font_family=FONT, font_size_pt=9, t_margin=1, b_margin=1),
    }


def fonts_dir(user_templates: Path | None) -> Path:
    """The user's fonts/ folder if it has the fonts, else the packaged ones."""
    from dunner.edges.resources import templates_dir

    if user_templates and (user_templates / "fonts" / "DejaVuSans.ttf").exists():
        return user_templates / "fonts"
    return templates_dir() / "fonts"
