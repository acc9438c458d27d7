"""CSV imports: all-or-nothing, every bad row reported, and idempotent on natural keys.

Natural keys: a client's code, an invoice's number, a payment's reference within its client (or, for
payments without one, the same client, date, amount and currency: a file imported twice adds nothing).
Everything runs in one transaction; any bad row and it rolls back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dunner.core import validate
from dunner.core.dates import parse_date
from dunner.core.errors import BadInput, ImportRejected, RowError
from dunner.core.invoicing import Line, parse_quantity, parse_rate, totals
from dunner.core.money import check_currency, parse_amount
from dunner.edges.config import Config
from dunner.edges.csvio import Record, read_records
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import CLIENT_COLUMNS, COLUMN_OF, Client, client_values, insert_client, list_clients
from dunner.ledger.issuing import (
    DEFAULT_LINE,
    NewInvoice,
    bump_series,
    due_date,
    exemption_for,
    foreign_number,
    insert_invoices,
)

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


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _check_header(kind: str, header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS[kind]]
    missing = [r for r in REQUIRED[kind] if r not in header]
    problems = [RowError(1, h, f"unknown column (known: {', '.join(COLUMNS[kind])})") for h in unknown]
    problems += [RowError(1, m, "required column is missing") for m in missing]
    if problems:
        raise ImportRejected(problems)


def import_file(
    ledger: Ledger,
    config: Config,
    kind: str,
    source: str,
    *,
    date_format: str | None = None,
    delimiter: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import clients, invoices or payments from a CSV file ('-' for stdin); all or nothing."""
    validate.choice(kind, KINDS, "what to import")
    header, records = read_records(source, delimiter)
    _check_header(kind, header)
    run = Importer(ledger, config, header, date_format, ImportReport(kind, dry_run=dry_run))
    steps = {"clients": _import_clients, "invoices": _import_invoices, "payments": _import_payments}
    try:
        with ledger.transaction():
            steps[kind](run, records)
            if run.errors:
                raise ImportRejected(run.errors)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return run.report


# -- clients ----------------------------------------------------------------------------------------


def _import_clients(run: Importer, records: Iterator[Record]) -> None:
    existing = {c.code.lower(): c for c in list_clients(run.ledger)}
    seen: dict[str, int] = {}
    for record in records:
        values = run.check(record, lambda chk, raw: client_values(run.config, raw))
        if values is None:
            continue
        key = values["code"].lower()
        if key in seen:
            run.errors.append(RowError(record.line, "code", f"client {values['code']} already on line {seen[key]}"))
            continue
        seen[key] = record.line
        old = existing.get(key)
        if old is None:
            insert_client(run.ledger, values)
            run.report.added += 1
        elif _client_changes(old, values, record.values):
            changes = _client_changes(old, values, record.values)
            run.ledger.execute(
                f"UPDATE client SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                [*changes.values(), old.id],
            )
            run.report.updated += 1
        else:
            run.report.unchanged += 1


def _client_changes(old: Client, values: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """The columns the file sets to something new (columns absent from the file are left alone)."""
    field_of = {column: name for name, column in COLUMN_OF.items()}
    current = old.stored()
    return {
        column: value
        for column, value in values.items()
        if column != "code" and field_of.get(column, column) in given and current[column] != value
    }


def _lookup_client(clients: dict[str, Client], code: str) -> Client:
    client = clients.get(code.strip().lower())
    if client is None:
        raise BadInput(f"no client '{code}'" if code.strip() else "client is empty")
    return client


# -- invoices ---------------------------------------------------------------------------------------
#
# Two shapes: one row per invoice with its `amount` (and an optional `vat` rate, the amount then being
# before VAT), or one row per line with `quantity`, `unit_price` and `vat_rate`, the rows of one invoice
# next to each other and repeating its number, client and dates.


@dataclass(frozen=True)
class _InvoiceRow:
    number: str
    client: Client
    currency: str
    issued: date
    due: date | None
    terms: int | None
    service: date | None
    description: str | None
    line: Any  # invoicing.Line
    exemption: str | None  # as given: a key, "none", or None for the client's

    def head(self) -> tuple[Any, ...]:
        """What every line of one invoice must repeat."""
        return (self.client.id, self.currency, self.issued, self.due, self.terms, self.service, self.exemption)


def _invoice_parser(run: Importer, clients: dict[str, Client], by_line: bool) -> Callable[..., Any]:
    from decimal import Decimal

    franchise = run.config.business.vat_franchise

    def line(chk: validate.Checker, raw: dict[str, str], client: Client, currency: str, text: str | None) -> Any:
        rate_field = "vat_rate" if by_line else "vat"
        rate = chk(rate_field, parse_rate, raw[rate_field]) if raw.get(rate_field) else None
        if rate and franchise:
            chk.problems.append((rate_field, "the business is under the VAT franchise: no VAT"))
        if by_line:
            quantity = chk("quantity", parse_quantity, raw["quantity"]) if raw.get("quantity") else Decimal(1)
            price = chk("unit_price", parse_amount, raw["unit_price"], currency, allow_negative=True)
        else:
            quantity, price = Decimal(1), chk("amount", parse_amount, raw["amount"], currency)
        if quantity is None or price is None:
            return None
        return Line(text or DEFAULT_LINE[client.language], quantity, price, None if franchise else rate)

    def parse(chk: validate.Checker, raw: dict[str, str]) -> _InvoiceRow | None:
        number = chk("number", validate.line, raw.get("number"), "invoice number", required=True, max_len=40)
        if number is not None and foreign_number(run.config, "invoice", number):
            chk.problems.append(("number", foreign_number(run.config, "invoice", number) or ""))
        client = chk("client", _lookup_client, clients, raw["client"])
        currency = chk("currency", check_currency, raw.get("currency") or client.currency) if client else None
        issued = chk("issued", run.date, raw["issued"])
        due = chk("due", run.date, raw["due"]) if raw.get("due") else None
        terms = chk("terms", validate.whole_days, raw["terms"]) if raw.get("terms") else None
        service = chk("service", run.date, raw["service"]) if raw.get("service") else None
        text = chk("description", validate.line, raw.get("description"), "description", max_len=500)
        item = line(chk, raw, client, currency, text) if client is not None and currency is not None else None
        exemption = raw.get("vat_exemption") or None
        if chk.problems or item is None or number is None or client is None or issued is None:
            return None
        return _InvoiceRow(number, client, currency, issued, due, terms, service, text, item, exemption)

    return parse


def _import_invoices(run: Importer, records: Iterator[Record]) -> None:
    clients = {c.code.lower(): c for c in list_clients(run.ledger)}
    by_line = "unit_price" in run.header
    if by_line == ("amount" in run.header):
        raise ImportRejected([RowError(1, "amount", "give either an amount column or unit_price (one row a line)")])
    # a column of the other shape would be silently ignored
    other = {"vat": "vat_rate"} if by_line else {"quantity": "amount", "vat_rate": "vat"}
    misplaced = [
        RowError(1, c, f"belongs to the other shape of file (use {use})") for c, use in other.items() if c in run.header
    ]
    if misplaced:
        raise ImportRejected(misplaced)
    parse = _invoice_parser(run, clients, by_line)
    seen: dict[str, int] = {}
    batch: list[tuple[int, Any]] = []
    group: list[tuple[int, _InvoiceRow]] = []
    for record in records:
        row = run.check(record, parse)
        if row is None:
            continue
        if group and by_line and row.number == group[-1][1].number:
            if row.head() != group[0][1].head():
                run.errors.append(
                    RowError(
                        record.line,
                        "number",
                        f"a line of {row.number} with other client, currency, dates or vat_exemption",
                    )
                )
            group.append((record.line, row))
            continue
        if row.number in seen:
            message = (
                f"the lines of {row.number} must be on rows next to each other (first on line {seen[row.number]})"
                if by_line
                else f"invoice {row.number} already on line {seen[row.number]}"
            )
            run.errors.append(RowError(record.line, "number", message))
            continue
        seen[row.number] = record.line
        _finish_group(run, group, batch)
        group = [(record.line, row)]
        if len(batch) >= BATCH:
            _write_invoices(run, batch)
            batch = []
    _finish_group(run, group, batch)
    _write_invoices(run, batch)


def _finish_group(run: Importer, group: list[tuple[int, _InvoiceRow]], batch: list[tuple[int, Any]]) -> None:
    """The lines read so far make one invoice: check its totals and due date, queue it."""
    if not group:
        return
    line, first = group[0]
    chk = validate.Checker()
    items = tuple(row.line for _, row in group)
    sums = chk("amount", totals, items, first.currency)
    due_on = chk("due", due_date, first.issued, first.due, first.terms, None, first.client, run.config)
    reason = chk("vat_exemption", exemption_for, run.config, first.client, items, first.exemption)
    if chk.problems or sums is None or due_on is None or reason is None:
        run.errors.extend(RowError(line, col, msg) for col, msg in chk.problems)
        return
    if reason[1]:
        run.report.warnings.extend(f"line {line}: {first.number}: {note}" for note in reason[1])
    new = NewInvoice(
        first.client,
        first.issued,
        items,
        sums,
        ((due_on, sums.total),),
        service_on=first.service,
        description=first.description,
        number=first.number,
        exemption=reason[0],
    )
    batch.append((line, new))


def _write_invoices(run: Importer, batch: list[tuple[int, Any]]) -> None:
    """Compare a batch with the ledger: same invoice again is unchanged, a different one is an error."""
    if not batch:
        return
    numbers = [new.number for _, new in batch]
    existing = {
        row["number"]: row
        for row in run.ledger.all(
            "SELECT v.number, v.client_id, v.issued_on, v.currency, v.total_cents, MAX(i.due_on) AS due_on"
            " FROM invoice v LEFT JOIN instalment i ON i.invoice_id = v.id"
            f" WHERE v.number IN ({', '.join('?' * len(numbers))}) GROUP BY v.id",
            numbers,
        )
    }
    fresh = []
    for line, new in batch:
        old = existing.get(new.number)
        if old is None:
            fresh.append((new.number, new))
            continue
        differs = _invoice_differences(old, new)
        if differs:
            run.errors.append(
                RowError(line, differs[0], f"invoice {new.number} already exists with another {differs[0]}")
            )
        else:
            run.report.unchanged += 1
    if run.errors:  # the import will roll back: no point writing more
        return
    insert_invoices(run.ledger, run.config, fresh, run.parties)
    bump_series(run.ledger, run.config.number_pattern, [(number, new.issued_on) for number, new in fresh])
    run.report.added += len(fresh)


def _invoice_differences(old: Any, new: Any) -> list[str]:
    pairs = {
        "client": (old["client_id"], new.client.id),
        "issued": (old["issued_on"], new.issued_on.isoformat()),
        "currency": (old["currency"], new.total.currency),
        "amount": (old["total_cents"], new.total.minor),
        "due": (old["due_on"] or old["issued_on"], new.due_on.isoformat()),
    }
    return [name for name, (a, b) in pairs.items() if a != b]


# -- payments ---------------------------------------------------------------------------------------


def _payment_parser(run: Importer, clients: dict[str, Client]) -> Callable[[validate.Checker, dict[str, str]], Any]:
    from dunner.ledger.invoices import get_invoice
    from dunner.ledger.payments import NewPayment
    from dunner.ledger.settling import METHODS

    def parse(chk: validate.Checker, raw: dict[str, str]) -> NewPayment | None:
        client = chk("client", _lookup_client, clients, raw["client"])
        invoice = chk("invoice", get_invoice, run.ledger, raw["invoice"]) if raw.get("invoice") else None
        if invoice is not None and client is not None and invoice.client_id != client.id:
            chk.problems.append(("invoice", f"invoice {invoice.number} is not {client.code}'s"))
        default = invoice.currency if invoice else client.currency if client else None
        currency = (
            chk("currency", check_currency, raw.get("currency") or default) if default or raw.get("currency") else None
        )
        if invoice is not None and currency is not None and currency != invoice.currency:
            chk.problems.append(("currency", f"invoice {invoice.number} is in {invoice.currency}"))
        amount = chk("amount", parse_amount, raw["amount"], currency) if currency else None
        received = chk("date", run.date, raw["date"])
        method = chk("method", validate.choice, raw.get("method") or "transfer", METHODS, "method")
        reference = chk("reference", validate.line, raw.get("reference"), "reference", max_len=100)
        note = chk("note", validate.line, raw.get("note"), "note", max_len=500)
        if chk.problems or client is None or amount is None or received is None or method is None:
            return None
        return NewPayment(client, amount, received, method, reference, invoice, note)

    return parse


def _import_payments(run: Importer, records: Iterator[Record]) -> None:
    from dunner.ledger.payments import write_payment

    clients = {c.code.lower(): c for c in list_clients(run.ledger)}
    parse = _payment_parser(run, clients)
    by_reference: dict[tuple[int, str], int] = {}
    in_file: Counter[tuple[int, str, int, str]] = Counter()
    fresh = []
    for record in records:
        new = run.check(record, parse)
        if new is None:
            continue
        if new.reference is not None:
            key = (new.client.id, new.reference)
            if key in by_reference:
                run.errors.append(
                    RowError(
                        record.line,
                        "reference",
                        f"reference {new.reference} already on line {by_reference[key]}",
                    )
                )
                continue
            by_reference[key] = record.line
            is_new = _new_by_reference(run, record.line, new)
        else:
            same = (new.client.id, new.received_on.isoformat(), new.amount.minor, new.amount.currency)
            in_file[same] += 1
            is_new = in_file[same] > _recorded_without_reference(run.ledger, same)
        if is_new:
            fresh.append((new.received_on, record.line, new))
        elif is_new is False:
            run.report.unchanged += 1
    if run.errors:
        return
    for _, _, new in sorted(fresh, key=lambda item: item[:2]):
        write_payment(run.ledger, run.config, new)
    run.report.added += len(fresh)


def _new_by_reference(run: Importer, line: int, new: Any) -> bool | None:
    """True if the reference is new; False if the same payment is recorded; None (an error) if it differs."""
    old = run.ledger.one(
        "SELECT received_on, amount_cents, currency FROM payment WHERE client_id = ? AND reference = ?",
        (new.client.id, new.reference),
    )
    if old is None:
        return True
    if (old["received_on"], old["amount_cents"], old["currency"]) == (
        new.received_on.isoformat(),
        new.amount.minor,
        new.amount.currency,
    ):
        return False
    run.errors.append(RowError(line, "reference", f"a different payment with reference {new.reference} is recorded"))
    return None


def _recorded_without_reference(ledger: Ledger, key: tuple[int, str, int, str]) -> int:
    return ledger.scalar(
        "SELECT COUNT(*) FROM payment WHERE client_id = ? AND received_on = ? AND amount_cents = ?"
        " AND currency = ? AND reference IS NULL",
        key,
    )
