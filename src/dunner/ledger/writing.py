"""Writing checked invoices: the invoice, its lines, its instalments and its deposits deducted, in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from dunner.core.invoicing import (
    Line,
    Totals,
)
from dunner.core.money import Money
from dunner.core.vat import COLUMNS as EXEMPTION_COLUMNS
from dunner.core.vat import Exemption, stored
from dunner.edges.clock import utc_now
from dunner.edges.config import Config, check_business
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import Client
from dunner.ledger.series import claim_number


@dataclass(frozen=True)
class Operation:
    """What an invoice says of the operation it bills (French mentions), frozen as it was printed."""

    category: str | None = None  # goods, services or mixed (both): BT-23, and the wording of its date
    delivery_address: str | None = None  # where the goods went, when not to the billing address (BG-13)
    order_ref: str | None = None  # the buyer's order reference (BT-13)


@dataclass(frozen=True)
class NewInvoice:
    """An invoice checked and ready to be written; `number` is None until one is assigned."""

    client: Client
    issued_on: date
    lines: tuple[Line, ...]
    totals: Totals
    plan: tuple[tuple[date, Money], ...]  # the instalments: what falls due when (total minus deposits)
    kind: str = "invoice"
    service_on: date | None = None
    description: str | None = None
    number: str | None = None
    discount: tuple[Decimal, int] | None = None  # (rate %, days from issue)
    deductions: tuple[tuple[int, str, Money], ...] = ()  # deposits deducted: (id, number, amount)
    related_invoice_id: int | None = None
    terms_note: str | None = None
    notes: tuple[str, ...] = field(default=())  # warnings for the person issuing it
    exemption: Exemption | None = None  # why the 0 % lines carry no VAT
    operation: Operation = field(default_factory=Operation)

    @property
    def total(self) -> Money:
        return self.totals.total

    @property
    def prepaid(self) -> Money:
        if not self.deductions:
            return Money(0, self.total.currency)
        return Money(sum(m.minor for _, _, m in self.deductions), self.total.currency)

    @property
    def due_on(self) -> date:
        """The first due date (the issue date when the deposits settled everything)."""
        return self.plan[0][0] if self.plan else self.issued_on


INVOICE_INSERT = (
    "id",
    "number",
    "client_id",
    "kind",
    "issued_on",
    "currency",
    "net_cents",
    "vat_cents",
    "total_cents",
    "description",
    "related_invoice_id",
    "created_at",
    "service_on",
    "discount_rate",
    "discount_days",
    "prepaid_cents",
    "terms_note",
    "parties_id",
    *EXEMPTION_COLUMNS,
    "category",
    "delivery_address",
    "order_ref",
)


# Nullable columns without a default, left out of a bulk insert where no row sets them (db.insert_rows).
INVOICE_OPTIONAL = (
    "description",
    "related_invoice_id",
    "discount_rate",
    "discount_days",
    "terms_note",
    *EXEMPTION_COLUMNS,
    "category",
    "delivery_address",
    "order_ref",
)


def insert_invoices(
    ledger: Ledger, config: Config, items: list[tuple[str, NewInvoice]], parties_ids: dict[int, int] | None = None
) -> list[int]:
    """Write checked invoices with their lines, instalments and deductions, in bulk; return their ids.

    `parties_ids`: the parties snapshots already written in this transaction, by client (see parties.store).
    """
    from dunner.ledger import parties

    check_business(config)  # its identity is frozen into the invoices: a bad SIREN would stay there for ever
    snapshots = parties.store(ledger, config, [new.client for _, new in items], parties_ids)
    first = ledger.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM invoice")
    now = utc_now()
    ids = list(range(first, first + len(items)))
    pairs = list(zip(ids, items, strict=True))
    ledger.insert_rows(
        "invoice",
        INVOICE_INSERT,
        [_invoice_row(i, number, new, snapshots, now) for i, (number, new) in pairs],
        optional=INVOICE_OPTIONAL,
    )
    ledger.reset_ids("invoice")  # the ids were given: a server-side sequence must move past them
    ledger.insert_rows(
        "invoice_line",
        ("invoice_id", "position", "description", "quantity", "unit_price_cents", "vat_rate", "net_cents"),
        [
            (
                i,
                pos,
                line.description,
                str(line.quantity),
                line.unit_price.minor,
                None if line.vat_rate is None else str(line.vat_rate),
                line.net.minor,
            )
            for i, (_, new) in pairs
            for pos, line in enumerate(new.lines, start=1)
        ],
        optional=("vat_rate",),
    )
    ledger.executemany(
        "INSERT INTO instalment (invoice_id, seq, due_on, amount_cents) VALUES (?, ?, ?, ?)",
        [
            (i, seq, day.isoformat(), amount.minor)
            for i, (_, new) in pairs
            for seq, (day, amount) in enumerate(new.plan, start=1)
        ],
    )
    ledger.executemany(
        "INSERT INTO deposit_deduction (invoice_id, deposit_id, amount_cents) VALUES (?, ?, ?)",
        [(i, deposit_id, amount.minor) for i, (_, new) in pairs for deposit_id, _, amount in new.deductions],
    )
    return ids


def _invoice_row(i: int, number: str, new: NewInvoice, snapshots: dict[int, int], now: str) -> tuple[Any, ...]:
    """One invoice's row, in the order of INVOICE_INSERT."""
    return (
        i,
        number,
        new.client.id,
        new.kind,
        new.issued_on.isoformat(),
        new.total.currency,
        new.totals.net.minor,
        new.totals.vat.minor,
        new.total.minor,
        new.description,
        new.related_invoice_id,
        now,
        (new.service_on or new.issued_on).isoformat(),
        str(new.discount[0]) if new.discount else None,
        new.discount[1] if new.discount else None,
        new.prepaid.minor,
        new.terms_note,
        snapshots[new.client.id],
        *stored(new.exemption),
        new.operation.category,
        new.operation.delivery_address,
        new.operation.order_ref,
    )


def write_invoice(ledger: Ledger, config: Config, new: NewInvoice) -> NewInvoice:
    """Number and write a checked invoice; return it with its number."""
    with ledger.transaction():
        number = claim_number(ledger, config, new.kind, new.number, new.issued_on)
        insert_invoices(ledger, config, [(number, new)])
    return replace(new, number=number)
