"""The one output layer: the same rows as a Rich table for people, or CSV / JSON for scripts.

CSV (RFC 4180, header row even when empty) and JSON (a list, `[]` when empty) are contracts: ISO
dates, amounts as decimal strings ("1234.56"), no colours, no locale. They stream row by row, so a
million-row export never sits in memory and never pays for Rich. CSV text cells that a spreadsheet
would open as formulas ("=HYPERLINK(...)", "-Dupont") get a leading apostrophe; JSON is left as stored.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from dunner.core.errors import BadInput
from dunner.core.money import Money
from dunner.edges.csvio import neutralise

FORMATS = ("table", "csv", "json")
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    """One output column: its key in the rows and CSV/JSON, and how a table shows it."""

    key: str
    header: str | None = None
    numeric: bool = False
    style: str | None = None
    show: Callable[[Any], str] | None = None  # how a table shows the value, when not the default

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key.replace("_", " ")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise BadInput(f"unknown format '{fmt}'", hint="use table, csv or json")
    return fmt


def _same(value: Any) -> Any:
    return value


def _as_machine(value: Any) -> Any:
    if isinstance(value, Money | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# How CSV and JSON carry a value, by its exact type (a lookup a cell, where isinstance chains cost more than
# the rest of the row); any other type, subclasses included, goes through `_as_machine`.
_MACHINE: dict[type, Callable[[Any], Any]] = {
    str: _same, int: _same, type(None): _same, bool: _same,
    Money: str, Decimal: str, date: date.isoformat,
}  # fmt: skip
_CSV: dict[type, Callable[[Any], Any]] = {**_MACHINE, str: neutralise, type(None): lambda _: ""}


def machine(value: Any) -> Any:
    """A value as CSV and JSON carry it."""
    return _MACHINE.get(type(value), _as_machine)(value)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe.

    Only text (names, descriptions, references, notes) is neutralised; amounts, numbers and dates
    are not text and stay as they are ("-180.00" remains a number). Imports take the apostrophe off.
    """
    convert = _CSV.get(type(value))
    if convert is not None:
        return convert(value)
    value = _as_machine(value)
    return "" if value is None else value


def write_csv(rows: Iterable[Row], columns: list[Column], out: IO[str]) -> None:
    writer = csv.writer(out)
    keys = [c.key for c in columns]
    writer.writerow(keys)
    cells, write = _CSV.get, writer.writerow
    for row in rows:
        write([cells(type(v), csv_cell)(v) for v in [row.get(key) for key in keys]])


def write_json(rows: Iterable[Row], columns: list[Column], out: IO[str]) -> None:
    out.write("[")
    first = True
    keys = [c.key for c in columns]
    for row in rows:
        out.write("\n  " if first else ",\n  ")
        json.dump({key: machine(row.get(key)) for key in keys}, out, ensure_ascii=False)
        first = False
    out.write("]\n" if first else "\n]\n")


def dump_json(doc: dict[str, Any], out: IO[str]) -> None:
    """`json.dump(doc, out, ensure_ascii=False, indent=2)`, the same text, but a value that is an iterator is
    written as a list item by item (never held whole), and a callable's value is asked for when its turn comes."""
    out.write("{")
    for n, (key, value) in enumerate(doc.items()):
        out.write(("," if n else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
        if callable(value):
            value = value()
        if isinstance(value, Iterator):
            first = True
            for item in value:
                text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                out.write(("[" if first else ",") + "\n    " + text)
                first = False
            out.write("[]" if first else "\n  ]")
        else:
            out.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
    out.write("\n}" if doc else "}")


def human(value: Any, locale: str) -> str:
    """A value as a person reads it in a table."""
    from dunner.edges.formatting import format_money

    if value is None:
        return ""
    if isinstance(value, Money):
        return format_money(value, locale)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def console(stderr: bool = False) -> Any:
    """A Rich console on stdout (or stderr); wide enough not to wrap when writing to a file or pipe."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 200, highlight=False)


def write_table(
    rows: Iterable[Row],
    columns: list[Column],
    *,
    locale: str,
    title: str | None = None,
    row_style: Callable[[Row], str | None] | None = None,
    cell_style: Callable[[Row, Column], str | None] | None = None,
    empty: str = "Nothing to show.",
) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        table.add_column(col.title, justify="right" if col.numeric else "left", style=col.style)
    count = 0
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col.key)
            text = col.show(value) if col.show else human(value, locale)
            style = cell_style(row, col) if cell_style else None
            cells.append(f"[{style}]{_escape(text)}[/]" if style and text else _escape(text))
        table.add_row(*cells, style=row_style(row) if row_style else None)
        count += 1
    out = console()
    if count:
        out.print(table)
    else:
        out.print(empty)


def days_late(days: int | None) -> str:
    """Days overdue for people: '12', 'today', 'in 5 d' (CSV and JSON keep the signed number)."""
    if days is None:
        return ""
    return str(days) if days > 0 else "due today" if days == 0 else f"in {-days} d"


def blank_zero(locale: str) -> Callable[[Any], str]:
    """Money for a table cell, with zero left blank so the amounts that matter stand out."""
    return lambda money: human(money, locale) if money else ""


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def emit(fmt: str, rows: Iterable[Row], columns: list[Column], *, locale: str = "en_GB", **table: Any) -> None:
    """Write `rows` to stdout in the chosen format."""
    if check_format(fmt) == "csv":
        write_csv(rows, columns, sys.stdout)
    elif fmt == "json":
        write_json(rows, columns, sys.stdout)
    else:
        write_table(rows, columns, locale=locale, **table)
