"""PDF output with fpdf2 (pure Python: installs with pip alone), from HTML rendered by a template.

fpdf2 reads a subset of HTML: headings, paragraphs, tables whose cells hold plain text, images (the
QR code as a data URI), horizontal rules. The fonts ship with dunner (DejaVu Sans, which has the euro
sign and French typography that PDF core fonts lack) and are embedded in every document.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

FONT = "DejaVu"


def render_pdf(html: str, *, fonts: Path, title: str, author: str, footer: str, created: date) -> bytes:
    """A4 PDF of `html`, fonts embedded, with `footer` and page numbers at the bottom of each page."""
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(FONT, size=7)
            self.set_text_color(110)
            self.multi_cell(0, 3.5, footer, align="C")
            self.cell(0, 3.5, f"{self.page_no()}/{{nb}}", align="C")

    pdf = Document(format="A4")
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("dunner")
    pdf.set_creation_date(datetime.combine(created, time(12)))
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    pdf.write_html(html, font_family=FONT, tag_styles=_styles())
    return bytes(pdf.output())


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
