"""Lifecycle statuses received from the platform (XP Z12-012), and what each changes for the dunning.

Each status is kept once (`platform_status`: flow, invoice, code) and written in the invoice's history
with the platform's reason. What it means, as events the dunning already reads (`ledger.events`):
- 210 Refusée, 207 En litige: a dispute (no reminders until resolved, by a person or a later 205/209);
- 208 Suspendue: a hold until a later status; 211 Paiement transmis: a hold for `payment_sent_days`;
- 206 Partiellement approuvée: a note with the approved amount; 205 Approuvée: a note;
- 213 Rejetée: the invoice was not delivered (not legally issued): its submission is marked rejected (the
  agenda says so) and its reminders are held until a later status (a client is not chased for an invoice it
  never received);
- the statuses of the transport (200 to 204) and 212 Encaissée are recorded and noted only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunner.core.identifiers import siren_of
from dunner.edges.clock import utc_now
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.events import event_states, log_event

NAMES = {
    200: ("Déposée", "submitted"),
    201: ("Émise", "issued"),
    202: ("Reçue", "received"),
    203: ("Mise à disposition", "made available"),
    204: ("Prise en charge", "taken over"),
    205: ("Approuvée", "approved"),
    206: ("Partiellement approuvée", "partly approved"),
    207: ("En litige", "disputed"),
    208: ("Suspendue", "suspended"),
    209: ("Complétée", "completed"),
    210: ("Refusée", "refused"),
    211: ("Paiement transmis", "payment sent"),
    212: ("Encaissée", "payment received"),
    213: ("Rejetée", "rejected"),
    220: ("Annulée", "cancelled"),
}
DISPUTES = frozenset({207, 210})
RESOLVES = frozenset({205, 209, 211, 212})  # the buyer accepted or paid: a platform dispute is over
RELEASES = frozenset(set(NAMES) - {208})  # any later status ends a suspension
PAYMENT_SENT_DAYS = 7


@dataclass(frozen=True)
class Applied:
    invoice: str
    code: int
    status_on: date
    new: bool  # False: already known (a second sync, the same flow again)
    effect: str = ""


def label(code: int) -> str:
    fr, _ = NAMES.get(code, ("?", "?"))
    return f"{code} {fr}"


def apply_status(
    ledger: Ledger, flow_id: str, status: Any, config: Any = None, *, payment_sent_days: int = PAYMENT_SENT_DAYS
) -> Applied:
    """Record one lifecycle status (an `edges.cdar.LifecycleStatus`) and its effect, once."""
    invoice = _invoice(ledger, status, config)
    amount = getattr(status, "amount", None)
    known = ledger.one(
        "SELECT 1 FROM platform_status WHERE flow_id = ? AND invoice_number = ? AND code = ?",
        (flow_id, status.invoice_number, status.code),
    )
    if known:
        return Applied(status.invoice_number, status.code, status.status_on, False)
    with ledger.transaction():
        ledger.execute(
            "INSERT INTO platform_status (flow_id, invoice_number, invoice_id, code, status_on, reason_code,"
            " reason_text, amount_cents, currency, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                flow_id,
                status.invoice_number,
                invoice["id"] if invoice else None,
                status.code,
                status.status_on.isoformat(),
                status.reason_code or None,
                status.reason_text or None,
                _cents(amount),
                getattr(status, "currency", None) or (invoice["currency"] if invoice else None),
                utc_now(),
            ),
        )
        effect = _effect(ledger, invoice, status, payment_sent_days) if invoice else "not an invoice of this ledger"
    return Applied(status.invoice_number, status.code, status.status_on, True, effect)


def _invoice(ledger: Ledger, status: Any, config: Any) -> Any:
    """The ledger's invoice a status is about: its number, and its date and seller when the status gives them (an
    invoice of another seller, or another year's with the same number, is not this one)."""
    invoice = ledger.one(
        "SELECT id, client_id, number, currency, issued_on FROM invoice WHERE number = ?", (status.invoice_number,)
    )
    issued_on = getattr(status, "invoice_issued_on", None)
    if invoice is None or (issued_on is not None and str(invoice["issued_on"]) != issued_on.isoformat()):
        return None
    seller = getattr(status, "seller_id", None)
    ours = siren_of(config.business.registration) if config is not None and config.business.registration else None
    if seller and ours and seller[:9] != ours:
        return None
    return invoice


def not_delivered(ledger: Ledger, client_id: int, invoice_id: int, on: date, why: str) -> None:
    """The platform did not deliver the invoice (rejected it): not issued legally, so not chased; a later status
    (it was delivered after all) releases it. The agenda shows the rejected submission."""
    text = f"{why} (not delivered, so not issued legally: reminders held)"
    log_event(ledger, client_id, "hold", on, invoice_id=invoice_id, text=text[:500])


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((Decimal(amount) * 100).to_integral_value())


def _effect(ledger: Ledger, invoice: Any, status: Any, payment_sent_days: int) -> str:
    code, on = status.code, status.status_on
    why = " ".join(p for p in (status.reason_code, status.reason_text) if p)
    text = f"platform: {label(code)}" + (f" ({why})" if why else "")
    state = event_states(ledger, on, invoice["id"]).get(invoice["id"], {})
    args = {"invoice_id": invoice["id"]}
    if state.get("hold") and code in RELEASES:
        log_event(ledger, invoice["client_id"], "release", on, text=text, **args)
    if code in DISPUTES:
        log_event(ledger, invoice["client_id"], "dispute", on, text=text, **args)
        return "disputed: no reminders until resolved"
    if code in RESOLVES and state.get("disputed"):  # the buyer approved or paid on the platform: it is over
        log_event(ledger, invoice["client_id"], "resolved", on, text=text, **args)
    if code == 208:
        log_event(ledger, invoice["client_id"], "hold", on, text=f"suspended on the platform ({why or 'no reason'})",
                  **args)  # fmt: skip
        return "suspended: no reminders until a later status"
    if code == 211:
        until = on + timedelta(days=payment_sent_days)
        log_event(ledger, invoice["client_id"], "hold", on, text="payment sent (platform status 211)",
                  promise_on=until, **args)  # fmt: skip
        return f"payment sent: reminders wait until {until}"
    if code == 213:
        ledger.execute(
            "UPDATE platform_flow SET state = 'rejected', error = ?, updated_at = ? WHERE invoice_id = ?"
            " AND kind = 'invoice' AND state IN ('submitted', 'acknowledged', 'sending')",
            (text[:500], utc_now(), invoice["id"]),
        )
        not_delivered(ledger, invoice["client_id"], invoice["id"], on, text)
        return "REJECTED by the platform: the invoice was not delivered, so it is not issued legally"
    log_event(ledger, invoice["client_id"], "note", on, text=text, **args)
    return "noted"
