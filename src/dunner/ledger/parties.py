"""Who an invoice was between, and on what late-payment terms, as it was the day it was issued.

An issued invoice never changes: re-printing it next year must show the seller's and the buyer's
identity and the penalty terms it was issued with, not today's. Each invoice points to a snapshot
of them, stored once for every invoice that shares it. How to pay (IBAN, link) and how to reach the
business stay current on purpose: a reminder must point to the account in use now.
"""

from __future__ import annotations

import json
from typing import Any

from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import Client

BUSINESS_FIELDS = (
    "name",
    "legal_form",
    "address",
    "registration",
    "vat_number",
    "vat_franchise",
    "country",
    "vat_on_debits",
    "capital",
    "rcs",
)
CLIENT_FIELDS = ("name", "kind", "registration", "vat_number", "address", "country")


def snapshot(config: Config, client: Client) -> dict[str, Any]:
    """The parties and the law as they stand, for an invoice issued now."""
    laws = config.jurisdiction()
    law = laws.law_for(client.law, client.kind)
    business = config.business
    return {
        "business": {key: getattr(business, key) for key in BUSINESS_FIELDS},
        "client": {key: getattr(client, key) for key in CLIENT_FIELDS},
        "law": {
            "name": law.name,
            "margin": str(law.margin),
            "contractual": None if laws.contractual_rate is None else str(laws.contractual_rate),
            "indemnity": [[None if below is None else str(below), str(amount)] for below, amount in law.indemnity],
            "currency": law.currency,
        },
    }


def store(ledger: Ledger, config: Config, clients: list[Client], ids: dict[int, int] | None = None) -> dict[int, int]:
    """The snapshot id for each client (by client id), written once per distinct content.

    `ids` holds the clients already stored in this transaction (an import writes in batches); it is
    filled in and returned.
    """
    ids = {} if ids is None else ids
    for client in clients:
        if client.id in ids:
            continue
        text = json.dumps(snapshot(config, client), sort_keys=True, ensure_ascii=False)
        ledger.execute("INSERT INTO invoice_parties (content) VALUES (?) ON CONFLICT (content) DO NOTHING", (text,))
        ids[client.id] = ledger.scalar("SELECT id FROM invoice_parties WHERE content = ?", (text,))
    return ids


def load(ledger: Ledger, parties_id: int | None) -> dict[str, Any]:
    """The snapshot an invoice was issued with ({} for invoices issued before snapshots existed)."""
    if parties_id is None:
        return {}
    return json.loads(ledger.scalar("SELECT content FROM invoice_parties WHERE id = ?", (parties_id,)))


def merged(issued: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """What the invoice said, completed with today's value where it said nothing (a mention added later)."""
    return {**current, **{key: value for key, value in issued.items() if value not in (None, "")}}
