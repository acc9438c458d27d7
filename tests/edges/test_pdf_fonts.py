"""The fonts are parsed once a process (edges/pdf.py `add_font`); the PDFs are those of fpdf2's own add_font."""

from __future__ import annotations

from pathlib import Path

import pytest

import dunner.edges.pdf as pdf_module
from documents_builders import add_acme, issued


def fpdf2_add_font(pdf, style: str, path: Path) -> None:
    pdf.add_font(pdf_module.FONT, style, str(path))


def documents(dunner) -> dict[str, bytes]:
    out = {}
    for number in ("F-2026-0001", "F-2026-0002"):
        for extra in ((), ("--facturx",)):
            target = Path(f"{number}{''.join(extra)}.pdf")
            dunner("pdf", number, "-o", str(target), *extra)
            out[target.name] = target.read_bytes()
    return out


def test_the_parsed_fonts_give_the_same_bytes_as_fpdf2s_own(dunner, configure, monkeypatch):
    configure()
    add_acme(dunner)
    issued(dunner("invoice", "ACME", "--line", "Maquettes;3;450;20", "--line", "Formation;0,5;800;10"))
    issued(dunner("invoice", "ACME", "--line", "Œuvre « spéciale » — 1 234,56 €;1;1234,56;5,5"))  # other glyphs
    parsed = []
    from fpdf import fonts, fpdf

    class Counting(fonts.TTFFont):
        __slots__ = ()

        def __init__(self, *args, **kwargs):
            parsed.append(args[2])
            super().__init__(*args, **kwargs)

    for module in (fonts, fpdf):  # where dunner and fpdf2's add_font find it
        monkeypatch.setattr(module, "TTFFont", Counting)
    pdf_module._PARSED.clear()
    cached = documents(dunner)
    assert sorted(parsed) == ["dejavu", "dejavuB"]  # each font parsed once for the four documents
    monkeypatch.setattr(pdf_module, "add_font", fpdf2_add_font)
    own = documents(dunner)
    assert len(parsed) == 2 + 2 * 4  # fpdf2's own add_font parses both fonts for every document
    assert cached == own


def test_a_font_file_changed_on_disk_is_parsed_again(tmp_path):
    from fpdf import FPDF

    from dunner.edges.resources import templates_dir

    fonts = pdf_module.fonts_dir(templates_dir())
    copy = tmp_path / "DejaVuSans.ttf"
    copy.write_bytes((fonts / "DejaVuSans.ttf").read_bytes())
    pdf_module._PARSED.clear()
    pdf_module.add_font(FPDF(), "", copy)
    copy.write_bytes((fonts / "DejaVuSans-Bold.ttf").read_bytes())  # another font under the same name
    document = FPDF()
    pdf_module.add_font(document, "", copy)
    assert len(pdf_module._PARSED) == 2
    assert document.fonts["dejavu"].name == "DejaVuSansBold"


@pytest.fixture(autouse=True)
def _forget_parsed_fonts():
    yield
    pdf_module._PARSED.clear()
