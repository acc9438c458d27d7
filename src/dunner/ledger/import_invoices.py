"""Importing invoices: one row a line or a whole invoice, grouped by number, written in batches, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from dunner.core import validate
from dunner.core.errors import ImportRejected, RowError
from dunner.core.invoicing import Line, parse_quantity, parse_rate, totals
from dunner.core.money import check_currency, parse_amount
from dunner.edges.config_schema import CATEGORIES
from dunner.edges.csvio import Record
from dunner.ledger.clients import Client, list_clients
from dunner.ledger.importing import BATCH, Importer, lookup_client
from dunner.ledger.issuing import DEFAULT_LINE, due_date, exemption_for, number_warnings, operation
from dunner.ledger.series import bump_series, foreign_number
from dunner.ledger.writing import NewInvoice, Operation, insert_invoices


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
    operation: Operation

    def head(self) -> tuple[Any, ...]:
        """What every line of one invoice must repeat."""
        return (
            self.client.id,
            self.currency,
            self.issued,
            self.due,
            self.terms,
            self.service,
            self.exemption,
            self.operation,
        )


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
        client = chk("client", lookup_client, clients, raw["client"])
        currency = chk("currency", check_currency, raw.get("currency") or client.currency) if client else None
        issued = chk("issued", run.date, raw["issued"])
        due = chk("due", run.date, raw["due"]) if raw.get("due") else None
        terms = chk("terms", validate.whole_days, raw["terms"]) if raw.get("terms") else None
        service = chk("service", run.date, raw["service"]) if raw.get("service") else None
        text = chk("description", validate.line, raw.get("description"), "description", max_len=500)
        item = line(chk, raw, client, currency, text) if client is not None and currency is not None else None
        exemption = raw.get("vat_exemption") or None
        mentions = _mentions(chk, raw, client) if client is not None else None
        if chk.problems or item is None or number is None or client is None or issued is None or mentions is None:
            return None
        return _InvoiceRow(number, client, currency, issued, due, terms, service, text, item, exemption, mentions)

    def _mentions(chk: validate.Checker, raw: dict[str, str], client: Client) -> Operation | None:
        """The category (else [defaults] category), delivery address and order reference of the row."""
        given = (raw.get("category") or "").strip().lower()
        category = chk("category", validate.choice, given, CATEGORIES, "category") if given else None
        where = chk("delivery_address", validate.block, raw.get("delivery_address"), "delivery address", 500)
        order = chk("order", validate.line, raw.get("order"), "order reference", max_len=100)
        return None if chk.problems else operation(run.config, client, category, where, order)

    return parse


def import_invoices(run: Importer, records: Iterator[Record]) -> None:
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
    run.report.warnings.extend(f"line {line}: {note}" for note in number_warnings(first.number))
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
        operation=first.operation,
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
            "SELECT v.number, v.client_id, v.issued_on, v.currency, v.total_cents, MAX(i.due_on) AS due_on,"
            " v.category, v.delivery_address, v.order_ref"
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
        # invoices issued before dunner recorded a category (NULL) take the one the file gives
        "category": (old["category"] or new.operation.category, new.operation.category),
        "delivery_address": (old["delivery_address"], new.operation.delivery_address),
        "order": (old["order_ref"], new.operation.order_ref),
    }
    return [name for name, (a, b) in pairs.items() if a != b]
