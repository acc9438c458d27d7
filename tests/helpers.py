"""Small helpers shared by the tests."""


def flat(text: str) -> str:
    """Table text with babel's no-break spaces made plain, for readable assertions."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, its spaces made plain."""
    import io

    from pypdf import PdfReader

    text = flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    return " ".join(text.split())  # line breaks fall anywhere in a paragraph


def pdf_qr_codes(content: bytes) -> list[str]:
    """The QR codes drawn in a PDF, decoded."""
    import io

    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for image in page.images:
            found += [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))]
    return found


def epc_fields(payload: str) -> dict[str, str]:
    """An EPC069-12 'scan to pay' payload by field name."""
    lines = payload.split("\n")
    names = [
        "service",
        "version",
        "encoding",
        "identification",
        "bic",
        "name",
        "iban",
        "amount",
        "purpose",
        "reference",
        "text",
    ]
    return dict(zip(names, lines + [""] * (len(names) - len(lines)), strict=True))
