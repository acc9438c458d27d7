"""`dunner remind`: plan the due steps, then carry them out exactly once (DESIGN §5).

1. Plan (reads only): every open instalment through the scheduler; skips, tasks and messages.
2. Pre-flight: render one message of each template and language, so a template or rate problem
   stops the run before anything is recorded or sent.
3. Skips and tasks are recorded (the UNIQUE (instalment, step) row makes a second run a no-op).
4. Each message, one at a time: in a short transaction, re-check that every instalment is still due
   and write its row as `sending`; deliver; mark `sent` with the Message-ID, or `failed` (retried on a
   later run) or `rejected` (a permanent refusal, not retried blindly). A row left in `sending` by a
   crash is reported as uncertain and only re-sent when the user asks (--resend-uncertain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dunner.config import Config
from dunner.dates import utc_ago, utc_now
from dunner.db import Ledger
from dunner.errors import BadInput, OperationalError
from dunner.law import MissingRate
from dunner.mail import DeliveryError, MailSettings, transport_for
from dunner.money import Money
from dunner.policy import Policy, Step, load_policy
from dunner.render import Renderer
from dunner.schedule import Decision, decide
from dunner.services.agenda import close_settled_tasks
from dunner.services.claims import jurisdiction
from dunner.services.clients import get_client
from dunner.services.messages import Draft, compose, context
from dunner.services.targets import Target, load_targets, reload_target

UNCERTAIN_AFTER_MINUTES = 10
COLUMNS = ["client", "invoice", "step", "channel", "status", "message_id", "amount", "detail"]


@dataclass
class Action:
    """One line of what a run did."""

    client: str
    invoice: str
    step: str
    channel: str
    status: str  # sent | failed | skipped | task | planned
    message_id: str | None = None
    amount: Money | None = None
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COLUMNS}


@dataclass
class Plan:
    skips: list[tuple[Target, Decision]] = field(default_factory=list)
    tasks: list[tuple[Target, Decision]] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)


@dataclass
class Report:
    actions: list[Action] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def failed(self) -> bool:
        return any(a.status == "failed" for a in self.actions)


@dataclass(frozen=True)
class RunOptions:
    as_of: date
    dry_run: bool = False
    client: str | None = None
    resend_uncertain: bool = False
    retry_rejected: bool = False

    @property
    def recovery(self) -> frozenset[str]:
        """Statuses the user asked to try again: uncertain sends, permanent refusals."""
        return frozenset(
            status
            for status, wanted in (("sending", self.resend_uncertain), ("rejected", self.retry_rejected))
            if wanted
        )


def policy_of(config: Config) -> Policy:
    return load_policy(config.section("dunning"), str(config.path or "config"))


def plan(ledger: Ledger, config: Config, policy: Policy, options: RunOptions) -> Plan:
    """What is due as of the date: skips to record, tasks to create, messages to send (grouped)."""
    client_id = get_client(ledger, options.client).id if options.client else None
    targets = load_targets(
        ledger,
        options.as_of,
        policy.first_offset,
        policy=policy,
        client_id=client_id,
        recovery=options.recovery,
        stale_before=utc_ago(UNCERTAIN_AFTER_MINUTES),
    )
    result, groups = Plan(), {}
    graded = _grades(ledger, config, options.as_of) if policy.uses_grades else {}
    for target in targets:
        if target.blocked:
            continue
        profile = policy.choose(
            target.client.profile,
            target.total.amount,
            target.total.currency,
            target.client.kind,
            graded.get(target.client.id),
        )
        for decision in decide(
            profile.steps,
            target.history,
            due_on=target.due_on,
            issued_on=target.issued_on,
            as_of=options.as_of,
            min_gap=policy.min_days_between,
        ):
            if decision.action == "skip":
                result.skips.append((target, decision))
            elif decision.action == "task":
                result.tasks.append((target, decision))
            else:
                key = (target.client.id, target.amount.currency, decision.step)
                groups.setdefault(key if policy.group == "client" else (target.invoice_id, decision.step), []).append(
                    target
                )
    result.drafts = [Draft(key[-1], tuple(items)) for key, items in groups.items()]
    return result


def _grades(ledger: Ledger, config: Config, as_of: date) -> dict[int, str]:
    """Each client's risk grade, once per run, for the policy rules that pick a profile by grade."""
    from dunner.services.insight import grades

    return grades(ledger, config, as_of)


def _movable(options: RunOptions) -> tuple[str, list[str]]:
    """SQL for the rows a run may take over: failed ones, and those the user asked to recover.

    A `sending` row only once it is stale: a younger one may be a concurrent run's delivery.
    """
    parts, params = ["status = 'failed'"], []
    if "rejected" in options.recovery:
        parts.append("status = 'rejected'")
    if "sending" in options.recovery:
        parts.append("(status = 'sending' AND updated_at < ?)")
        params.append(utc_ago(UNCERTAIN_AFTER_MINUTES))
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


def _record_skips_and_tasks(ledger: Ledger, todo: Plan, options: RunOptions) -> list[Action]:
    actions = []
    with ledger.transaction():
        for target, decision in todo.skips:
            if _row(ledger, target, decision.step, decision.planned_on, "skipped", options, decision.reason):
                actions.append(_action(target, decision.step, "skipped", detail=decision.reason))
        for target, decision in todo.tasks:
            fresh = reload_target(ledger, target, options.as_of, options.recovery)
            if fresh is None or fresh.blocked:
                continue
            if _row(ledger, fresh, decision.step, decision.planned_on, "task", options):
                actions.append(_action(fresh, decision.step, "task", detail=_task_text(fresh, decision.step)))
    return actions


def _task_text(target: Target, step: Step) -> str:
    who = target.client.contact or target.client.name
    if step.channel == "call":
        return f"call {who}" + (f" on {target.client.phone}" if target.client.phone else "")
    return f"send the {step.template or step.name} letter to {target.client.name}"


def _action(target: Target, step: Step, status: str, message_id: str | None = None, detail: str = "") -> Action:
    return Action(target.client.code, target.label, step.name, step.channel, status, message_id, target.due, detail)


def _claim_rows(ledger: Ledger, draft: Draft, options: RunOptions) -> Draft | None:
    """Re-check each instalment and mark its row `sending`, in one transaction: the exactly-once gate."""
    live = []
    movable, params = _movable(options)
    with ledger.transaction():
        for target in draft.targets:
            fresh = reload_target(
                ledger, target, options.as_of, options.recovery, stale_before=utc_ago(UNCERTAIN_AFTER_MINUTES)
            )
            if fresh is None or fresh.blocked:
                continue
            record = fresh.history.get(draft.step.name)
            now, day = utc_now(), options.as_of.isoformat()
            if record is None:
                ledger.execute(
                    "INSERT INTO reminder (instalment_id, step, channel, planned_on, status, attempts, created_at,"
                    " updated_at, acted_on) VALUES (?, ?, ?, ?, 'sending', 1, ?, ?, ?)",
                    (
                        fresh.instalment_id,
                        draft.step.name,
                        draft.step.channel,
                        (fresh.due_on + timedelta(days=draft.step.offset)).isoformat(),
                        now,
                        now,
                        day,
                    ),
                )
            elif record.status == "failed":
                updated = ledger.execute(
                    "UPDATE reminder SET status = 'sending', attempts = attempts + 1, updated_at = ?, acted_on = ?"
                    f" WHERE instalment_id = ? AND step = ? AND {movable}",
                    (now, day, fresh.instalment_id, draft.step.name, *params),
                )
                if not updated.rowcount:
                    continue
            else:
                continue
            live.append(fresh)
    return Draft(draft.step, tuple(live)) if live else None


def _mark(
    ledger: Ledger,
    draft: Draft,
    status: str,
    *,
    message_id: str | None = None,
    error: str | None = None,
    recipients: str | None = None,
    claims: dict[str, Money] | None = None,
) -> None:
    with ledger.transaction():
        for target in draft.targets:
            claim = (claims or {}).get(target.number)
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


def run(ledger: Ledger, config: Config, options: RunOptions, progress: Callable[[int], Any] | None = None) -> Report:
    """Plan and carry out the reminders due as of `options.as_of`."""
    policy = policy_of(config)
    jurisdiction(config)  # a bad [law] section stops the run before anything happens, claim or not
    todo = plan(ledger, config, policy, options)
    settings = MailSettings.from_config(config.section("mail"), config.business.email, config.resolve)
    dry = options.dry_run or settings.transport == "dry-run"
    report = Report(dry_run=dry)
    renderer = Renderer(config.templates_dir)
    warnings, blocked = _preflight(ledger, config, renderer, settings, todo, options, policy)
    report.warnings += warnings
    report.actions += blocked
    if dry:
        report.actions += _dry_actions(todo)
        report.actions.sort(key=_by_client)
        return report
    if todo.drafts and not config.business.name:
        raise BadInput("[business] name is empty", hint="say who you are in the config before sending reminders")
    report.actions += [Action(**row) for row in close_settled_tasks(ledger, options.as_of, options.client)]
    report.actions += _record_skips_and_tasks(ledger, todo, options)
    transport = transport_for(settings)
    stop: str | None = None
    try:
        if todo.drafts:
            try:
                transport.open()
            except DeliveryError as exc:
                stop = str(exc)
        for n, draft in enumerate(todo.drafts, start=1):
            if stop is None:
                actions, stop = _deliver(ledger, config, renderer, settings, transport, draft, options, policy)
            else:
                actions = [_action(t, draft.step, "failed", detail=f"not attempted: {stop}") for t in draft.targets]
            report.actions += actions
            if progress:
                progress(n)
    finally:
        transport.close()
    report.actions.sort(key=_by_client)
    report.uncertain = _uncertain(ledger)
    return report


def _by_client(action: Action) -> tuple[str, str]:
    """Report order: by client, then invoice; each invoice's actions stay in the order they happened."""
    return action.client.lower(), action.invoice


def _deliver(
    ledger: Ledger,
    config: Config,
    renderer: Renderer,
    settings: MailSettings,
    transport: Any,
    draft: Draft,
    options: RunOptions,
    policy: Policy,
) -> tuple[list[Action], str | None]:
    live = _claim_rows(ledger, draft, options)
    if live is None:
        return [], None
    try:
        outgoing, ctx = compose(ledger, config, renderer, settings, live, options.as_of, policy.notice_days)
    except BadInput as exc:
        _mark(ledger, live, "failed", error=exc.message)
        return [_action(t, live.step, "failed", detail=exc.message) for t in live.targets], exc.message
    try:
        refused = transport.send(outgoing)
    except OperationalError as exc:  # e.g. the login failed on a reconnection: known not sent
        _mark(ledger, live, "failed", error=exc.message)
        return [_action(t, live.step, "failed", detail=exc.message) for t in live.targets], exc.message
    except DeliveryError as exc:
        if exc.uncertain:  # stays `sending`: the user checks, then --resend-uncertain if it never arrived
            _mark(ledger, live, "sending", message_id=outgoing.message_id, error=str(exc))
            detail = f"{exc} (left uncertain: check, then 'dunner remind --resend-uncertain')"
        else:
            _mark(ledger, live, "rejected" if exc.permanent else "failed", error=str(exc))
            detail = str(exc) + (" (permanent: not retried)" if exc.permanent else " (retried on the next run)")
        return [_action(t, live.step, "failed", detail=detail) for t in live.targets], str(exc) if exc.fatal else None
    claims = ctx["claim"]["per_invoice"] if ctx["claim"] else None
    note = f"refused: {'; '.join(refused)}" if refused else None
    delivered = [addr for addr in outgoing.recipients if not any(r.startswith(f"{addr} (") for r in refused)]
    _mark(
        ledger, live, "sent", message_id=outgoing.message_id, recipients=", ".join(delivered), claims=claims, error=note
    )
    return [_action(t, live.step, "sent", outgoing.message_id, detail=note or "") for t in live.targets], None


def _preflight(
    ledger: Ledger,
    config: Config,
    renderer: Renderer,
    settings: MailSettings,
    todo: Plan,
    options: RunOptions,
    policy: Policy,
) -> tuple[list[str], list[Action]]:
    """Render each template and language once, and compute every claim, before anything is recorded or sent.

    A template error stops the run (it would break every such message). A claim that needs a rate the
    tables lack holds back only its own message, reported as failed (and retried on the next run).
    """
    rendered, warnings, blocked, ready = set(), [], [], []
    for draft in todo.drafts:
        key = (draft.step.template, draft.client.language)
        if key in rendered and not draft.step.claim:
            ready.append(draft)
            continue
        try:
            if key in rendered:  # the template is known to render: only the claim is left to check
                ctx = {**context(ledger, config, draft, options.as_of, policy.notice_days), "pdf_notes": []}
            else:
                _, ctx = compose(ledger, config, renderer, settings, draft, options.as_of, policy.notice_days)
        except MissingRate as exc:
            detail = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
            blocked += [_action(t, draft.step, "failed", detail=detail) for t in draft.targets]
            continue
        rendered.add(key)
        ready.append(draft)
        found = (ctx["claim"]["warnings"] if ctx["claim"] else []) + ctx["pdf_notes"]
        warnings += [w for w in found if w not in warnings]
    todo.drafts = ready
    return warnings, blocked


def _dry_actions(todo: Plan) -> list[Action]:
    actions = [_action(t, d.step, "skipped", detail=d.reason) for t, d in todo.skips]
    actions += [_action(t, d.step, "task", detail=_task_text(t, d.step)) for t, d in todo.tasks]
    actions += [_action(t, draft.step, "planned") for draft in todo.drafts for t in draft.targets]
    return actions


def _uncertain(ledger: Ledger) -> list[str]:
    """Reminders left `sending` by an interrupted run: they may or may not have gone out."""
    return [
        f"{r['number']} {r['step']} (since {r['updated_at']})"
        for r in ledger.all(
            "SELECT v.number, r.step, r.updated_at FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
            " JOIN invoice v ON v.id = i.invoice_id WHERE r.status = 'sending' AND r.updated_at < ?"
            " ORDER BY r.updated_at",
            (utc_ago(UNCERTAIN_AFTER_MINUTES),),
        )
    ]
