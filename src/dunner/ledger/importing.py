"""What every CSV import shares: its columns, its report, and the run that collects every bad row before writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dunner.core import validate
from dunner.core.dates import parse_date
from dunner.core.errors import BadInput, RowError
from dunner.edges.config import Config
from dunner.edges.csvio import Record
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import CLIENT_COLUMNS, Client

KINDS = ("clients", "invoices", "payments")


INVOICE_COLUMNS = (
    "number",
    "client",
    "issued",
    "due",
    "terms",
    "currency",
    "amount",
    "description",
    "vat",
    "service",
    "quantity",
    "unit_price",
    "vat_rate",
    "vat_exemption",
    "category",
    "delivery_address",
    "order",
)


PAYMENT_COLUMNS = ("client", "date", "amount", "currency", "method", "reference", "invoice", "note")


REQUIRED = {
    "clients": ("code", "name", "email"),
    "invoices": ("number", "client", "issued"),
    "payments": ("client", "date", "amount"),
}


COLUMNS = {"clients": CLIENT_COLUMNS, "invoices": INVOICE_COLUMNS, "payments": PAYMENT_COLUMNS}


BATCH = 2000


@dataclass
class ImportReport:
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)  # "line N: ..." for rows accepted with a warning


@dataclass
class Importer:
    """One import run: the file's header, the problems found so far, and the counts."""

    ledger: Ledger
    config: Config
    header: list[str]
    date_format: str | None
    report: ImportReport
    errors: list[RowError] = field(default_factory=list)
    parties: dict[int, int] = field(default_factory=dict)  # snapshot ids written so far, by client id

    def check(self, record: Record, parse: Callable[[validate.Checker, dict[str, str]], Any]) -> Any:
        """Parse one record; its problems are kept (with line and column) and None is returned."""
        if record.width != len(self.header):
            self.errors.append(RowError(record.line, "*", f"expected {len(self.header)} fields, found {record.width}"))
            return None
        checker = validate.Checker()
        try:
            result = parse(checker, record.values)
            checker.done()
        except validate.FieldErrors as exc:
            self.errors.extend(RowError(record.line, col, msg) for col, msg in exc.problems)
            return None
        return result

    def date(self, text: str) -> date:
        return parse_date(text, self.date_format)


def lookup_client(clients: dict[str, Client], code: str) -> Client:
    client = clients.get(code.strip().lower())
    if client is None:
        raise BadInput(f"no client '{code}'" if code.strip() else "client is empty")
    return client
