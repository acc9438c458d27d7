"""The ledger schema declared as SQLModel tables (DESIGN §2).

The migrations in `migrations.py` create the schema with literal SQL and the services query it with
plain SQL for speed; these classes describe the same tables for `dunner copy` (which reads from them
the tables, parents first, their columns and keys, and refuses a ledger that lacks one) and for anyone
working with SQLModel or SQLAlchemy. `tests/test_migrations.py` proves both are identical. Imported
only where it is used: SQLModel costs about half a second to import.
Money columns end in `_cents` (integer minor units); dates are ISO `YYYY-MM-DD`, timestamps UTC text.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Column, Index, Integer, UniqueConstraint, func
from sqlmodel import Field, SQLModel


class Client(SQLModel, table=True):
    __table_args__ = (
        Index("client_code", func.lower(Column("code")), unique=True),
        CheckConstraint("kind IN ('business', 'consumer')"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str
    name: str
    email: str
    contact: str | None = None
    phone: str | None = None
    kind: str = "business"
    registration: str | None = None
    vat_number: str | None = None
    address: str | None = None
    language: str
    currency: str
    terms_days: int | None = None
    credit_limit_cents: int | None = None
    profile: str | None = None
    law: str | None = None
    archived_on: date | None = None
    created_at: str
    terms_eom: int = 0
    country: str | None = None
    vat_exemption: str | None = None
    electronic_address: str | None = None


class Invoice(SQLModel, table=True):
    __table_args__ = (Index("invoice_client", "client_id", "currency"), Index("invoice_related", "related_invoice_id"))
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True)
    client_id: int = Field(foreign_key="client.id")
    kind: str = "invoice"
    issued_on: date
    currency: str
    net_cents: int
    vat_cents: int = 0
    total_cents: int
    description: str | None = None
    status: str = "issued"
    status_on: date | None = None
    related_invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    payment_link: str | None = None
    created_at: str
    service_on: date | None = None
    discount_rate: str | None = None
    discount_days: int | None = None
    prepaid_cents: int = 0
    terms_note: str | None = None
    parties_id: int | None = Field(default=None, foreign_key="invoice_parties.id")
    vat_exemption: str | None = None
    vat_exemption_category: str | None = None
    vat_exemption_code: str | None = None
    vat_exemption_text: str | None = None
    category: str | None = None
    delivery_address: str | None = None
    order_ref: str | None = None


class InvoiceParties(SQLModel, table=True):
    __tablename__ = "invoice_parties"
    id: int | None = Field(default=None, primary_key=True)
    content: str = Field(unique=True)


class DepositDeduction(SQLModel, table=True):
    __tablename__ = "deposit_deduction"
    __table_args__ = (Index("deposit_deduction_invoice", "invoice_id"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    deposit_id: int = Field(foreign_key="invoice.id", unique=True)
    amount_cents: int


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    position: int
    description: str
    quantity: str
    unit_price_cents: int
    vat_rate: str | None = None
    net_cents: int


class Instalment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("invoice_id", "seq"), Index("instalment_due", "due_on"))
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    seq: int
    due_on: date
    amount_cents: int


class Payment(SQLModel, table=True):
    __table_args__ = (
        Index("payment_reference", "client_id", "reference", unique=True),
        Index("payment_client", "client_id", "currency", "received_on", "amount_cents"),
        Index("payment_reverses", "reverses_id"),  # m007: what reversed a payment (bank returns, unmatching)
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    received_on: date
    amount_cents: int
    currency: str
    method: str
    reference: str | None = None
    note: str | None = None
    reverses_id: int | None = Field(default=None, foreign_key="payment.id")
    created_at: str


class Allocation(SQLModel, table=True):
    __table_args__ = (
        Index("allocation_instalment", "instalment_id", "applied_on", "amount_cents"),
        Index("allocation_payment", "payment_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id")
    instalment_id: int = Field(foreign_key="instalment.id")
    amount_cents: int
    applied_on: date
    created_at: str


class Event(SQLModel, table=True):
    __table_args__ = (
        Index("event_client", "client_id", "happened_on"),
        Index("event_invoice", "invoice_id"),
        Index("event_kind", "kind", "invoice_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    happened_on: date
    kind: str
    text: str | None = None
    promise_on: date | None = None
    created_at: str


class Reminder(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("instalment_id", "step"), Index("reminder_status", "status"))
    id: int | None = Field(default=None, primary_key=True)
    instalment_id: int = Field(foreign_key="instalment.id")
    step: str
    channel: str
    planned_on: date
    status: str
    attempts: int = Field(default=0, sa_type=Integer)
    message_id: str | None = None
    error: str | None = None
    created_at: str
    updated_at: str
    acted_on: date | None = None
    claim_cents: int | None = None
    recipients: str | None = None
    owner: str | None = None
    asked_cents: int | None = None


class BankLine(SQLModel, table=True):
    __tablename__ = "bank_line"
    __table_args__ = (
        Index("bank_line_status", "status", "booked_on"),
        Index("bank_line_booked", "booked_on"),
        Index("bank_line_end_to_end", "end_to_end"),
        Index("bank_line_payment", "payment_id"),
        Index("bank_line_debtor_iban", "debtor_iban"),
        CheckConstraint("length(currency) = 3"),
    )
    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(unique=True)
    source: str
    format: str
    account: str
    statement: str | None = None
    booked_on: date
    value_on: date | None = None
    amount_cents: int
    currency: str
    debtor: str | None = None
    debtor_iban: str | None = None
    reference: str | None = None
    text: str | None = None
    bank_ref: str | None = None
    end_to_end: str | None = None
    return_reason: str | None = None
    reversal: int = 0
    status: str
    client_id: int | None = Field(default=None, foreign_key="client.id")
    invoices: str | None = None
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    reason: str | None = None
    imported_at: str


class ClientIban(SQLModel, table=True):
    __tablename__ = "client_iban"
    __table_args__ = (UniqueConstraint("iban", "client_id"), Index("client_iban_client", "client_id"))
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    iban: str
    source: str
    created_at: str


class PlatformFlow(SQLModel, table=True):
    __tablename__ = "platform_flow"
    __table_args__ = (
        Index("platform_flow_invoice", "invoice_id"),
        Index("platform_flow_state", "state"),
        Index("platform_flow_flow", "flow_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tracking_id: str = Field(unique=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    kind: str
    status_code: int | None = None
    amount_cents: int | None = None
    state: str
    flow_id: str | None = None
    sha256: str | None = None
    owner: str | None = None
    attempts: int = 0
    error: str | None = None
    created_at: str
    updated_at: str


class PlatformStatus(SQLModel, table=True):
    __tablename__ = "platform_status"
    __table_args__ = (
        UniqueConstraint("flow_id", "invoice_number", "code"),
        Index("platform_status_invoice", "invoice_id", "status_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    flow_id: str
    invoice_number: str
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    code: int
    status_on: date
    reason_code: str | None = None
    reason_text: str | None = None
    amount_cents: int | None = None
    currency: str | None = None
    received_at: str


class PlatformSync(SQLModel, table=True):
    __tablename__ = "platform_sync"
    __table_args__ = (CheckConstraint("id = 1"),)
    id: int | None = Field(default=None, primary_key=True)
    updated_after: str | None = None
    synced_at: str


class NumberSeries(SQLModel, table=True):
    __tablename__ = "number_series"
    series: str = Field(primary_key=True)
    last_seq: int
    last_issued_on: date | None = None


class Migration(SQLModel, table=True):
    name: str = Field(primary_key=True)
    applied_at: str
