"""PDF output with fpdf2 (pure Python: installs with pip alone), from HTML rendered by a template.

fpdf2 reads a subset of HTML: headings, paragraphs, tables whose cells hold plain text, images (the
QR code as a data URI), horizontal rules. The fonts ship with dunner (DejaVu Sans, which has the euro
sign and French typography that PDF core fonts lack) and are embedded in every document.

Every document is PDF/A-3b (ISO 19005-3): fpdf2's compliance mode refuses fonts it would not embed;
dunner adds the sRGB output intent (the ICC profile fpdf2 ships), the XMP packet (edges.xmp) and an Info
dictionary saying the same. An attachment (the Factur-X XML) is a PDF/A-3 associated file, listed in the
catalog's /AF. Dates come from the document, never from the clock: printing the same document twice gives
the same bytes.
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
CREATOR = "dunner"


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
    from fpdf import FPDF
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
    add_font(pdf, "", fonts / "DejaVuSans.ttf")
    add_font(pdf, "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.set_lang(language)
    _describe(pdf, title, author, stamp, attachment)
    try:
        pdf.add_page()
        pdf.set_font(FONT, size=9)
        pdf.write_html(html, font_family=FONT, tag_styles=_styles())
        return bytes(pdf.output(output_producer_class=_producer()))
    except PDFAComplianceError:  # fpdf2 refuses the PDF core fonts: it does not embed them, PDF/A must
        raise BadInput(
            f"{title}: a template asks for a PDF core font (Helvetica, Times, Courier...), which is never embedded",
            hint="PDF/A embeds every font: leave the font to dunner (DejaVu Sans) in your templates",
        ) from None


# Each font file parsed once a process (its metrics, its character map: ~35 ms a font), keyed by the file
# as it is on disk. The parsed font never goes into a document itself: see add_font.
_PARSED: dict[tuple[str, str, int, int], Any] = {}


def add_font(pdf: Any, style: str, path: Path) -> None:
    """`pdf.add_font(FONT, style, path)`, with the parsing done once a process.

    fpdf2 parses the whole font in `add_font` and, at output, subsets that parsed font in place. So each
    document gets a copy of the parsed font with its own state: a fresh, lazily read fontTools font for
    the output to subset, and empty sets of used and missing glyphs. The PDF is the same, byte for byte,
    as with fpdf2's own `add_font` (tests/edges/test_pdf_fonts.py)."""
    import copy

    from fontTools import ttLib
    from fpdf.fonts import SubsetMap, TTFFont

    info = path.stat()
    key = (str(path), style, info.st_mtime_ns, info.st_size)
    model = _PARSED.get(key)
    if model is None:
        model = TTFFont(pdf, path, f"{FONT.lower()}{style}", style)
        tables = model.ttfont
        if model.color_font is not None or ("glyf" in tables and ".notdef" not in tables["glyf"]):
            pdf.add_font(FONT, style, str(path))  # a font fpdf2 completes or draws itself: no copy of it
            return
        _PARSED[key] = model
    font = copy.copy(model)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(path, recalcTimestamp=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[font.fontkey] = font


def _describe(pdf: Any, title: str, author: str, stamp: datetime, attachment: Attachment | None) -> None:
    """The document's metadata (Info and XMP alike), its output intent, and the attachment with its schema."""
    from fpdf import FPDF_VERSION
    from fpdf.enums import OutputIntentSubType
    from fpdf.output import PDFICCProfile
    from fpdf.util import builtin_srgb2014_bytes

    producer = f"fpdf2 {FPDF_VERSION}"
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(CREATOR)
    pdf.set_producer(producer)
    pdf.set_creation_date(stamp)
    # sRGB IEC 61966-2-1, the ICC's sRGB2014 v2 profile that fpdf2 ships (the ICC lets anyone embed it).
    pdf.add_output_intent(
        OutputIntentSubType.PDFA,
        output_condition_identifier="sRGB",
        output_condition="IEC 61966-2-1:1999",
        registry_name="http://www.color.org",
        dest_output_profile=PDFICCProfile(contents=builtin_srgb2014_bytes(), n=3, alternate="DeviceRGB"),
        info="sRGB2014 (v2)",
    )
    schemas = (attachment.schema,) if attachment and attachment.schema else ()
    pdf.set_xmp_metadata(packet(Metadata(title, author, CREATOR, producer, stamp, schemas)))
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


def _producer() -> type:
    """fpdf2's writer, keeping the Info dictionary that its PDF/A mode leaves out.

    PDF/A-3 allows an Info dictionary when it says what the XMP says, and many readers show only that (the
    title in a viewer's window, a mail client's preview). fpdf2 skips it while its compliance flag is set, and
    that flag only decides the Info dictionary and a generated XMP (dunner writes its own) once writing starts."""
    from fpdf.output import OutputProducer
    from fpdf.syntax import PDFDate

    class WithInfo(OutputProducer):
        def bufferize(self) -> bytearray:
            compliance, self.fpdf._compliance = self.fpdf._compliance, None
            try:
                return super().bufferize()
            finally:
                self.fpdf._compliance = compliance

        def _add_info(self) -> Any:
            info = super()._add_info()
            info.mod_date = PDFDate(self.fpdf.creation_date, with_tz=True, encrypt=True)  # = xmp:ModifyDate
            return info

    return WithInfo


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
