"""The floor of the PDF rows: minimal fpdf2 documents with dunner's fonts and page, one process.

    python bench/baseline_pdf.py FONTS COUNT [COMMAND...]

Writes COUNT A4 documents, each with the two DejaVu fonts added through fpdf2's own `add_font` (parsed for
every document, as fpdf2 does), one page, a line of text in each font, output to bytes, then runs COMMAND
(the same `dunner remind` without PDFs, for the row that compares a run with PDFs against this floor).
It imports nothing from dunner.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fpdf import FPDF


def document(fonts: Path, n: int) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(16, 14, 16)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, f"Facture n° F-{n:07}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, "Prestations — 1 234,56 € TTC, TVA 20 %", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def main() -> None:
    fonts, count = Path(sys.argv[1]), int(sys.argv[2])
    size = sum(len(document(fonts, n)) for n in range(count))
    if sys.argv[3:]:
        subprocess.run(sys.argv[3:], stdout=subprocess.DEVNULL, check=True)
    print(f"{count} documents, {size} bytes")


if __name__ == "__main__":
    main()
