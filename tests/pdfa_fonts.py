"""PDF/A-3b font rules (ISO 19005-3 6.2.11) for tests/pdfa.py: embedded programs, glyphs present, widths equal.

The embedded programs are read with fontTools (fpdf2 depends on it to subset the fonts it embeds)."""

from __future__ import annotations

import io
from collections import defaultdict

import pikepdf
from fontTools.ttLib import TTFont

from pdfa_graphics import TEXT, content_streams, instructions

SIMPLE = ("/Type1", "/MMType1", "/TrueType", "/Type3")
PROGRAMS = ("/FontFile", "/FontFile2", "/FontFile3")


def font_problems(pdf: pikepdf.Pdf) -> list[str]:
    fonts, shown = _shown(pdf)
    found: list[str] = []
    for key, font in fonts.items():
        name = str(font.get("/BaseFont", key))
        found += _dictionary(font, name)
        if font.get("/Subtype") == "/Type0":
            found += _type0(font, name, shown[key])
        elif font.get("/Subtype") in SIMPLE:
            if font.get("/Subtype") != "/Type3" and not any(p in font.get("/FontDescriptor", {}) for p in PROGRAMS):
                found.append(f"6.2.11.4: font {name} is not embedded")
            found.append(f"6.2.11: simple font {name} ({font.get('/Subtype')}): this checker reads Type0 fonts only")
    return found


def _shown(pdf: pikepdf.Pdf) -> tuple[dict, dict]:
    """Every font the content streams name, and the bytes each shows."""
    fonts: dict[tuple[int, int], pikepdf.Dictionary] = {}
    shown: dict[tuple[int, int], bytearray] = defaultdict(bytearray)
    for stream in content_streams(pdf):
        for font in stream.resources.get("/Font", {}).values():
            fonts[font.objgen] = font
        current, saved = None, []
        for operands, op in instructions(stream):
            if op == "q":
                saved.append(current)
            elif op == "Q" and saved:
                current = saved.pop()
            elif op == "Tf":
                current = stream.resources.get("/Font", {}).get(str(operands[0]))
            elif op in TEXT and current is not None:
                strings = operands[-1] if op == "TJ" else [operands[-1]]
                for s in strings:
                    if isinstance(s, pikepdf.String):
                        shown[current.objgen] += bytes(s)
    return fonts, shown


def _dictionary(font: pikepdf.Dictionary, name: str, subtypes: tuple[str, ...] = (*SIMPLE, "/Type0")) -> list[str]:
    found = [f"6.2.11.2: font {name} has no /Type /Font"] if font.get("/Type") != "/Font" else []
    if font.get("/Subtype") not in subtypes:
        found.append(f"6.2.11.2: font {name} has Subtype {font.get('/Subtype')}")
    if font.get("/Subtype") != "/Type3" and "/BaseFont" not in font:
        found.append("6.2.11.2: a font without /BaseFont")
    return found


def _type0(font: pikepdf.Dictionary, name: str, shown: bytes) -> list[str]:
    encoding = font.get("/Encoding")
    if str(encoding) not in ("/Identity-H", "/Identity-V"):
        return [f"6.2.11.3: font {name}: encoding {encoding}, not Identity-H/V (embedded CMaps are not checked here)"]
    cid_font = font.DescendantFonts[0]
    found = _dictionary(cid_font, name, ("/CIDFontType0", "/CIDFontType2"))
    subtype, descriptor = cid_font.get("/Subtype"), cid_font.get("/FontDescriptor", {})
    program = descriptor.get("/FontFile2") if subtype == "/CIDFontType2" else descriptor.get("/FontFile3")
    if subtype == "/CIDFontType2" and "/CIDToGIDMap" not in cid_font:
        found.append(f"6.2.11.3: CIDFontType2 {name} has no CIDToGIDMap")
    if program is None:
        return [*found, f"6.2.11.4: font {name} is not embedded"]
    if subtype != "/CIDFontType2":
        return [*found, f"6.2.11: font {name} is {subtype}: this checker reads TrueType programs only"]
    cids = sorted({int.from_bytes(shown[i : i + 2], "big") for i in range(0, len(shown) - 1, 2)})
    return found + _glyphs(cid_font, TTFont(io.BytesIO(program.read_bytes())), cids, name)


def _glyphs(cid_font: pikepdf.Dictionary, program: TTFont, cids: list[int], name: str) -> list[str]:
    to_gid = cid_font.get("/CIDToGIDMap")
    table = to_gid.read_bytes() if isinstance(to_gid, pikepdf.Stream) else None
    order, metrics = program.getGlyphOrder(), program["hmtx"].metrics
    scale = 1000 / program["head"].unitsPerEm
    widths, default = _widths(cid_font.get("/W", [])), float(cid_font.get("/DW", 1000))
    cid_set = cid_font.FontDescriptor.get("/CIDSet")
    listed = cid_set.read_bytes() if cid_set is not None else None
    found = []
    for cid in cids:
        gid = int.from_bytes(table[2 * cid : 2 * cid + 2], "big") if table is not None else cid
        if gid == 0:
            found.append(f"6.2.11.8: font {name} shows .notdef (CID {cid})")
            continue
        if gid >= len(order):
            found.append(f"6.2.11.4: font {name}: CID {cid} (glyph {gid}) is not in the embedded program")
            continue
        advance = metrics[order[gid]][0] * scale
        if abs(widths.get(cid, default) - advance) > 1:
            found.append(
                f"6.2.11.5: font {name}: CID {cid} is {widths.get(cid, default)} wide, {advance:.0f} in the font"
            )
        if listed is not None and not (cid // 8 < len(listed) and listed[cid // 8] & (0x80 >> cid % 8)):
            found.append(f"6.2.11.4: font {name}: CID {cid} is missing from the CIDSet")
    return found


def _widths(array: pikepdf.Array) -> dict[int, float]:
    """The /W array of a CIDFont as {cid: width}: `c [w1 w2 ...]` and `first last w` forms."""
    items, out, i = list(array), {}, 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            out.update({first + k: float(w) for k, w in enumerate(items[i + 1])})
            i += 2
        else:
            out.update({c: float(items[i + 2]) for c in range(first, int(items[i + 1]) + 1)})
            i += 3
    return out
