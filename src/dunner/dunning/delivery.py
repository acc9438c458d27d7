"""Carrying a run out exactly once (DESIGN §5): rows recorded once, each message claimed, sent, then marked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dunner.core.errors import BadInput, OperationalError
from dunner.core.money import Money
from dunner.core.policy import Policy, Step
from dunner.dunning.followup import log_notice
from dunner.dunning.messages import Draft, compose
from dunner.dunning.runs import Action, Plan, RunOptions, action, task_text
from dunner.dunning.targets import Target, reload_target
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.mail import DeliveryError, MailSettings
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import Renderer


def _movable(options: RunOptions) -> tuple[str, list[Any]]:
    """SQL for the rows a run may take over: failed ones, and those the user asked to recover.

    A `sending` row only when its run is no longer going: another may be a concurrent run's delivery.
    """
    parts, params = ["status IN ('failed', 'held')"], []
    if "rejected" in options.recovery:
        parts.append("status = 'rejected'")
    if "sending" in options.recovery and options.owners:
        same = " OR ".join("(id = ? AND COALESCE(owner, '') = ?)" for _ in options.owners)
        parts.append(f"(status = 'sending' AND ({same}))")
        params += [value for pair in sorted(options.owners) for value in pair]
    return f"({' OR '.join(parts)})", params


def _row(
    ledger: Ledger, target: Target, step: Step, planned: date, status: str, options: RunOptions, detail: str = ""
) -> bool:
    """Record a step for an instalment once; a failed (or recovered) row may move on. True if written."""
    as_of = options.as_of
    now = utc_now()
    cursor = ledger.execute(
        "INSERT INTO reminder (instalment_id, step, channel, planned_on, status, attempts, error, created_at,"
        " updated_at, acted_on) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (instalment_id, step) DO NOTHING",
        (
            target.instalment_id,
            step.name,
            step.channel,
            planned.isoformat(),
            status,
            detail or None,
            now,
            now,
            as_of.isoformat(),
        ),
    )
    if cursor.rowcount:
        return True
    movable, params = _movable(options)
    cursor = ledger.execute(
        "UPDATE reminder SET status = ?, error = ?, updated_at = ?, acted_on = ? WHERE instalment_id = ?"
        f" AND step = ? AND {movable}",
        (status, detail or None, now, as_of.isoformat(), target.instalment_id, step.name, *params),
    )
    return bool(cursor.rowcount)


def record_skips_and_tasks(ledger: Ledger, todo: Plan, options: RunOptions) -> list[Action]:
    actions = []
    with ledger.transaction():
        for target, decision in todo.skips:
            if _row(ledger, target, decision.step, decision.planned_on, "skipped", options, decision.reason):
                actions.append(action(target, decision.step, "skipped", detail=decision.reason))
        for target, decision in todo.tasks:
            fresh = reload_target(ledger, target, options.as_of, options.recovery, options.abandoned)
            if fresh is None or fresh.blocked:
                continue
            if _row(ledger, fresh, decision.step, decision.planned_on, "task", options):
                actions.append(action(fresh, decision.step, "task", detail=task_text(fresh, decision.step)))
    return actions


def hold_emails(ledger: Ledger, todo: Plan, options: RunOptions, why: str) -> list[Action]:
    """The bank is not fresh enough to trust: this run's email steps wait, recorded `held` (not sent, not
    skipped), and go out on a later run once a recent statement says they are still owed."""
    actions, kept = [], []
    with ledger.transaction():
        for draft in todo.drafts:
            if draft.step.channel != "email":
                kept.append(draft)
                continue
            for target in draft.targets:
                day = target.due_on + timedelta(days=draft.step.offset)
                if _row(ledger, target, draft.step, day, "held", options, why):
                    actions.append(action(target, draft.step, "held", detail=why))
    todo.drafts = kept
    return actions


def claim_rows(ledger: Ledger, draft: Draft, options: RunOptions, domain: str) -> Draft | None:
    """Re-check each instalment and mark its row `sending`, in one transaction: the exactly-once gate.

    The rows carry this run's token and the message's Message-ID before anything is sent, so that a crash
    leaves them uncertain at once, and a resend goes under the same Message-ID."""
    from email.utils import make_msgid

    live = []
    movable, params = _movable(options)
    message_id = draft.message_id or make_msgid(idstring="dunner", domain=domain)
    owner = ledger.run_token()
    with ledger.transaction():
        for target in draft.targets:
            fresh = reload_target(ledger, target, options.as_of, options.recovery, options.abandoned)
            if fresh is None or fresh.blocked:
                continue
            record = fresh.history.get(draft.step.name)
            now, day = utc_now(), options.as_of.isoformat()
            if record is None:
                ledger.execute(
                    "INSERT INTO reminder (instalment_id, step, channel, planned_on, status, attempts, created_at,"
                    " updated_at, acted_on, owner, message_id) VALUES (?, ?, ?, ?, 'sending', 1, ?, ?, ?, ?, ?)",
                    (
                        fresh.instalment_id,
                        draft.step.name,
                        draft.step.channel,
                        (fresh.due_on + timedelta(days=draft.step.offset)).isoformat(),
                        now,
                        now,
                        day,
                        owner,
                        message_id,
                    ),
                )
            elif record.status in ("failed", "held"):
                updated = ledger.execute(
                    "UPDATE reminder SET status = 'sending', attempts = attempts + 1, updated_at = ?, acted_on = ?,"
                    f" owner = ?, message_id = ? WHERE instalment_id = ? AND step = ? AND {movable}",
                    (now, day, owner, message_id, fresh.instalment_id, draft.step.name, *params),
                )
                if not updated.rowcount:
                    continue
            else:
                continue
            live.append(fresh)
    return Draft(draft.step, tuple(live), message_id) if live else None


def _mark(
    ledger: Ledger,
    draft: Draft,
    status: str,
    *,
    message_id: str | None = None,
    error: str | None = None,
    recipients: str | None = None,
    claims: dict[str, Money] | None = None,
    notice: tuple[date, date] | None = None,
) -> None:
    """Record the outcome of a delivery on its rows; a claiming message sent is each invoice's formal notice
    (`notice`: the day and the deadline), logged in its history like `dunner notice` logs one."""
    with ledger.transaction():
        if status == "sent" and notice is not None:
            for target in {t.invoice_id: t for t in draft.targets}.values():
                text = f"mise en demeure (step {draft.step.name}): {(claims or {}).get(target.number)} by {notice[1]}"
                log_notice(ledger, target.client.id, target.invoice_id, notice[0], text, notice[1])
        for target in draft.targets:
            # what the message claimed on each invoice, on the first of its rows only: the rows of one
            # message add up to what it claimed, whatever the number of instalments it is about
            claim = (claims or {}).pop(target.number, None)
            ledger.execute(
                "UPDATE reminder SET status = ?, message_id = COALESCE(?, message_id), error = ?, updated_at = ?,"
                " recipients = COALESCE(?, recipients), claim_cents = ? WHERE instalment_id = ? AND step = ?"
                " AND status = 'sending'",
                (
                    status,
                    message_id,
                    error,
                    utc_now(),
                    recipients,
                    claim.minor if claim else None,
                    target.instalment_id,
                    draft.step.name,
                ),
            )


def deliver(
    ledger: Ledger,
    config: Config,
    renderer: Renderer,
    settings: MailSettings,
    transport: Any,
    draft: Draft,
    options: RunOptions,
    policy: Policy,
) -> tuple[list[Action], str | None]:
    live = claim_rows(ledger, draft, options, settings.domain)
    if live is None:
        return [], None
    try:
        outgoing, ctx = compose(ledger, config, renderer, settings, live, options.as_of, policy.notice_days)
    except BadInput as exc:
        _mark(ledger, live, "failed", error=exc.message)
        return [action(t, live.step, "failed", detail=exc.message) for t in live.targets], exc.message
    _same_content(ledger, live, outgoing, ctx["to_pay"], settings.domain)
    try:
        refused = transport.send(outgoing)
    except OperationalError as exc:  # e.g. the login failed on a reconnection: known not sent
        _mark(ledger, live, "failed", error=exc.message)
        return [action(t, live.step, "failed", detail=exc.message) for t in live.targets], exc.message
    except DeliveryError as exc:
        if exc.uncertain:  # stays `sending`: the user checks, then --resend-uncertain if it never arrived
            _mark(ledger, live, "sending", message_id=outgoing.message_id, error=str(exc))
            detail = f"{exc} (left uncertain: check, then 'dunner remind --resend-uncertain')"
        else:
            _mark(ledger, live, "rejected" if exc.permanent else "failed", error=str(exc))
            detail = str(exc) + (" (permanent: not retried)" if exc.permanent else " (retried on the next run)")
        return [action(t, live.step, "failed", detail=detail) for t in live.targets], str(exc) if exc.fatal else None
    claims = dict(ctx["claim"]["per_invoice"]) if ctx["claim"] else None
    note = f"refused: {'; '.join(refused)}" if refused else None
    delivered = [addr for addr in outgoing.recipients if not any(r.startswith(f"{addr} (") for r in refused)]
    _mark(
        ledger,
        live,
        "sent",
        message_id=outgoing.message_id,
        recipients=", ".join(delivered),
        claims=claims,
        error=note,
        notice=(options.as_of, ctx["deadline"]) if claims is not None else None,
    )
    return [action(t, live.step, "sent", outgoing.message_id, detail=note or "") for t in live.targets], None


def _same_content(ledger: Ledger, draft: Draft, outgoing: Any, asked: Money, domain: str) -> None:
    """Before it goes: what the message asks, on its rows. A message sent again (after a crash, a failure)
    keeps its first Message-ID only while it asks the same amount: a mail reader that got the first copy would
    hide a changed one as its duplicate."""
    from email.utils import make_msgid

    ids = [t.instalment_id for t in draft.targets]
    with ledger.transaction():
        where = f"instalment_id IN ({', '.join('?' * len(ids))}) AND step = ? AND status = 'sending'"
        before = {r[0] for r in ledger.all(f"SELECT asked_cents FROM reminder WHERE {where}", [*ids, draft.step.name])}
        if before - {None, asked.minor}:
            outgoing.message.replace_header("Message-ID", make_msgid(idstring="dunner", domain=domain))
        ledger.execute(
            f"UPDATE reminder SET asked_cents = ?, message_id = ? WHERE {where}",
            [asked.minor, outgoing.message_id, *ids, draft.step.name],
        )
