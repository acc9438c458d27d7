"""Small helpers shared by the tests."""

import os
from pathlib import Path

# The suite runs on SQLite files, and a second time on PostgreSQL when this names a database URL
# (each test then gets a schema of its own in that database): .ci/run does both.
POSTGRES = os.environ.get("DUNNER_TEST_POSTGRES", "")
SCHEMAS: list[str] = []


def new_ledger(folder: Path, name: str = "ledger.db") -> str:
    """Where a test's ledger lives: a file in its folder, or a fresh schema on the test PostgreSQL."""
    if not POSTGRES:
        return str(Path(folder) / name)
    import uuid

    import psycopg

    from dunner.postgres import conninfo

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

    from dunner.postgres import conninfo

    with psycopg.connect(conninfo(POSTGRES), autocommit=True) as conn:
        for schema in SCHEMAS:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    SCHEMAS.clear()


def query(sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query on the test's ledger ($DUNNER_DB), as plain tuples, whatever the database."""
    from dunner.db import Ledger

    ledger = Ledger.open(os.environ["DUNNER_DB"])
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
