"""Follow-up: pauses, calls, promises, disputes and notes, logged as events that steer the dunning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dunner.core import validate
from dunner.core.errors import BadInput, Conflict
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import COLUMN_OF, Client, client_values, get_client
from dunner.ledger.events import event_states, log_event, pauses
from dunner.ledger.invoices import Invoice, get_invoice


@dataclass(frozen=True)
class Logged:
    """What a follow-up command recorded, for its one-line confirmation."""

    text: str


def log_notice(ledger: Ledger, client_id: int, invoice_id: int, on: date, text: str, deadline: date) -> None:
    """An invoice's formal notice in its history, once a day: a letter printed again the same day is the same one."""
    if ledger.one(
        "SELECT 1 FROM event WHERE invoice_id = ? AND kind = 'formal_notice' AND happened_on = ?",
        (invoice_id, on.isoformat()),
    ):
        return
    log_event(ledger, client_id, "formal_notice", on, invoice_id=invoice_id, text=text, promise_on=deadline)


def _text(value: str | None, what: str, required: bool = False) -> str | None:
    return validate.line(value, what, required=required, max_len=1000)


def pause(ledger: Ledger, code: str, until: date | None, on: date, reason: str | None = None) -> Logged:
    """No reminders for a client from `on` to `until` (or until unpaused): an event, so as-of runs see it."""
    client = get_client(ledger, code)
    if until is not None and until < on:
        raise BadInput(f"--until {until} is in the past")
    with ledger.transaction():
        log_event(ledger, client.id, "pause", on, text=_text(reason, "reason"), promise_on=until)
    return Logged(
        f"No reminders for {client.code} " + (f"until {until} included." if until else "until 'dunner unpause'.")
    )


def unpause(ledger: Ledger, code: str, on: date) -> Logged:
    client = get_client(ledger, code)
    if pauses(ledger, on, client.id).get(client.id, on - timedelta(days=1)) < on:
        raise BadInput(f"{client.code} is not paused")
    with ledger.transaction():
        log_event(ledger, client.id, "unpause", on)
    return Logged(f"Reminders for {client.code} resume on the next run.")


def _state(ledger: Ledger, invoice: Invoice, on: date) -> dict[str, Any]:
    return event_states(ledger, on, invoice.id).get(invoice.id, {})


def promise(ledger: Ledger, number: str, when: date, on: date, note: str | None = None) -> Logged:
    invoice = get_invoice(ledger, number)
    if when < on:
        raise BadInput(f"the promised date {when} is before today ({on})")
    with ledger.transaction():
        log_event(
            ledger,
            invoice.client_id,
            "promise",
            on,
            invoice_id=invoice.id,
            text=_text(note, "note"),
            promise_on=when,
        )
    return Logged(f"{invoice.number}: payment promised for {when}; no escalation until then.")


def log_call(ledger: Ledger, number: str, note: str, on: date, promised: date | None = None) -> Logged:
    """A call made: logged with its outcome; the invoice's call tasks are done; a promise pauses escalation."""
    invoice = get_invoice(ledger, number)
    text = _text(note, "note", required=True)
    with ledger.transaction():
        log_event(ledger, invoice.client_id, "call", on, invoice_id=invoice.id, text=text)
        done = _finish_tasks(ledger, invoice, "call", on)
        if promised is not None:
            promise(ledger, number, promised, on, note)
    tail = f"; payment promised for {promised}" if promised else ""
    return Logged(f"{invoice.number}: call logged{f' ({done} task(s) done)' if done else ''}{tail}.")


def _finish_tasks(ledger: Ledger, invoice: Invoice, channel: str | None, on: date, step: str | None = None) -> int:
    where, params = "", [utc_now(), on.isoformat(), invoice.id]
    if channel:
        where += " AND channel = ?"
        params.append(channel)
    if step:
        where += " AND step = ?"
        params.append(step)
    cursor = ledger.execute(
        "UPDATE reminder SET status = 'done', updated_at = ?, acted_on = ? WHERE status = 'task' AND instalment_id IN"
        f" (SELECT id FROM instalment WHERE invoice_id = ?){where}",
        params,
    )
    return cursor.rowcount


def _confirm_sent(ledger: Ledger, invoice: Invoice, step: str | None) -> int:
    """Mark the invoice's uncertain sends (of `step`) as sent: rows `sending` whose run is no longer going."""
    rows = ledger.all(
        "SELECT r.id, r.owner FROM reminder r JOIN instalment i ON i.id = r.instalment_id WHERE i.invoice_id = ?"
        " AND r.status = 'sending'" + (" AND r.step = ?" if step else ""),
        (invoice.id, step) if step else (invoice.id,),
    )
    going = ledger.running(r["owner"] for r in rows if r["owner"])
    ids = [r["id"] for r in rows if r["owner"] not in going]
    for row_id in ids:
        ledger.execute(
            "UPDATE reminder SET status = 'sent', error = 'confirmed sent by hand', updated_at = ? WHERE id = ?",
            (utc_now(), row_id),
        )
    return len(ids)


def done(ledger: Ledger, number: str, step: str | None, on: date, note: str | None = None) -> Logged:
    """Mark an invoice's open tasks (or one step's) as done: a letter sent, a file handed over.

    A reminder left uncertain by an interrupted run (see dunning/uncertain.py) that you checked did
    reach the client is marked sent the same way."""
    invoice = get_invoice(ledger, number)
    with ledger.transaction():
        count = _finish_tasks(ledger, invoice, None, on, step) + _confirm_sent(ledger, invoice, step)
        if not count:
            raise BadInput(
                f"{invoice.number} has no open task"
                + (f" for step {step}" if step else "")
                + " (nor an uncertain send)",
                hint="see 'dunner agenda'",
            )
        log_event(
            ledger,
            invoice.client_id,
            "note",
            on,
            invoice_id=invoice.id,
            text=_text(note, "note") or f"task done: {step or 'all'}",
        )
    return Logged(f"{invoice.number}: {count} task(s) done.")


def dispute(ledger: Ledger, number: str, reason: str, on: date) -> Logged:
    invoice = get_invoice(ledger, number)
    text = _text(reason, "reason", required=True)
    if _state(ledger, invoice, on).get("disputed"):
        raise Conflict(f"{invoice.number} is already disputed", hint="add details with 'dunner note'")
    with ledger.transaction():
        log_event(ledger, invoice.client_id, "dispute", on, invoice_id=invoice.id, text=text)
    return Logged(f"{invoice.number} is disputed: no reminders until 'dunner resolve {invoice.number}'.")


def resolve(ledger: Ledger, number: str, on: date, note: str | None = None) -> Logged:
    invoice = get_invoice(ledger, number)
    if not _state(ledger, invoice, on).get("disputed"):
        raise BadInput(f"{invoice.number} is not disputed")
    with ledger.transaction():
        log_event(ledger, invoice.client_id, "resolved", on, invoice_id=invoice.id, text=_text(note, "note"))
    return Logged(f"{invoice.number}: dispute resolved; reminders resume on the next run.")


def note(ledger: Ledger, code: str, text: str, on: date) -> Logged:
    client = get_client(ledger, code)
    with ledger.transaction():
        log_event(ledger, client.id, "note", on, text=_text(text, "note", required=True))
    return Logged(f"Note added to {client.code}.")


def edit_client(ledger: Ledger, config: Config, code: str, changes: dict[str, Any]) -> Client:
    """Change some of a client's fields; the others keep their values. The code itself cannot change."""
    client = get_client(ledger, code)
    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        raise BadInput("nothing to change", hint="see 'dunner edit-client --help'")
    current = {
        **client.as_row(),
        "credit_limit": str(client.credit_limit.amount) if client.credit_limit else None,
    }
    values = client_values(config, {**current, **given})
    columns = {COLUMN_OF.get(k, k): values[COLUMN_OF.get(k, k)] for k in given}
    if "profile" in given and given["profile"] == "":
        columns["profile"] = None
    with ledger.transaction():
        ledger.execute(
            f"UPDATE client SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            [*columns.values(), client.id],
        )
        if "email" in columns and columns["email"] != client.email:
            # a new address is the fix for a refused one: those reminders go again on the next run
            ledger.execute(
                "UPDATE reminder SET status = 'failed' WHERE status = 'rejected' AND instalment_id IN (SELECT i.id"
                " FROM instalment i JOIN invoice v ON v.id = i.invoice_id WHERE v.client_id = ?)",
                (client.id,),
            )
    return get_client(ledger, client.code)
