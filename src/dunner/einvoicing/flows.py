"""Submitting a flow to the platform exactly once (DESIGN §11, the protocol of §5 for reminders).

1. Claim: in one transaction, the flow's row (UNIQUE tracking id: the invoice number, or the number and
   the status and payment of a status dunner reports) is written or moved to `sending`, with this run's
   token, before anything leaves.
2. Call the platform.
3. Record: `submitted` with the platform's flowId; `failed` when the platform was not reached, could not
   take it now or did not accept dunner's credentials (retried by a later run); `refused` when it answered
   that it will not take it (HTTP 4xx: nothing was taken; submitted again only when a person asks).
A run that dies between 1 and 3, or whose answer was lost, leaves the row `sending`: uncertain, shown to
the user, and submitted again only when asked (`--resend-uncertain`), under the same tracking id, so that
the platform's own duplicate check (one flow per trackingId) applies. The next sync settles it when the
platform lists a flow under that tracking id (einvoicing/sync.py); later, `acknowledged` or `rejected`
come from the platform's acknowledgement.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from dunner.core.errors import BadInput, Conflict
from dunner.edges.clock import utc_now
from dunner.edges.storage.ledger import Ledger

RETRIED = ("failed",)  # a later run submits these again by itself
ASKED = ("failed", "refused")  # a person asking submits these again
UNCERTAIN = "sending"


@dataclass(frozen=True)
class Flow:
    """What is submitted: a tracking id, the document, and what it is about."""

    tracking_id: str
    invoice_id: int
    kind: str  # invoice | status
    name: str  # the file name the platform shows
    content: bytes
    syntax: str  # flowSyntax: CII (Factur-X), CDAR
    profile: str  # flowProfile
    processing_rule: str  # B2B...
    payment_id: int | None = None
    status_code: int | None = None
    amount_cents: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Outcome:
    tracking_id: str
    state: str  # submitted | failed | refused | uncertain | skipped (already done, or another run has it)
    flow_id: str | None = None
    detail: str = ""


def claim(ledger: Ledger, flow: Flow, *, resend_uncertain: bool = False, asked: bool = False) -> bool:
    """Write or move the flow's row to `sending` under this run's token; False if it is not this run's to send
    (already submitted, refused and not `asked` by a person, being sent by a run still going, or uncertain and
    not asked for)."""
    now, owner = utc_now(), ledger.run_token()
    with ledger.transaction():
        row = ledger.one("SELECT state, owner FROM platform_flow WHERE tracking_id = ?", (flow.tracking_id,))
        if row is None:
            ledger.execute(
                "INSERT INTO platform_flow (tracking_id, invoice_id, payment_id, kind, status_code, amount_cents,"
                " state, sha256, owner, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, ?,"
                " 1, ?, ?)",
                (
                    flow.tracking_id,
                    flow.invoice_id,
                    flow.payment_id,
                    flow.kind,
                    flow.status_code,
                    flow.amount_cents,
                    flow.sha256,
                    owner,
                    now,
                    now,
                ),
            )
            return True
        movable = row["state"] in (ASKED if asked else RETRIED) or (
            row["state"] == UNCERTAIN and resend_uncertain and row["owner"] not in ledger.running([row["owner"] or ""])
        )
        if not movable:
            return False
        ledger.execute(
            "UPDATE platform_flow SET state = 'sending', owner = ?, attempts = attempts + 1, sha256 = ?,"
            " updated_at = ?, error = NULL WHERE tracking_id = ? AND state = ?",
            (owner, flow.sha256, now, flow.tracking_id, row["state"]),
        )
        return True


def finish(ledger: Ledger, tracking_id: str, state: str, *, flow_id: str | None = None, error: str = "") -> None:
    """Record the platform's answer on a row this run claimed."""
    with ledger.transaction():
        ledger.execute(
            "UPDATE platform_flow SET state = ?, flow_id = COALESCE(?, flow_id), error = ?, updated_at = ?"
            " WHERE tracking_id = ? AND state = 'sending' AND owner = ?",
            (state, flow_id, error or None, utc_now(), tracking_id, ledger.run_token()),
        )


def submit(ledger: Ledger, client: Any, flow: Flow, *, resend_uncertain: bool = False, asked: bool = False) -> Outcome:
    """Claim, submit and record one flow (see the module's docstring)."""
    from dunner.edges.platform import PlatformAuthError, PlatformRefused, PlatformUnavailable, PlatformUncertain

    if not claim(ledger, flow, resend_uncertain=resend_uncertain, asked=asked):
        row = ledger.one("SELECT state, flow_id, error FROM platform_flow WHERE tracking_id = ?", (flow.tracking_id,))
        return Outcome(flow.tracking_id, "skipped", row["flow_id"], f"{row['state']}" + _why(row["error"]))
    try:
        sent = client.submit(
            tracking_id=flow.tracking_id,
            name=flow.name,
            content=flow.content,
            flow_syntax=flow.syntax,
            flow_profile=flow.profile,
            processing_rule=flow.processing_rule,
        )
    except PlatformUncertain as exc:  # it may have been taken: the row stays `sending`, for a person to settle
        return Outcome(flow.tracking_id, "uncertain", detail=exc.message)
    except (PlatformUnavailable, PlatformAuthError) as exc:  # nothing was taken
        finish(ledger, flow.tracking_id, "failed", error=exc.message)
        return Outcome(flow.tracking_id, "failed", detail=exc.message)
    except PlatformRefused as exc:
        finish(ledger, flow.tracking_id, "refused", error=exc.message)
        return Outcome(flow.tracking_id, "refused", detail=exc.message)
    finish(ledger, flow.tracking_id, "submitted", flow_id=sent.flow_id)
    return Outcome(flow.tracking_id, "submitted", sent.flow_id)


def _why(error: str | None) -> str:
    return f": {error}" if error else ""


def flow_row(ledger: Ledger, tracking_id: str) -> Any:
    row = ledger.one("SELECT * FROM platform_flow WHERE tracking_id = ?", (tracking_id,))
    if row is None:
        raise BadInput(f"nothing was submitted to the platform as {tracking_id}")
    return row


def refuse_if_uncertain(ledger: Ledger, tracking_id: str) -> None:
    row = ledger.one("SELECT state, owner FROM platform_flow WHERE tracking_id = ?", (tracking_id,))
    if row is not None and row["state"] == UNCERTAIN and row["owner"] not in ledger.running([row["owner"] or ""]):
        raise Conflict(
            f"{tracking_id} may or may not have reached the platform (a run stopped while submitting it)",
            hint="check on the platform, then 'dunner send --via platform --resend-uncertain' submits it again"
            " under the same tracking id",
        )
