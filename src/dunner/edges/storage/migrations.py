"""Schema migrations: ordered, named, each applied with its record in one transaction.

The first migration is literal SQL so the schema of a release never changes under a user's ledger.
Append new migrations to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dunner.core.errors import OperationalError
from dunner.edges.clock import utc_now

M001_INITIAL = """
CREATE TABLE client (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    contact TEXT,
    phone TEXT,
    kind TEXT NOT NULL DEFAULT 'business' CHECK (kind IN ('business', 'consumer')),
    registration TEXT,
    vat_number TEXT,
    address TEXT,
    language TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    terms_days INTEGER CHECK (terms_days >= 0),
    credit_limit_cents INTEGER CHECK (credit_limit_cents >= 0),
    profile TEXT,
    law TEXT,
    archived_on TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX client_code ON client (lower(code));

CREATE TABLE invoice (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    client_id INTEGER NOT NULL REFERENCES client (id),
    kind TEXT NOT NULL DEFAULT 'invoice',
    issued_on TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    net_cents INTEGER NOT NULL,
    vat_cents INTEGER NOT NULL DEFAULT 0,
    total_cents INTEGER NOT NULL CHECK (total_cents = net_cents + vat_cents),
    description TEXT,
    status TEXT NOT NULL DEFAULT 'issued',
    status_on TEXT,
    related_invoice_id INTEGER REFERENCES invoice (id),
    payment_link TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX invoice_client ON invoice (client_id, currency);

CREATE TABLE invoice_line (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoice (id),
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    vat_rate TEXT,
    net_cents INTEGER NOT NULL,
    UNIQUE (invoice_id, position)
);

CREATE TABLE instalment (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoice (id),
    seq INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    UNIQUE (invoice_id, seq)
);
CREATE INDEX instalment_due ON instalment (due_on);

CREATE TABLE payment (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES client (id),
    received_on TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    method TEXT NOT NULL,
    reference TEXT,
    note TEXT,
    reverses_id INTEGER REFERENCES payment (id),
    created_at TEXT NOT NULL,
    CHECK (amount_cents > 0 OR reverses_id IS NOT NULL)
);
CREATE UNIQUE INDEX payment_reference ON payment (client_id, reference);
CREATE INDEX payment_client ON payment (client_id, currency, received_on);

CREATE TABLE allocation (
    id INTEGER PRIMARY KEY,
    payment_id INTEGER NOT NULL REFERENCES payment (id),
    instalment_id INTEGER NOT NULL REFERENCES instalment (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0),
    applied_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX allocation_instalment ON allocation (instalment_id, applied_on, amount_cents);
CREATE INDEX allocation_payment ON allocation (payment_id);

CREATE TABLE event (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES client (id),
    invoice_id INTEGER REFERENCES invoice (id),
    happened_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT,
    promise_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX event_client ON event (client_id, happened_on);
CREATE INDEX event_invoice ON event (invoice_id);

CREATE TABLE reminder (
    id INTEGER PRIMARY KEY,
    instalment_id INTEGER NOT NULL REFERENCES instalment (id),
    step TEXT NOT NULL,
    channel TEXT NOT NULL,
    planned_on TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (instalment_id, step)
);
CREATE INDEX reminder_status ON reminder (status);

CREATE TABLE number_series (
    series TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
"""


def _sql(script: str) -> Callable[[Any], None]:
    def apply(ledger: Any) -> None:
        # Not executescript(): it commits on its own and would split the migration from its record.
        for statement in script.split(";"):
            if statement.strip():
                ledger.execute(statement)

    return apply


# The dunning engine: the day a run acted on a step (for the gap between reminders), what a claiming
# step claimed, and where the message went.
M002_REMINDER_RUNS = """
ALTER TABLE reminder ADD COLUMN acted_on TEXT;
ALTER TABLE reminder ADD COLUMN claim_cents INTEGER;
ALTER TABLE reminder ADD COLUMN recipients TEXT;
UPDATE reminder SET acted_on = planned_on WHERE acted_on IS NULL;
CREATE INDEX event_kind ON event (kind, invoice_id)
"""

# The aging table sums payments per client and currency: an index that covers the sum reads no rows.
M003_PAYMENT_COVER = """
DROP INDEX payment_client;
CREATE INDEX payment_client ON payment (client_id, currency, received_on, amount_cents)
"""

# Complete invoices: the date of the service, early-payment discount terms, deposits deducted from a
# final invoice, end-of-month terms, the last issue date of each series (numbers follow dates), and
# the parties and law terms each invoice was issued with (shared snapshots, see services/parties.py).
M004_DOCUMENTS = """
ALTER TABLE invoice ADD COLUMN service_on TEXT;
ALTER TABLE invoice ADD COLUMN discount_rate TEXT;
ALTER TABLE invoice ADD COLUMN discount_days INTEGER;
ALTER TABLE invoice ADD COLUMN prepaid_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoice ADD COLUMN terms_note TEXT;
ALTER TABLE client ADD COLUMN terms_eom INTEGER NOT NULL DEFAULT 0;
ALTER TABLE client ADD COLUMN country TEXT;
ALTER TABLE number_series ADD COLUMN last_issued_on TEXT;
CREATE TABLE deposit_deduction (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoice (id),
    deposit_id INTEGER NOT NULL UNIQUE REFERENCES invoice (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0)
);
CREATE INDEX deposit_deduction_invoice ON deposit_deduction (invoice_id);
CREATE INDEX invoice_related ON invoice (related_invoice_id);
CREATE TABLE invoice_parties (
    id INTEGER PRIMARY KEY,
    content TEXT NOT NULL UNIQUE
);
ALTER TABLE invoice ADD COLUMN parties_id INTEGER REFERENCES invoice_parties (id)
"""

# Why an invoice's 0 % lines carry no VAT: the client's usual reason, and the reason each invoice was
# issued with, frozen (key, EN 16931 category, VATEX code, mention as printed) as the law it cites.
M005_VAT_EXEMPTION = """
ALTER TABLE client ADD COLUMN vat_exemption TEXT;
ALTER TABLE invoice ADD COLUMN vat_exemption TEXT;
ALTER TABLE invoice ADD COLUMN vat_exemption_category TEXT;
ALTER TABLE invoice ADD COLUMN vat_exemption_code TEXT;
ALTER TABLE invoice ADD COLUMN vat_exemption_text TEXT
"""

# Who left a reminder `sending`: the run's token (its process or database session), so that a later run
# tells a delivery still going on (a concurrent run) from one a crash interrupted, at once; and what the
# message asked, so that a resend keeps the first Message-ID only while it asks the same.
M006_REMINDER_OWNER = """
ALTER TABLE reminder ADD COLUMN owner TEXT;
ALTER TABLE reminder ADD COLUMN asked_cents INTEGER
"""

# Bank statements: every line of every statement imported, stored once (its fingerprint), what it
# became (a payment, a proposal, ignored), and the debtors' IBANs known for each client.
M007_BANK = """
CREATE TABLE bank_line (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    account TEXT NOT NULL,
    statement TEXT,
    booked_on TEXT NOT NULL,
    value_on TEXT,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    debtor TEXT,
    debtor_iban TEXT,
    reference TEXT,
    text TEXT,
    bank_ref TEXT,
    end_to_end TEXT,
    return_reason TEXT,
    reversal INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    client_id INTEGER REFERENCES client (id),
    invoices TEXT,
    payment_id INTEGER REFERENCES payment (id),
    reason TEXT,
    imported_at TEXT NOT NULL
);
CREATE INDEX bank_line_status ON bank_line (status, booked_on);
CREATE INDEX bank_line_booked ON bank_line (booked_on);
CREATE INDEX bank_line_end_to_end ON bank_line (end_to_end);
CREATE INDEX bank_line_payment ON bank_line (payment_id);
CREATE INDEX bank_line_debtor_iban ON bank_line (debtor_iban);
CREATE INDEX payment_reverses ON payment (reverses_id);
CREATE TABLE client_iban (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES client (id),
    iban TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (iban, client_id)
);
CREATE INDEX client_iban_client ON client_iban (client_id)
"""

# The French mentions of the e-invoicing reform: where a client receives its electronic invoices (its
# directory address, BT-49), and what each invoice printed about its operation, frozen like the rest:
# goods, services or both (BT-23), where the goods went when not to the billing address (BG-13), the
# buyer's order reference (BT-13).
M008_FRENCH_MENTIONS = """
ALTER TABLE client ADD COLUMN electronic_address TEXT;
ALTER TABLE invoice ADD COLUMN category TEXT;
ALTER TABLE invoice ADD COLUMN delivery_address TEXT;
ALTER TABLE invoice ADD COLUMN order_ref TEXT
"""

# The approved platform (French e-invoicing reform): each flow dunner submits (an invoice, a status it
# reports such as 212 "Encaissée"), claimed like a reminder before the call (state `sending`, the run's
# token) and completed with the platform's answer; each lifecycle status received, once; where the last
# sync stopped.
M009_PLATFORM = """
CREATE TABLE platform_flow (
    id INTEGER PRIMARY KEY,
    tracking_id TEXT NOT NULL UNIQUE,
    invoice_id INTEGER NOT NULL REFERENCES invoice (id),
    payment_id INTEGER REFERENCES payment (id),
    kind TEXT NOT NULL,
    status_code INTEGER,
    amount_cents INTEGER,
    state TEXT NOT NULL,
    flow_id TEXT,
    sha256 TEXT,
    owner TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX platform_flow_invoice ON platform_flow (invoice_id);
CREATE INDEX platform_flow_state ON platform_flow (state);
CREATE INDEX platform_flow_flow ON platform_flow (flow_id);
CREATE TABLE platform_status (
    id INTEGER PRIMARY KEY,
    flow_id TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    invoice_id INTEGER REFERENCES invoice (id),
    code INTEGER NOT NULL,
    status_on TEXT NOT NULL,
    reason_code TEXT,
    reason_text TEXT,
    amount_cents INTEGER,
    currency TEXT,
    received_at TEXT NOT NULL,
    UNIQUE (flow_id, invoice_number, code)
);
CREATE INDEX platform_status_invoice ON platform_status (invoice_id, status_on);
CREATE TABLE platform_sync (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    updated_after TEXT,
    synced_at TEXT NOT NULL
)
"""

MIGRATIONS: list[tuple[str, Callable[[Any], None]]] = [
    ("m001_initial", _sql(M001_INITIAL)),
    ("m002_reminder_runs", _sql(M002_REMINDER_RUNS)),
    ("m003_payment_cover", _sql(M003_PAYMENT_COVER)),
    ("m004_documents", _sql(M004_DOCUMENTS)),
    ("m005_vat_exemption", _sql(M005_VAT_EXEMPTION)),
    ("m006_reminder_owner", _sql(M006_REMINDER_OWNER)),
    ("m007_bank", _sql(M007_BANK)),
    ("m008_french_mentions", _sql(M008_FRENCH_MENTIONS)),
    ("m009_platform", _sql(M009_PLATFORM)),
]


def applied(ledger: Any) -> set[str]:
    if not ledger.has_table("migration"):
        # Under the write lock: on PostgreSQL two first opens racing on CREATE TABLE IF NOT EXISTS collide.
        with ledger.transaction():
            ledger.execute("CREATE TABLE IF NOT EXISTS migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return {row[0] for row in ledger.all("SELECT name FROM migration")}


def migrate(ledger: Any) -> list[str]:
    """Apply the pending migrations in order; return their names. Safe to run from several processes."""
    known = [name for name, _ in MIGRATIONS]
    done = applied(ledger)
    unknown = sorted(done - set(known))
    if unknown:
        raise OperationalError(
            f"the ledger {ledger.location} was written by a newer dunner (migration {unknown[0]})",
            hint="upgrade dunner",
        )
    ran = []
    for name, apply in MIGRATIONS:
        if name in done:
            continue
        with ledger.transaction():
            # Re-check inside the write lock: another process may have migrated meanwhile.
            if ledger.one("SELECT 1 FROM migration WHERE name = ?", (name,)):
                continue
            apply(ledger)
            ledger.execute("INSERT INTO migration (name, applied_at) VALUES (?, ?)", (name, utc_now()))
        ran.append(name)
    return ran
