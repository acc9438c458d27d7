"""What the dunning engine looks at: open instalments with their client, history and blocking state.

Loaded in bulk for planning (a few queries for the whole ledger) and one at a time for the re-check
that runs inside each delivery's transaction; both go through the same rules (`net_due`, `blocked`),
so the re-check can never disagree with the plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from dunner.db import Ledger
from dunner.money import Money
from dunner.schedule import Record
from dunner.services.balances import ACTIVE, PAID, credit_sql


@dataclass(frozen=True, slots=True)
class Party:
    """The client as a reminder needs them."""

    id: int
    code: str
    name: str
    email: str
    contact: str | None
    phone: str | None
    language: str
    kind: str
    profile: str | None
    law: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class Target:
    instalment_id: int
    invoice_id: int
    number: str
    seq: int
    issued_on: date
    due_on: date
    amount: Money
    paid: Money
    total: Money  # the invoice's total
    payment_link: str | None
    client: Party
    due: Money = field(default=None)  # type: ignore[assignment] # what remains after payments and credit
    history: dict[str, Record] = field(default_factory=dict)
    blocked: str | None = None

    @property
    def label(self) -> str:
        return self.number if self.seq == 1 else f"{self.number}/{self.seq}"


TARGETS = f"""
    SELECT * FROM (
        SELECT i.id AS instalment_id, i.seq, i.due_on, i.amount_cents, {PAID} AS paid_cents,
               v.id AS invoice_id, v.number, v.issued_on, v.currency, v.total_cents, v.payment_link,
               c.id AS client_id, c.code, c.name, c.email, c.contact, c.phone, c.language, c.kind,
               c.profile, c.law, c.address
        FROM instalment i JOIN invoice v ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id
        WHERE {ACTIVE} AND i.due_on <= :horizon {{where}}
    ) WHERE amount_cents > paid_cents
    ORDER BY client_id, currency, due_on, issued_on, number, seq
"""


def _target(row: Any) -> Target:
    cur = row["currency"]
    party = Party(
        row["client_id"],
        row["code"],
        row["name"],
        row["email"],
        row["contact"],
        row["phone"],
        row["language"],
        row["kind"],
        row["profile"],
        row["law"],
        row["address"],
    )
    return Target(
        row["instalment_id"],
        row["invoice_id"],
        row["number"],
        row["seq"],
        date.fromisoformat(row["issued_on"]),
        date.fromisoformat(row["due_on"]),
        Money(row["amount_cents"], cur),
        Money(row["paid_cents"], cur),
        Money(row["total_cents"], cur),
        row["payment_link"],
        party,
    )


def net_due(targets: list[Target], credit: int) -> list[Target]:
    """Apply a client's unapplied credit (one currency) to their open instalments, oldest due first."""
    out = []
    for target in targets:
        outstanding = target.amount.minor - target.paid.minor
        used = min(credit, outstanding)
        credit -= used
        out.append(replace(target, due=Money(outstanding - used, target.amount.currency)))
    return out


def blocked(target: Target, state: dict[str, Any], paused: date | None, as_of: date) -> str | None:
    """Why the instalment must not be chased today: paused, disputed, promised or covered by credit."""
    if paused is not None and paused >= as_of:
        return "client paused" + ("" if paused == date.max else f" until {paused}")
    if state.get("disputed"):
        return "disputed"
    promise = state.get("promise")
    if promise is not None and promise >= as_of:
        return f"payment promised for {promise}"
    if not target.due:
        return "covered by the client's credit"
    return None


def event_states(ledger: Ledger, as_of: date, invoice_id: int | None = None) -> dict[int, dict[str, Any]]:
    """Per invoice, as of a date: disputed or not, and the latest promise date."""
    states: dict[int, dict[str, Any]] = defaultdict(dict)
    only = " AND invoice_id = :invoice_id" if invoice_id is not None else ""
    for row in ledger.rows(
        "SELECT invoice_id, kind, promise_on FROM event WHERE kind IN ('dispute', 'resolved', 'promise')"
        f" AND invoice_id IS NOT NULL AND happened_on <= :as_of{only} ORDER BY happened_on, id",
        {"as_of": as_of.isoformat(), "invoice_id": invoice_id},
    ):
        state = states[row["invoice_id"]]
        if row["kind"] == "promise":
            state["promise"] = date.fromisoformat(row["promise_on"])
        else:
            state["disputed"] = row["kind"] == "dispute"
    return states


def pauses(ledger: Ledger, as_of: date, client_id: int | None = None) -> dict[int, date]:
    """Clients paused as of a date, with the last day of the pause (date.max: until unpaused)."""
    until: dict[int, date] = {}
    only = " AND client_id = :client_id" if client_id is not None else ""
    for row in ledger.rows(
        "SELECT client_id, kind, promise_on FROM event WHERE kind IN ('pause', 'unpause')"
        f" AND happened_on <= :as_of{only} ORDER BY happened_on, id",
        {"as_of": as_of.isoformat(), "client_id": client_id},
    ):
        if row["kind"] == "pause":
            until[row["client_id"]] = date.fromisoformat(row["promise_on"]) if row["promise_on"] else date.max
        else:
            until.pop(row["client_id"], None)
    return until


def histories(
    ledger: Ledger,
    instalment_ids: Iterable[int] | None,
    horizon: date,
    recovery: frozenset[str],
    stale_before: str = "",
) -> dict[int, dict[str, Record]]:
    """The reminder rows of the instalments; statuses the user asked to retry are shown as failed.

    A `sending` row is only retried when older than `stale_before` (a UTC timestamp): a younger one
    may belong to a run still delivering it.
    """
    out: dict[int, dict[str, Record]] = defaultdict(dict)
    ids = None if instalment_ids is None else list(instalment_ids)
    where = f"r.instalment_id IN ({', '.join('?' * len(ids))})" if ids is not None else "i.due_on <= ?"
    params: list[Any] = ids if ids is not None else [horizon.isoformat()]
    for row in ledger.rows(
        "SELECT r.instalment_id, r.step, r.status, r.acted_on, r.updated_at FROM reminder r"
        f" JOIN instalment i ON i.id = r.instalment_id WHERE {where}",
        params,
    ):
        status = row["status"]
        if status in recovery and (status != "sending" or row["updated_at"] < stale_before):
            status = "failed"
        out[row["instalment_id"]][row["step"]] = Record(status, date.fromisoformat(row["acted_on"]))
    return out


def load_targets(
    ledger: Ledger,
    as_of: date,
    first_offset: int,
    *,
    client_id: int | None = None,
    recovery: frozenset[str] = frozenset(),
    stale_before: str = "",
) -> list[Target]:
    """Every open instalment some step could concern as of `as_of`, ready for the scheduler."""
    horizon = as_of - timedelta(days=first_offset)
    params = {"as_of": as_of.isoformat(), "horizon": horizon.isoformat(), "client_id": client_id}
    where = "AND c.id = :client_id" if client_id is not None else ""
    rows = [_target(r) for r in ledger.rows(TARGETS.format(where=where), params)]
    credit = {
        (r["client_id"], r["currency"]): r["credit_cents"]
        for r in ledger.rows(credit_sql(), {"as_of": as_of.isoformat()})
        if client_id is None or r["client_id"] == client_id
    }
    history = histories(ledger, None, horizon, recovery, stale_before)
    return _finish(rows, credit, as_of, history, event_states(ledger, as_of), pauses(ledger, as_of, client_id))


def _finish(
    rows: list[Target],
    credit: dict[tuple[int, str], int],
    as_of: date,
    history: dict[int, dict[str, Record]],
    states: dict[int, dict[str, Any]],
    paused: dict[int, date],
) -> list[Target]:
    groups: dict[tuple[int, str], list[Target]] = defaultdict(list)
    for row in rows:
        groups[(row.client.id, row.amount.currency)].append(row)
    out = []
    for key, group in groups.items():
        for target in net_due(group, max(credit.get(key, 0), 0)):
            target = replace(target, history=history.get(target.instalment_id, {}))
            state = states.get(target.invoice_id, {})
            out.append(replace(target, blocked=blocked(target, state, paused.get(target.client.id), as_of)))
    return out


def reload_target(
    ledger: Ledger,
    target: Target,
    as_of: date,
    recovery: frozenset[str] = frozenset(),
    stale_before: str = "",
) -> Target | None:
    """The instalment as it stands now (inside a delivery's transaction), or None if nothing is owed."""
    params = {
        "as_of": as_of.isoformat(),
        "horizon": date.max.isoformat(),
        "client_id": target.client.id,
        "currency": target.amount.currency,
    }
    rows = [
        _target(r)
        for r in ledger.rows(TARGETS.format(where="AND c.id = :client_id AND v.currency = :currency"), params)
    ]
    credit = {
        (r["client_id"], r["currency"]): r["credit_cents"]
        for r in ledger.rows(credit_sql(one_client=True), {"as_of": as_of.isoformat(), "client_id": target.client.id})
    }
    history = histories(ledger, [target.instalment_id], date.max, recovery, stale_before)
    states = event_states(ledger, as_of, target.invoice_id)
    fresh = _finish(rows, credit, as_of, history, states, pauses(ledger, as_of, target.client.id))
    return next((t for t in fresh if t.instalment_id == target.instalment_id), None)
