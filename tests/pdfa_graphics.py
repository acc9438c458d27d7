"""PDF/A-3b graphics rules (ISO 19005-3 6.1.13, 6.2.2 to 6.2.10) for tests/pdfa.py, and the content stream walk
the font rules share. See tests/pdfa.py for the list of rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf

_OPERATORS = (
    "b B b* B* BDC BI BMC BT BX c cm CS cs d d0 d1 Do DP EI EMC ET EX f F f* G g gs h i ID j J K k l m M MP n q Q re"
    " RG rg ri s S SC sc SCN scn sh T* Tc Td TD Tf Tj TJ TL Tm Tr Ts Tw Tz v w W W* y ' \""
)
OPERATORS = set(_OPERATORS.split()) | {"INLINE IMAGE"}
INTENTS = {"/RelativeColorimetric", "/AbsoluteColorimetric", "/Perceptual", "/Saturation"}
_BLEND = (
    "Normal Compatible Multiply Screen Overlay Darken Lighten ColorDodge ColorBurn HardLight SoftLight Difference"
    " Exclusion Hue Saturation Color Luminosity"
)
BLEND = set(_BLEND.split())
CHANNELS = {"GRAY": 1, "RGB ": 3, "CMYK": 4, "LAB ": 3}
DEVICE = {
    "/DeviceRGB": "RGB",
    "/DeviceGray": "Gray",
    "/DeviceCMYK": "CMYK",
    "/G": "Gray",
    "/RGB": "RGB",
    "/CMYK": "CMYK",
}
FILL, STROKE, BOTH = {"f", "F", "f*"}, {"S", "s"}, {"B", "B*", "b", "b*"}
TEXT = {"Tj", "TJ", "'", '"'}


@dataclass
class Stream:
    """One content stream to read: a page's, a form's or an appearance's, with the resources it draws from."""

    where: str
    holder: pikepdf.Object
    resources: pikepdf.Dictionary
    own_resources: bool = True


@dataclass
class Used:
    """What the content streams use: device colour spaces (with where), and whether anything is transparent."""

    device: dict[str, str] = field(default_factory=dict)
    transparency: set[str] = field(default_factory=set)
    found: list[str] = field(default_factory=list)


def content_streams(pdf: pikepdf.Pdf) -> Iterator[Stream]:
    """Every page, the forms they draw (recursively, once each) and the annotations' appearance streams."""
    seen: set[tuple[int, int]] = set()
    for n, page in enumerate(pdf.pages, start=1):
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        yield from _with_forms(Stream(f"page {n}", page, resources, "/Resources" in page.obj), seen)
        for annot in page.obj.get("/Annots", []):
            normal = annot.get("/AP", {}).get("/N")
            if isinstance(normal, pikepdf.Stream):
                yield from _with_forms(Stream(f"page {n} annotation", normal, normal.get("/Resources", {})), seen)


def _with_forms(stream: Stream, seen: set[tuple[int, int]]) -> Iterator[Stream]:
    yield stream
    for xobject in stream.resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            own = "/Resources" in xobject
            resources = xobject.get("/Resources", stream.resources)
            yield from _with_forms(Stream(f"{stream.where} form", xobject, resources, own), seen)


def instructions(stream: Stream) -> list[tuple[list, str]]:
    return [(list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(stream.holder)]


def graphics_problems(pdf: pikepdf.Pdf) -> list[str]:
    output, found = output_intent(pdf)
    used = Used()
    for stream in content_streams(pdf):
        if not stream.own_resources:
            found.append(f"6.2.2: {stream.where} has no /Resources of its own")
        _read(stream, used)
        used.found += _resources(stream)
        if transparency(stream):
            used.transparency.add(stream.where)
    found += used.found
    for space, where in used.device.items():
        if not _allowed(space, output, pdf):
            found.append(f"6.2.4.3: {where} uses Device{space} with output intent {output or 'none'}")
    if used.transparency and output is None:
        for n, page in enumerate(pdf.pages, start=1):
            if "/CS" not in page.obj.get("/Group", {}):
                found.append(f"6.2.10: page {n} has transparency, no output intent and no group colour space")
    found += _images_and_forms(pdf)
    found += _boxes(pdf)
    return sorted(set(found))


def output_intent(pdf: pikepdf.Pdf) -> tuple[str | None, list[str]]:
    """The colour space of the PDF/A output intent's profile ('RGB ', 'CMYK', 'GRAY'), and what is wrong with it."""
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFA1"]
    if not intents:
        return None, ["6.2.3: no PDF/A output intent (GTS_PDFA1)"]
    profiles = {i.DestOutputProfile.objgen for i in pdf.Root.OutputIntents if "/DestOutputProfile" in i}
    found = ["6.2.3: output intents with different profiles"] if len(profiles) > 1 else []
    found += ["6.2.3: DestOutputProfileRef" for i in pdf.Root.OutputIntents if "/DestOutputProfileRef" in i]
    profile = intents[0].get("/DestOutputProfile")
    if profile is None:
        return None, [*found, "6.2.3: the PDF/A output intent has no DestOutputProfile"]
    space, problems = icc_problems(profile, classes=("mntr", "prtr"), spaces=("GRAY", "RGB ", "CMYK"))
    return (space if not problems else None), found + [f"6.2.3: output profile: {p}" for p in problems]


def icc_problems(profile: pikepdf.Stream, classes: tuple[str, ...], spaces: tuple[str, ...]) -> tuple[str, list]:
    data = profile.read_bytes()
    if len(data) < 128 or data[36:40] != b"acsp":
        return "", ["not an ICC profile"]
    version, device, space = data[8], data[12:16].decode("latin-1"), data[16:20].decode("latin-1")
    found = [f"ICC version {version} (must be below 5)"] if version >= 5 else []
    found += [f"device class {device!r}"] if device not in classes else []
    found += [f"colour space {space!r}"] if space not in spaces else []
    if profile.get("/N") != CHANNELS.get(space):
        found.append(f"/N {profile.get('/N')} for a {space.strip()} profile of {CHANNELS.get(space)} components")
    return space, found


def _allowed(space: str, output: str | None, pdf: pikepdf.Pdf) -> bool:
    if space == "RGB":
        return output == "RGB "
    if space == "CMYK":
        return output == "CMYK"
    return output is not None


def _read(stream: Stream, used: Used) -> None:
    gray = pikepdf.Name.DeviceGray  # the initial colour space of both fill and stroke
    fill, stroke, mode, stack, depth = gray, gray, 0, [], 0
    for operands, op in instructions(stream):
        if op not in OPERATORS:
            used.found.append(f"6.2.2: {stream.where}: operator {op!r} is not in ISO 32000-1")
        if op == "q":
            stack.append((fill, stroke, mode))
            depth = max(depth, len(stack))
        elif op == "Q" and stack:
            fill, stroke, mode = stack.pop()
        elif op in ("rg", "g", "k", "RG", "G", "K"):
            space = pikepdf.Name({"rg": "/DeviceRGB", "g": "/DeviceGray", "k": "/DeviceCMYK"}[op.lower()])
            fill, stroke = (space, stroke) if op.islower() else (fill, space)
            _use(space, stream, used)  # setting a device colour counts, painted with or not
        elif op in ("cs", "CS"):
            space = _space(operands[0], stream.resources)
            fill, stroke = (space, stroke) if op == "cs" else (fill, space)
        elif op == "Tr":
            mode = int(operands[0])
        elif op == "ri" and str(operands[0]) not in INTENTS:
            used.found.append(f"6.2.6: {stream.where}: rendering intent {operands[0]}")
        painted = _painted(op, operands, mode, fill, stroke, stream, used)
        for space in painted:
            _use(space, stream, used)
    if depth > 28:
        used.found.append(f"6.1.13: {stream.where}: q/Q nested {depth} deep")


def _painted(op: str, operands: list, mode: int, fill: object, stroke: object, stream: Stream, used: Used) -> list:
    if op in FILL:
        return [fill]
    if op in STROKE:
        return [stroke]
    if op in BOTH:
        return [fill, stroke]
    if op in TEXT:
        return ([fill] if mode in (0, 2, 4, 6) else []) + ([stroke] if mode in (1, 2, 5, 6) else [])
    if op == "sh":
        return [stream.resources.get("/Shading", {}).get(str(operands[0]), {}).get("/ColorSpace")]
    if op == "Do":
        xobject = stream.resources.get("/XObject", {}).get(str(operands[0]))
        if xobject is not None and xobject.get("/Subtype") == "/Image":
            if "/SMask" in xobject or int(xobject.get("/SMaskInData", 0)):
                used.transparency.add(stream.where)
            return [] if xobject.get("/ImageMask") is True else [xobject.get("/ColorSpace")]
    if op == "INLINE IMAGE":
        return _inline_image(operands[0].obj, stream, used)
    return []


def _inline_image(image: pikepdf.Dictionary, stream: Stream, used: Used) -> list:
    """The colour space an inline image paints with; pikepdf gives its keys and filters unabbreviated (/Filter,
    /LZWDecode), the file may abbreviate them (/F, /LZW): both are read."""

    def entry(full: str, short: str) -> object:
        return image.get(full, image.get(short))

    if entry("/Interpolate", "/I") is True:
        used.found.append(f"6.2.8: {stream.where}: an inline image interpolates")
    filters = entry("/Filter", "/F")
    for name in [filters] if isinstance(filters, pikepdf.Name) else list(filters or []):
        if str(name) in ("/LZW", "/LZWDecode", "/Crypt"):
            used.found.append(f"6.1.10: {stream.where}: inline image filter {name}")
    return [] if entry("/ImageMask", "/IM") is True else [entry("/ColorSpace", "/CS")]


def _space(value: object, resources: pikepdf.Dictionary) -> object:
    if isinstance(value, pikepdf.Name) and str(value) not in DEVICE and str(value) != "/Pattern":
        return resources.get("/ColorSpace", {}).get(str(value), value)
    return value


def _use(space: object, stream: Stream, used: Used) -> None:
    """Record the device colour space `space` comes down to (following Indexed, ICCBased, Separation...)."""
    space = _space(space, stream.resources)
    if isinstance(space, pikepdf.Name) and str(space) in DEVICE:
        kind = DEVICE[str(space)]
        if f"/Default{kind}" not in stream.resources.get("/ColorSpace", {}):
            used.device.setdefault(kind, stream.where)
    elif isinstance(space, pikepdf.Array) and len(space):
        family = str(space[0])
        if family == "/ICCBased":
            _, problems = icc_problems(space[1], ("prtr", "mntr", "scnr", "spac"), ("GRAY", "RGB ", "CMYK", "LAB "))
            used.found += [f"6.2.4.2: {stream.where}: ICC profile: {p}" for p in problems]
        elif family in ("/Indexed", "/I", "/Pattern") and len(space) > 1:
            _use(space[1], stream, used)
        elif family in ("/Separation", "/DeviceN"):
            used.found.append(f"6.2.4.4: {stream.where}: {family[1:]} colour space (not checked here)")


def _resources(stream: Stream) -> list[str]:
    found = []
    for name, state in stream.resources.get("/ExtGState", {}).items():
        where = f"{stream.where} ExtGState {name}"
        found += [f"6.2.5: {where} has /TR"] if "/TR" in state else []
        found += [f"6.2.5: {where} has /TR2 {state.TR2}"] if state.get("/TR2", "/Default") != "/Default" else []
        found += [f"6.2.5: {where} has /HTP"] if "/HTP" in state else []
        halftone = state.get("/HT")
        if isinstance(halftone, pikepdf.Dictionary) and (
            halftone.get("/HalftoneType") not in (1, 5) or "/HalftoneName" in halftone
        ):
            found.append(f"6.2.5: {where}: halftone type {halftone.get('/HalftoneType')} or with a name")
        if "/RI" in state and str(state.RI) not in INTENTS:
            found.append(f"6.2.6: {where}: rendering intent {state.RI}")
        blend = state.get("/BM", pikepdf.Name.Normal)
        blends = list(blend) if isinstance(blend, pikepdf.Array) else [blend]
        found += [f"6.2.10: {where}: blend mode {b}" for b in blends if str(b)[1:] not in BLEND]
    return found


def transparency(stream: Stream) -> bool:
    for state in stream.resources.get("/ExtGState", {}).values():
        if state.get("/SMask", pikepdf.Name.None_) != pikepdf.Name.None_:
            return True
        if float(state.get("/CA", 1)) < 1 or float(state.get("/ca", 1)) < 1:
            return True
        if str(state.get("/BM", "/Normal")) not in ("/Normal", "/Compatible"):
            return True
    return False


def _images_and_forms(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        subtype, where = obj.get("/Subtype"), f"object {obj.objgen[0]}"
        if subtype == "/Image":
            found += [f"6.2.8: image {where} has /{k}" for k in ("Alternates", "OPI") if f"/{k}" in obj]
            found += [f"6.2.8: image {where} interpolates"] if obj.get("/Interpolate") is True else []
            bits = obj.get("/BitsPerComponent")
            mask = obj.get("/ImageMask") is True
            if bits is not None and (bits != 1 if mask else bits not in (1, 2, 4, 8, 16)):
                found.append(f"6.2.8: image {where} has BitsPerComponent {bits}")
            if "/Intent" in obj and str(obj.Intent) not in INTENTS:
                found.append(f"6.2.6: image {where} has rendering intent {obj.Intent}")
            if "/JPXDecode" in str(obj.get("/Filter", "")):
                found.append(f"6.2.8.3: image {where} is JPEG2000 (not checked here)")
        elif subtype == "/Form":
            found += [f"6.2.9: form {where} has /{k}" for k in ("OPI", "PS", "Ref") if f"/{k}" in obj]
            found += [f"6.2.9: form {where} is PostScript"] if obj.get("/Subtype2") == "/PS" else []
        elif subtype == "/PS":
            found.append(f"6.2.9: PostScript XObject {where}")
    return found


def _boxes(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for n, page in enumerate(pdf.pages, start=1):
        for box in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
            if box in page.obj:
                x0, y0, x1, y1 = (float(v) for v in page.obj[box])
                if not (3 <= abs(x1 - x0) <= 14400 and 3 <= abs(y1 - y0) <= 14400):
                    found.append(f"6.1.13: page {n} {box[1:]} {x1 - x0:.0f} x {y1 - y0:.0f}")
    return found
