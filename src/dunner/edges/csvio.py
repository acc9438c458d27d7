"""CSV files in and out: UTF-8 (with or without BOM) or Windows-1252, comma, semicolon or tab.

French spreadsheets save `;`-separated files with decimal commas, often in Windows-1252; those read
as well as plain RFC 4180 CSV. Every record keeps the line number it starts on, for error messages.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dunner.core.errors import BadInput, NotFound

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# A cell starting with one of these opens as a formula in Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _formula_like(text: str) -> bool:
    """Whether a text cell, behind any apostrophes already there, would open as a formula."""
    core = text.lstrip("'")
    return core.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(core)


_RISKY_FIRST = frozenset("'=+-@\t\r")  # a first character behind which a cell may open as a formula


def neutralise(text: str) -> str:
    """A text cell as exported: "=HYPERLINK(...)" becomes "'=HYPERLINK(...)"; "-180.00" stays a number."""
    if not text or text[0] not in _RISKY_FIRST:
        return text
    return "'" + text if _formula_like(text) else text


def restore(cell: str) -> str:
    """A cell as imported: the apostrophe `neutralise` added is taken off again, so a round trip is exact."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell[1:]) else cell


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    values: dict[str, str]
    width: int


def read_text(source: str) -> str:
    """The file's text (or stdin's for '-'), decoded from UTF-8, UTF-8 with BOM, or Windows-1252."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no file {source}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {source}: {exc.strerror}") from None
    encodings = ("utf-8",) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "cp1252")
    data = data.removeprefix(b"\xef\xbb\xbf")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(f"{source} is neither UTF-8 nor Windows-1252 text")  # cp1252 leaves 5 bytes undefined


def sniff_delimiter(first_line: str) -> str:
    """The separator the header line uses most: comma, semicolon or tab."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_records(source: str, delimiter: str | None = None) -> tuple[list[str], Iterator[Record]]:
    """The header (lower case, trimmed) and the records of a CSV file; blank lines are skipped."""
    text = read_text(source)
    if not text.strip():
        raise BadInput(f"{source} is empty: a header row is needed")
    sep = delimiter or sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise BadInput(f"{source}, line 1: {exc}") from None
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise BadInput(f"{source}, line 1: column '{duplicated[0]}' appears twice")
    return header, _records(reader, header, source)


def _records(reader: Iterator[list[str]], header: list[str], source: str) -> Iterator[Record]:
    while True:
        start = reader.line_num + 1  # type: ignore[attr-defined]
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadInput(f"{source}, line {start}: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        yield Record(start, {name: restore(cell.strip()) for name, cell in zip(header, row, strict=False)}, len(row))


@contextmanager
def open_output(target: str) -> Iterator[IO[str]]:
    """A text stream for CSV output: stdout for '-', else the file (written whole or not at all)."""
    if target == "-":
        yield sys.stdout
        return
    from dunner.edges.files import private_output

    try:
        with private_output(Path(target), text=True) as out:  # a new file is 0600 (clients' data)
            yield out
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror}") from None
