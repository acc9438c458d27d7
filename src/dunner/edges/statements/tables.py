"""CSV exports of online banking: ';' or ',', decimal comma, dd/mm/yyyy, cp1252 or UTF-8, title lines first.

The header row is found among the first lines by its names, French or English (Date, Date opération,
Date de valeur, Libellé, Montant, Débit, Crédit, Référence, Devise...), compared without accents or case;
one signed amount column, or a debit and a credit column. A layout this does not know is described
once in the configuration, `[bank.csv.NAME]` (example.toml), and chosen with `--csv NAME`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.money import Money, MoneyError, parse_amount
from dunner.core.statements import Line, Statement
from dunner.edges.csvio import read_text, restore

HEADER_SEARCH = 30  # lines scanned for the header row
# Normalised header names (no accents, lower case, words) for each role, as French and English banks write them.
NAMES = {
    "date": {"date", "date operation", "date de l operation", "date d operation", "date comptable", "dateop",
             "date de comptabilisation", "booking date", "posting date", "transaction date", "date operation bancaire"},
    "value_date": {"date de valeur", "date valeur", "dateval", "value date"},
    "text": {"libelle", "libelle operation", "libelle court", "libelle simplifie", "label", "description",
             "details", "detail de l ecriture", "informations complementaires", "communication", "memo",
             "libelle de l operation", "motif", "narrative"},
    "amount": {"montant", "montant operation", "montant de l operation", "montant operation en euro",
               "montant euros", "montant eur", "montant en euros", "amount"},
    "debit": {"debit", "debit euros", "debit eur", "debit euro", "debit en euros", "debit montant", "debits"},
    "credit": {"credit", "credit euros", "credit eur", "credit euro", "credit en euros", "credit montant",
               "credits"},
    "currency": {"devise", "currency", "monnaie"},
    "reference": {"reference", "ref", "reference de l operation", "reference operation", "transaction id",
                  "identifiant de transaction"},
    "debtor": {"nom de la contrepartie", "contrepartie", "counterparty", "tiers", "emetteur", "donneur d ordre"},
}  # fmt: skip
# The date layouts banks export, told apart by their shape (a two-digit year is never read as year 26).
DATE_FORMATS = (
    (re.compile(r"\d{2}/\d{2}/\d{4}"), "%d/%m/%Y"),
    (re.compile(r"\d{2}/\d{2}/\d{2}"), "%d/%m/%y"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{2}\.\d{2}\.\d{4}"), "%d.%m.%Y"),
    (re.compile(r"\d{2}-\d{2}-\d{4}"), "%d-%m-%Y"),
)
MAPPING_KEYS = {
    "delimiter", "encoding", "skip", "date", "date_format", "value_date", "text", "amount", "debit", "credit",
    "currency", "default_currency", "reference", "debtor", "account",
}  # fmt: skip


def words(name: str) -> str:
    """A header name as compared: no accents, lower case, letters and digits between single spaces."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def read_csv(path: Path, layout: dict[str, Any]) -> list[Statement]:
    """The file's lines as one statement (a CSV export names no account: the business's is assumed)."""
    text = _decode(path, layout.get("encoding"))
    delimiter = layout.get("delimiter") or _delimiter(text)
    numbered = _rows(text, delimiter, path)
    start, columns = _header([row for _, row in numbered], layout, path)
    statement = Statement(layout.get("account", ""), id=path.name)
    currency = layout.get("default_currency", "EUR")
    for number, row in numbered[start + 1 :]:
        if not any(cell.strip() for cell in row):
            continue
        line = _line(row, columns, layout, currency, f"{path}, line {number}")
        if line is not None:
            statement.lines.append(line)
    return [statement]


def _decode(path: Path, encoding: str | None) -> str:
    if encoding:
        try:
            return path.read_bytes().decode(encoding).removeprefix("\ufeff")
        except (OSError, LookupError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read {path} as {encoding}: {exc}") from None
    return read_text(str(path))


def _rows(text: str, delimiter: str, path: Path) -> list[tuple[int, list[str]]]:
    """The rows, each with the line of the file it starts on (a quoted label may run over several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:  # a quote never closed takes the rest of the file into one cell
        raise BadInput(f"{path}, line {start}: {exc}", hint='a quote (") opened on this line is never closed') from None
    return rows


def _delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:HEADER_SEARCH])
    counts = {d: head.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d])


def _header(rows: list[list[str]], layout: dict[str, Any], path: Path) -> tuple[int, dict[str, Any]]:
    """Where the header row is, and the column of each role (`text` may be several columns)."""
    skip = layout.get("skip")
    candidates = [skip] if skip is not None else range(min(HEADER_SEARCH, len(rows)))
    for index in candidates:
        if index >= len(rows):
            break
        names = [words(cell) for cell in rows[index]]
        columns = _columns(names, layout)
        if "date" in columns and ("amount" in columns or "debit" in columns or "credit" in columns):
            return index, columns
    raise BadInput(
        f"{path}: no header with a date and an amount (or debit and credit) column in its first lines",
        hint="describe the layout in [bank.csv.NAME] and use --csv NAME",
    )


def _columns(names: list[str], layout: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for role in NAMES:
        wanted = layout.get(role)
        if wanted is not None:
            asked = [words(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
            found = [names.index(w) for w in asked if w in names]
        else:
            found = [i for i, name in enumerate(names) if name in NAMES[role]]
        if found:
            columns[role] = found if role == "text" else found[0]
    return columns


def _line(row: list[str], columns: dict[str, Any], layout: dict[str, Any], currency: str, where: str) -> Line | None:
    def cell(role: str) -> str:
        index = columns.get(role)
        return restore(row[index].strip()) if index is not None and index < len(row) else ""

    raw_date = cell("date")
    if not raw_date or not raw_date[:1].isdigit():  # a total or a balance line at the end, not a transaction
        return None
    cur = cell("currency").upper() or currency
    amount = _amount(cell("amount"), cur, where) if "amount" in columns else None
    if amount is None:
        debit, credit = _amount(cell("debit"), cur, where), _amount(cell("credit"), cur, where)
        amount = credit if credit else (-abs(debit) if debit else 0)
    texts = [restore(row[i].strip()) for i in columns.get("text", []) if i < len(row) and row[i].strip()]
    return Line(
        account=layout.get("account", ""),
        booked_on=_date(raw_date, layout.get("date_format"), where),
        value_on=_date(cell("value_date"), layout.get("date_format"), where) if cell("value_date") else None,
        amount=Money(int(amount), cur),
        text=" ".join(dict.fromkeys(" ".join(t.split()) for t in texts)),
        debtor=cell("debtor"),
        references=(cell("reference"),) if cell("reference") else (),
    )


def _amount(raw: str, currency: str, where: str) -> int | None:
    """An amount in minor units as banks write it: "1 234,56", "-45,67", "+1150,00", "1.234,56 €", "1,234.56"."""
    text = re.sub(r"[\s\u00a0\u202f€]|EUR", "", raw)
    if not text:
        return None
    if "," in text and "." in text:  # the last mark is the decimal one, the other groups the thousands
        text = text.replace("." if text.rfind(",") > text.rfind(".") else ",", "")
    try:
        return parse_amount(text, currency, allow_zero=True, allow_negative=True).minor
    except MoneyError as exc:
        raise BadInput(f"{where}: {exc.message}") from None


def _date(raw: str, fmt: str | None, where: str) -> date:
    value = raw.strip()
    layouts = [fmt] if fmt else [layout for shape, layout in DATE_FORMATS if shape.match(value)]
    for layout in layouts:
        try:
            return datetime.strptime(
                value if fmt else value[: len(datetime(2000, 1, 1).strftime(layout))], layout
            ).date()
        except ValueError:
            continue
    raise BadInput(f"{where}: '{raw}' is not a date" + (f" in the format {fmt}" if fmt else " (dd/mm/yyyy)"))
