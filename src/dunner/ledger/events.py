"""Events: the follow-up history of a client or an invoice (calls, promises, disputes, pauses, notices, notes).

Dated, so that a report as of a past date sees them as they were then; what they mean for the dunning
(paused, disputed, promised) is read here, where the ledger, the dunning and the insight can all use it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from dunner.edges.clock import utc_now
from dunner.edges.storage.ledger import Ledger


def log_event(
    ledger: Ledger,
    client_id: int,
    kind: str,
    on: date,
    *,
    invoice_id: int | None = None,
    text: str | None = None,
    promise_on: date | None = None,
) -> None:
    ledger.execute(
        "INSERT INTO event (client_id, invoice_id, happened_on, kind, text, promise_on, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            client_id,
            invoice_id,
            on.isoformat(),
            kind,
            text,
            promise_on.isoformat() if promise_on else None,
            utc_now(),
        ),
    )


def event_states(
    ledger: Ledger, as_of: date, invoice_id: int | None = None, clients: list[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Per invoice, as of a date: disputed or not, the latest promise date, and a hold from the e-invoicing
    platform (`hold`: the text saying why, with `held_until`, date.max until a later status releases it).
    The whole ledger's, one invoice's, or the invoices of some `clients` (an IN list's worth)."""
    states: dict[int, dict[str, Any]] = defaultdict(dict)
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "invoice_id": invoice_id}
    only = " AND invoice_id = :invoice_id" if invoice_id is not None else ""
    if clients is not None:
        only += f" AND client_id IN ({_marks(params, clients)})"
    for row in ledger.rows(
        "SELECT invoice_id, kind, text, promise_on FROM event"
        " WHERE kind IN ('dispute', 'resolved', 'promise', 'hold', 'release')"
        f" AND invoice_id IS NOT NULL AND happened_on <= :as_of{only} ORDER BY happened_on, id",
        params,
    ):
        state = states[row["invoice_id"]]
        if row["kind"] == "promise":
            state["promise"] = date.fromisoformat(row["promise_on"])
        elif row["kind"] == "hold":
            state["hold"] = row["text"] or "held"
            state["held_until"] = date.fromisoformat(row["promise_on"]) if row["promise_on"] else date.max
        elif row["kind"] == "release":
            state.pop("hold", None)
            state.pop("held_until", None)
        else:
            state["disputed"] = row["kind"] == "dispute"
    return states


def _marks(params: dict[str, Any], values: list[int]) -> str:
    """Named markers for an IN list, their values added to `params`."""
    params.update({f"in{n}": value for n, value in enumerate(values)})
    return ", ".join(f":in{n}" for n in range(len(values)))


def pauses(
    ledger: Ledger, as_of: date, client_id: int | None = None, clients: list[int] | None = None
) -> dict[int, date]:
    """Clients paused as of a date, with the last day of the pause (date.max: until unpaused): all of
    them, one, or some `clients` (an IN list's worth)."""
    until: dict[int, date] = {}
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "client_id": client_id}
    only = " AND client_id = :client_id" if client_id is not None else ""
    if clients is not None:
        only += f" AND client_id IN ({_marks(params, clients)})"
    for row in ledger.rows(
        "SELECT client_id, kind, promise_on FROM event WHERE kind IN ('pause', 'unpause')"
        f" AND happened_on <= :as_of{only} ORDER BY happened_on, id",
        params,
    ):
        if row["kind"] == "pause":
            until[row["client_id"]] = date.fromisoformat(row["promise_on"]) if row["promise_on"] else date.max
        else:
            until.pop(row["client_id"], None)
    return until
