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
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dunner.core.errors import BadInput
from dunner.core.law import MissingRate
from dunner.core.policy import Policy
from dunner.dunning.agenda import close_settled_tasks
from dunner.dunning.delivery import deliver, hold_emails, record_skips_and_tasks
from dunner.dunning.messages import attached, compose, context
from dunner.dunning.planning import plan
from dunner.dunning.runs import Action, Plan, Report, RunOptions, action, task_text
from dunner.dunning.uncertain import describe, uncertain_rows
from dunner.edges.config import Config, check_business
from dunner.edges.mail import DeliveryError, MailSettings, transport_for
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import Renderer

if TYPE_CHECKING:
    from dunner.bank.inbox import Freshness


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
    news, fresh = bank_first(ledger, config, options)
    heard, problem = platform_first(ledger, config, options)
    todo = plan(ledger, config, policy, options)
    settings = MailSettings.from_config(config.section("mail"), config.business.email, config.resolve)
    dry = options.dry_run or settings.transport == "dry-run"
    report = Report(dry_run=dry, uncertain=describe(left), bank=news, platform=heard, platform_problem=problem)
    renderer = Renderer(config.templates_dir)
    warnings, blocked = _preflight(ledger, config, renderer, settings, todo, options, policy)
    report.warnings += warnings
    report.actions += blocked
    if dry:
        pdfs = {n: text for d in todo.drafts for n, text in attached(ledger, config, d, options.as_of).items()}
        report.actions += _dry_actions(todo, fresh.reason if fresh is not None and fresh.hold else "", pdfs)
        report.actions.sort(key=_by_client)
        return report
    if todo.drafts and not config.business.name:
        raise BadInput("[business] name is empty", hint="say who you are in the config before sending reminders")
    settled = close_settled_tasks(ledger, options.as_of, options.client, [(r.id, r.owner) for r in left])
    report.actions += [Action(**row) for row in settled]
    report.actions += record_skips_and_tasks(ledger, todo, options)
    if fresh is not None and fresh.hold:
        report.actions += hold_emails(ledger, todo, options, fresh.reason)
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
                actions, stop = deliver(ledger, config, renderer, settings, transport, draft, options, policy)
            else:
                actions = [action(t, draft.step, "failed", detail=f"not attempted: {stop}") for t in draft.targets]
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

    A template error stops the run (it would break every such message). No PDF is rendered here: a
    real run renders each one once, as its message goes. A claim that needs a rate the
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
                _, ctx = compose(
                    ledger, config, renderer, settings, draft, options.as_of, policy.notice_days, pdfs=False
                )
        except MissingRate as exc:
            detail = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
            blocked += [action(t, draft.step, "failed", detail=detail) for t in draft.targets]
            continue
        rendered.add(key)
        ready.append(draft)
        found = (ctx["claim"]["warnings"] if ctx["claim"] else []) + ctx["pdf_notes"]
        warnings += [w for w in found if w not in warnings]
    todo.drafts = ready
    return warnings, blocked


def _dry_actions(todo: Plan, held: str, pdfs: dict[str, str]) -> list[Action]:
    """What a dry run would do; a planned message's rows say which PDF it would attach (none is rendered)."""
    actions = [action(t, d.step, "skipped", detail=d.reason) for t, d in todo.skips]
    actions += [action(t, d.step, "task", detail=task_text(t, d.step)) for t, d in todo.tasks]
    status = "held" if held else "planned"
    actions += [
        action(t, draft.step, status, detail="; ".join(x for x in (held, pdfs.get(t.number, "")) if x))
        for draft in todo.drafts
        for t in draft.targets
    ]
    return actions


def platform_first(ledger: Ledger, config: Config, options: RunOptions) -> tuple[Any, str]:
    """Before anything is chased: the platform's statuses since the last sync (a refusal or a dispute stops
    the chase the day it arrives), and the payments to report. Not on a dry run, which writes nothing; a
    platform that cannot be reached is said, and the run goes on with what the ledger knows."""
    from dunner.einvoicing.status import configured, connect

    if options.dry_run or not configured(config):
        return None, ""
    from dunner.edges.platform import PlatformError
    from dunner.einvoicing.sync import sync

    try:
        return sync(ledger, config, connect(config), options.as_of), ""
    except PlatformError as exc:
        return (
            None,
            f"the e-invoicing platform was not reached ({exc.message}): its statuses since the last sync were not read",
        )


def bank_first(ledger: Ledger, config: Config, options: RunOptions) -> tuple[list[str], Freshness | None]:
    """Before anything is chased: the new statements of the bank inbox imported (not on a dry run, which
    writes nothing: it says what waits), and how fresh the bank is on the run's date."""
    from dunner.bank.inbox import freshness, import_inbox, inbox_folder, waiting_files

    notes = []
    folder = inbox_folder(config)
    if folder is not None and options.dry_run:
        waiting = len(waiting_files(folder))
        if waiting:
            notes.append(f"{waiting} new statement file(s) in {folder} not imported (dry run)")
    elif folder is not None:
        inbox = import_inbox(ledger, config, options.as_of)
        for done in inbox.imported:
            counts = ", ".join(f"{n} {status}" for status, n in sorted(done.counts.items()))
            notes.append(f"{done.source} imported: {done.new} new line(s)" + (f", {counts}" if counts else ""))
        for name, why in inbox.failed:
            notes.append(f"{name} refused and moved to {folder / 'failed'}: {why}")
        notes += inbox.problems
    fresh = freshness(ledger, config, options.as_of)
    if fresh is not None:
        notes.append(fresh.describe())
    return notes, fresh
