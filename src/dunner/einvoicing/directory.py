"""`dunner platform lookup CLIENT`: where the client receives its electronic invoices (the Directory Service
of XP Z12-013), remembered as the client's electronic address (BT-49 of its invoices)."""

from __future__ import annotations

from typing import Any

from dunner.core.errors import BadInput
from dunner.core.identifiers import siren_of
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import get_client


def look_up(ledger: Ledger, config: Config, flows: Any, code: str) -> str:
    """Ask the directory about the client's SIREN; store the address it gives; say what was found."""
    client = get_client(ledger, code)
    siren = siren_of(client.registration) if client.registration else None
    if not siren:
        raise BadInput(
            f"{client.code} has no SIREN to look up", hint=f"dunner edit-client {client.code} --registration ..."
        )
    entries = flows.lookup(siren)
    if not entries:
        return f"{client.code} (SIREN {siren}) is not in the platform directory: its invoices cannot go through it yet."
    address = entries[0].address
    with ledger.transaction():
        ledger.execute("UPDATE client SET electronic_address = ? WHERE id = ?", (address, client.id))
    more = f" ({len(entries)} addresses; the first is kept)" if len(entries) > 1 else ""
    return f"{client.code} (SIREN {siren}) receives its invoices at {address}{more}."
