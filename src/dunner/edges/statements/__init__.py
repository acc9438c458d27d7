"""Reading bank statements: ISO 20022 CAMT.053/054 (camt.py), OFX 1.x and 2.x (ofx.py), CSV exports of
online banking (tables.py), each into plain `core.statements.Line`s grouped by statement.

May import the core and the other edges, never a use case or the CLI: `bank/` stores and matches what
these readers give. `read` detects the format from the content; a bad file is one `BadInput` naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.statements import Statement

FORMATS = ("camt", "ofx", "csv")
__all__ = ["FORMATS", "Statement", "detect", "format_of", "read"]


def detect(head: bytes) -> str:
    """The format of a file from its first bytes: XML with a camt namespace, OFX headers, else CSV."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()[:4096]
    lowered = text.lower()
    if b"ofxheader" in lowered or lowered.startswith(b"<ofx") or b"<?ofx" in lowered:
        return "ofx"
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<"):
        if b"camt.05" in lowered or b"bktocstmr" in lowered:
            return "camt"
        raise BadInput("an XML file that is not an ISO 20022 camt statement", hint="use --format to say what it is")
    return "csv"


def format_of(path: Path, fmt: str | None = None) -> str:
    """The format given, or the one the file's first bytes show."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise BadInput(f"unknown statement format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
        return fmt
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not a statement") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    try:
        return detect(head)
    except BadInput as exc:
        raise BadInput(f"{path}: {exc.message}", hint=exc.hint) from None


def read(path: Path, fmt: str | None = None, *, csv_layout: dict[str, Any] | None = None) -> list[Statement]:
    """The statements of a file, in the format given or the one its content shows."""
    kind = format_of(path, fmt)
    if kind == "camt":
        from dunner.edges.statements.camt import read_camt

        return read_camt(path)
    if kind == "ofx":
        from dunner.edges.statements.ofx import read_ofx

        return read_ofx(path)
    from dunner.edges.statements.tables import read_csv

    return read_csv(path, csv_layout or {})
