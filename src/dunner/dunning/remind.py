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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from dunner.core.errors import BadInput, OperationalError
from dunner.core.law import MissingRate
from dunner.core.money import Money
from dunner.core.policy import Policy, Profile, Step
from dunner.core.schedule import Decision, decide, notice_floor
from dunner.dunning.agenda import close_settled_tasks
from dunner.dunning.followup import log_notice
from dunner.dunning.messages import Draft, compose, context
from dunner.dunning.targets import Target, load_targets, notice_events, reload_target, sibling_steps
from dunner.dunning.uncertain import describe, uncertain_rows
from dunner.edges.clock import utc_now
from dunner.edges.config import Config, check_business
from dunner.edges.mail import DeliveryError, MailSettings, transport_for
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import Renderer
from dunner.ledger.clients import get_client

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
        """A delivery failed, or a reminder is left uncertain (this run's or an earlier one's): exit 1."""
        return bool(self.uncertain) or any(a.status == "failed" for a in self.actions)


@dataclass(frozen=True)
class RunOptions:
    as_of: date
    dry_run: bool = False
    client: str | None = None
    resend_uncertain: bool = False
    retry_rejected: bool = False
    # the rows left `sending` by runs no longer going (see services/uncertain.py), and with
    # --resend-uncertain the Message-ID each is sent again under: (instalment id, step) -> Message-ID
    abandoned: frozenset[int] = frozenset()
    resend: tuple[tuple[tuple[int, str], str | None], ...] = ()
    # each abandoned row's owner as this run saw it: a row another run took over meanwhile is left to it
    owners: tuple[tuple[int, str], ...] = ()

    @property
    def recovery(self) -> frozenset[str]:
        """Statuses the user asked to try again: uncertain sends, permanent refusals."""
        return frozenset(
            status
            for status, wanted in (("sending", self.resend_uncertain), ("rejected", self.retry_rejected))
            if wanted
        )


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
        abandoned=options.abandoned,
    )
    graded = _grades(ledger, config, options.as_of) if policy.uses_grades else {}
    live = [t for t in targets if not t.blocked]
    profiles = {
        t.instalment_id: policy.choose(
            t.client.profile, t.total.amount, t.total.currency, t.client.kind, graded.get(t.client.id)
        )
        for t in live
    }
    floors = _floors(ledger, live, profiles, options.as_of)
    decided = [
        (
            target,
            decide(
                profiles[target.instalment_id].steps,
                target.history,
                due_on=target.due_on,
                issued_on=target.issued_on,
                as_of=options.as_of,
                min_gap=policy.min_days_between,
                floor=floors[target.instalment_id][0],
                floor_reason=floors[target.instalment_id][1],
            ),
        )
        for target in live
    ]
    return _grouped(no_step_down(decided, profiles), policy.group, dict(options.resend))


def _floors(
    ledger: Ledger, targets: list[Target], profiles: dict[int, Profile], as_of: date
) -> dict[int, tuple[int, str]]:
    """Per instalment: the first step it may still get, as its invoice's formal notices allow, and why."""
    invoice_ids = [t.invoice_id for t in targets]
    noticed, siblings = notice_events(ledger, invoice_ids, as_of), sibling_steps(ledger, invoice_ids)
    floors = {}
    for t in targets:
        others = [(step, status) for inst, step, status in siblings.get(t.invoice_id, ()) if inst != t.instalment_id]
        floor = notice_floor(profiles[t.instalment_id].steps, others, t.invoice_id in noticed)
        day = noticed.get(t.invoice_id)
        reason = f"the invoice had a formal notice{f' on {day}' if day else ''}: nothing friendlier follows it"
        floors[t.instalment_id] = (floor, reason)
    return floors


def _grouped(
    decided: list[tuple[Target, list[Decision]]], group: str, resend: dict[tuple[int, str], str | None]
) -> Plan:
    """Skips and tasks as they are; messages grouped by client (one per step and currency) or by invoice.

    An uncertain send goes again under its first Message-ID: it joins only the rows sent under that one."""
    result, groups = Plan(), {}
    for target, decisions in decided:
        for decision in decisions:
            if decision.action == "skip":
                result.skips.append((target, decision))
            elif decision.action == "task":
                result.tasks.append((target, decision))
            else:
                again = resend.get((target.instalment_id, decision.step.name))
                key = (target.client.id, target.amount.currency) if group == "client" else (target.invoice_id,)
                groups.setdefault((*key, again, decision.step), []).append(target)
    result.drafts = [Draft(key[-1], tuple(items), key[-2]) for key, items in groups.items()]
    return result


def no_step_down(
    decided: list[tuple[Target, list[Decision]]], profiles: dict[int, Profile]
) -> list[tuple[Target, list[Decision]]]:
    """The same day, an instalment whose invoice gets a formal notice (or a later step) gets nothing friendlier:
    its own step waits, since the notice claims what it owes already. Nothing is recorded for it: if the notice
    does not go out today (a missing rate, a failed delivery), the step is still there tomorrow; once it has,
    the invoice's floor (`schedule.notice_floor`) skips it."""
    firmest: dict[int, int] = {}
    for target, decisions in decided:
        steps = profiles[target.instalment_id].steps
        for d in decisions:
            i = steps.index(d.step)
            if d.action != "skip" and any(s.claim for s in steps[: i + 1]):
                firmest[target.invoice_id] = max(i, firmest.get(target.invoice_id, -1))
    out = []
    for target, decisions in decided:
        steps, top = profiles[target.instalment_id].steps, firmest.get(target.invoice_id)
        out.append(
            (
                target,
                [d for d in decisions if top is None or d.action == "skip" or steps.index(d.step) >= top],
            )
        )
    return out


def _grades(ledger: Ledger, config: Config, as_of: date) -> dict[int, str]:
    """Each client's risk grade, once per run, for the policy rules that pick a profile by grade."""
    from dunner.insight.stats import grades

    return grades(ledger, config, as_of)


def _movable(options: RunOptions) -> tuple[str, list[Any]]:
    """SQL for the rows a run may take over: failed ones, and those the user asked to recover.

    A `sending` row only when its run is no longer going: another may be a concurrent run's delivery.
    """
    parts, params = ["status = 'failed'"], []
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


def _record_skips_and_tasks(ledger: Ledger, todo: Plan, options: RunOptions) -> list[Action]:
    actions = []
    with ledger.transaction():
        for target, decision in todo.skips:
            if _row(ledger, target, decision.step, decision.planned_on, "skipped", options, decision.reason):
                actions.append(_action(target, decision.step, "skipped", detail=decision.reason))
        for target, decision in todo.tasks:
            fresh = reload_target(ledger, target, options.as_of, options.recovery, options.abandoned)
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


def _claim_rows(ledger: Ledger, draft: Draft, options: RunOptions, domain: str) -> Draft | None:
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
            elif record.status == "failed":
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


def run(ledger: Ledger, config: Config, options: RunOptions, progress: Callable[[int], Any] | None = None) -> Report:
    """Plan and carry out the reminders due as of `options.as_of`."""
    policy = config.policy()
    config.jurisdiction()  # a bad [law] section stops the run before anything happens, claim or not
    check_business(config)  # an IBAN with a bad checksum must not go out in a reminder
    left = uncertain_rows(ledger)  # a crash's rows are known at once: no time to wait out
    if options.resend_uncertain:
        resend = tuple(((r.instalment_id, r.step), r.message_id) for r in left)
        owners = tuple((r.id, r.owner or "") for r in left)
        options = replace(options, abandoned=frozenset(r.id for r in left), resend=resend, owners=owners)
    todo = plan(ledger, config, policy, options)
    settings = MailSettings.from_config(config.section("mail"), config.business.email, config.resolve)
    dry = options.dry_run or settings.transport == "dry-run"
    report = Report(dry_run=dry, uncertain=describe(left))
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
    settled = close_settled_tasks(ledger, options.as_of, options.client, [(r.id, r.owner) for r in left])
    report.actions += [Action(**row) for row in settled]
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
    report.uncertain = describe(uncertain_rows(ledger))  # what this run left uncertain, too
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
    live = _claim_rows(ledger, draft, options, settings.domain)
    if live is None:
        return [], None
    try:
        outgoing, ctx = compose(ledger, config, renderer, settings, live, options.as_of, policy.notice_days)
    except BadInput as exc:
        _mark(ledger, live, "failed", error=exc.message)
        return [_action(t, live.step, "failed", detail=exc.message) for t in live.targets], exc.message
    _same_content(ledger, live, outgoing, ctx["to_pay"], settings.domain)
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
    return [_action(t, live.step, "sent", outgoing.message_id, detail=note or "") for t in live.targets], None


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
