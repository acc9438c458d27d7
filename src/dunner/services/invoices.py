"""Invoices: issuing them with gapless numbers, finding them, listing what is open, overdue or paid."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dunner import validate
from dunner.config import Config
from dunner.dates import utc_now
from dunner.db import Ledger
from dunner.errors import BadInput, Conflict, NotFound
from dunner.money import Money, check_currency, parse_amount
from dunner.services.balances import PAID
from dunner.services.clients import Client, get_client

STATUSES = ("open", "overdue", "paid", "all")
DEFAULT_LINE = {"fr": "Prestations", "en": "Services"}


@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    number: str
    client_id: int
    issued_on: date
    currency: str
    total: Money
    status: str


@dataclass(frozen=True, slots=True)
class NewInvoice:
    """An invoice checked and ready to be written; `number` is None until one is assigned."""

    client: Client
    total: Money
    issued_on: date
    due_on: date
    description: str
    number: str | None = None


def get_invoice(ledger: Ledger, number: str) -> Invoice:
    row = ledger.one("SELECT * FROM invoice WHERE number = ?", (number.strip(),))
    if row is None:
        raise NotFound(f"no invoice '{number}'", hint="see 'dunner invoices --status all'")
    return Invoice(
        id=row["id"],
        number=row["number"],
        client_id=row["client_id"],
        issued_on=date.fromisoformat(row["issued_on"]),
        currency=row["currency"],
        total=Money(row["total_cents"], row["currency"]),
        status=row["status"],
    )


def due_date(issued_on: date, due_on: date | None, terms: int | None, client: Client, config: Config) -> date:
    """An explicit due date, else the issue date plus the given, client's or default terms."""
    if due_on is not None and terms is not None:
        raise BadInput("give either a due date or terms, not both")
    if due_on is None:
        days = terms if terms is not None else client.terms if client.terms is not None else config.defaults.terms
        due_on = issued_on + timedelta(days=validate.days(days))
    if due_on < issued_on:
        raise BadInput(f"due date {due_on} is before the issue date {issued_on}")
    return due_on


def prepare_invoice(
    ledger: Ledger,
    config: Config,
    client_code: str,
    amount: str,
    *,
    issued_on: date,
    due_on: date | None = None,
    terms: int | None = None,
    currency: str | None = None,
    description: str | None = None,
    number: str | None = None,
) -> NewInvoice:
    """Check everything about a one-line invoice before anything is written."""
    client = get_client(ledger, client_code)
    cur = check_currency(currency or client.currency)
    return NewInvoice(
        client=client,
        total=parse_amount(amount, cur),
        issued_on=issued_on,
        due_on=due_date(issued_on, due_on, terms, client, config),
        description=validate.line(description, "description", max_len=500) or DEFAULT_LINE[client.language],
        number=validate.line(number, "invoice number", max_len=40),
    )


def bump_series(ledger: Ledger, config: Config, numbers: Iterable[str]) -> None:
    """Numbers brought over that follow our pattern move their series counter past them."""
    highest: dict[str, int] = {}
    for number in numbers:
        matched = config.number_pattern.match(number)
        if matched:
            series, seq = matched
            highest[series] = max(seq, highest.get(series, 0))
    ledger.executemany(
        "INSERT INTO number_series (series, last_seq) VALUES (?, ?) ON CONFLICT (series)"
        " DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
        list(highest.items()),
    )


def claim_number(ledger: Ledger, config: Config, number: str | None, issued_on: date) -> str:
    """The invoice's number: the next of its series, or the user's own (which must be new).

    Called inside the transaction that writes the invoice, so a failed creation burns no number.
    """
    if number is not None:
        if ledger.one("SELECT 1 FROM invoice WHERE number = ?", (number,)):
            raise Conflict(f"invoice number '{number}' is already used")
        bump_series(ledger, config, [number])
        return number
    pattern = config.number_pattern
    series = pattern.series(issued_on)
    seq = ledger.scalar(
        "INSERT INTO number_series (series, last_seq) VALUES (?, 1) ON CONFLICT (series)"
        " DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
        (series,),
    )
    number = pattern.format(issued_on, seq)
    if ledger.one("SELECT 1 FROM invoice WHERE number = ?", (number,)):
        raise Conflict(
            f"the next number of series {series}, {number}, is already used",
            hint="an invoice was brought over with --number outside the series counter; give --number",
        )
    return number


def insert_invoices(ledger: Ledger, items: list[tuple[str, NewInvoice]]) -> None:
    """Write checked one-line invoices, each with its single instalment, in bulk (inside a transaction)."""
    first = ledger.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM invoice")
    now = utc_now()
    ids = range(first, first + len(items))
    ledger.executemany(
        "INSERT INTO invoice (id, number, client_id, kind, issued_on, currency, net_cents, vat_cents,"
        " total_cents, description, created_at) VALUES (?, ?, ?, 'invoice', ?, ?, ?, 0, ?, ?, ?)",
        [
            (
                i,
                number,
                new.client.id,
                new.issued_on.isoformat(),
                new.total.currency,
                new.total.minor,
                new.total.minor,
                new.description,
                now,
            )
            for i, (number, new) in zip(ids, items, strict=True)
        ],
    )
    ledger.executemany(
        "INSERT INTO invoice_line (invoice_id, position, description, quantity, unit_price_cents,"
        " vat_rate, net_cents) VALUES (?, 1, ?, '1', ?, NULL, ?)",
        [(i, new.description, new.total.minor, new.total.minor) for i, (_, new) in zip(ids, items, strict=True)],
    )
    ledger.executemany(
        "INSERT INTO instalment (invoice_id, seq, due_on, amount_cents) VALUES (?, 1, ?, ?)",
        [(i, new.due_on.isoformat(), new.total.minor) for i, (_, new) in zip(ids, items, strict=True)],
    )


def write_invoice(ledger: Ledger, config: Config, new: NewInvoice) -> str:
    """Number and write a checked one-line invoice; return its number."""
    with ledger.transaction():
        number = claim_number(ledger, config, new.number, new.issued_on)
        insert_invoices(ledger, [(number, new)])
    return number


def create_invoice(ledger: Ledger, config: Config, client_code: str, amount: str, **options: Any) -> NewInvoice:
    """Issue a one-line invoice with one instalment; return it with its number."""
    new = prepare_invoice(ledger, config, client_code, amount, **options)
    number = write_invoice(ledger, config, new)
    return NewInvoice(new.client, new.total, new.issued_on, new.due_on, new.description, number)


def list_invoices(
    ledger: Ledger, as_of: date, *, client_code: str | None = None, status: str = "open"
) -> Iterator[dict[str, Any]]:
    """Invoices issued by `as_of` with what was paid and remains due on that date."""
    validate.choice(status, STATUSES, "status")
    params: dict[str, Any] = {"as_of": as_of.isoformat()}
    where = "v.issued_on <= :as_of"
    if client_code is not None:
        params["client_id"] = get_client(ledger, client_code).id
        where += " AND v.client_id = :client_id"
    having = {
        "open": "MAX(active) = 1 AND SUM(open_cents) > 0",
        "overdue": "MAX(active) = 1 AND SUM(open_cents) > 0 AND MIN(CASE WHEN open_cents > 0 THEN due_on END) < :as_of",
        "paid": "MAX(active) = 1 AND SUM(open_cents) = 0",
        "all": "1 = 1",
    }[status]
    sql = f"""
        SELECT number, code, issued_on, currency, total_cents, status, status_on,
               SUM(paid_cents) AS paid_cents, SUM(open_cents) AS open_cents,
               MIN(CASE WHEN open_cents > 0 THEN due_on END) AS next_due, MAX(due_on) AS last_due
        FROM (
            SELECT *, amount_cents - paid_cents AS open_cents FROM (
                SELECT v.id, v.number, c.code, v.issued_on, v.currency, v.total_cents, v.status,
                       v.status_on, i.due_on, i.amount_cents, {PAID} AS paid_cents,
                       CASE WHEN v.status = 'issued' OR v.status_on > :as_of THEN 1 ELSE 0 END AS active
                FROM invoice v JOIN client c ON c.id = v.client_id JOIN instalment i ON i.invoice_id = v.id
                WHERE {where}
            )
        )
        GROUP BY id HAVING {having}
        ORDER BY issued_on, number
    """
    for row in ledger.rows(sql, params):
        yield _invoice_row(row, as_of)


def _invoice_row(row: Any, as_of: date) -> dict[str, Any]:
    cur = row["currency"]
    due = date.fromisoformat(row["next_due"] or row["last_due"])
    outstanding = row["open_cents"]
    if row["status"] != "issued" and row["status_on"] and row["status_on"] <= as_of.isoformat():
        status = row["status"].replace("_", " ")
    elif outstanding <= 0:
        status = "paid"
    else:
        status = "overdue" if due < as_of else "open"
    return {
        "invoice": row["number"],
        "client": row["code"],
        "issued": date.fromisoformat(row["issued_on"]),
        "due": due,
        "currency": cur,
        "total": Money(row["total_cents"], cur),
        "paid": Money(row["paid_cents"], cur),
        "outstanding": Money(outstanding, cur),
        "days_overdue": (as_of - due).days if outstanding > 0 else None,
        "status": status,
    }
