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

from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dunner.core.errors import BadInput
from dunner.core.law import MissingRate
from dunner.core.policy import Policy
from dunner.dunning.agenda import close_settled_tasks
from dunner.dunning.delivery import deliver, hold_emails, record_skips_and_tasks
from dunner.dunning.messages import Draft, attached, compose, context
from dunner.dunning.planning import batches_of_clients, risk_grades
from dunner.dunning.runs import Action, Plan, Report, RunOptions, action, task_text
from dunner.dunning.uncertain import describe, uncertain_rows
from dunner.edges.config import Config, check_business
from dunner.edges.mail import DeliveryError, MailSettings, transport_for
from dunner.edges.storage.ledger import Ledger
from dunner.edges.templates import Renderer

if TYPE_CHECKING:
    from dunner.bank.inbox import Freshness


def run(ledger: Ledger, config: Config, options: RunOptions, progress: Callable[[int], Any] | None = None) -> Report:
    """Plan and carry out the reminders due as of `options.as_of`.

    What comes before the chase (the checks, the bank, the platform, the templates, the tasks no longer
    needed) is done here; the chase itself a batch of clients at a time, as the report's `actions` are
    read: the caller writes each batch's rows before the next batch is planned."""
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
    settings = MailSettings.from_config(config.section("mail"), config.business.email, config.resolve)
    dry = options.dry_run or settings.transport == "dry-run"
    report = Report(dry_run=dry, uncertain=describe(left), bank=news, platform=heard, platform_problem=problem)
    checks = _Checks(ledger, config, Renderer(config.templates_dir), settings, options, policy, report.warnings)
    held = fresh.reason if fresh is not None and fresh.hold else ""
    if dry:
        report.actions = _noted(ledger, report, _dry_run(ledger, config, policy, options, checks, held))
        return report
    graded = risk_grades(ledger, config, policy, options.as_of)  # once a run: both passes use them
    if checks.templates(batches_of_clients(ledger, config, policy, options, graded)) and not config.business.name:
        raise BadInput("[business] name is empty", hint="say who you are in the config before sending reminders")
    settled: dict[str, list[Action]] = {}
    for row in close_settled_tasks(ledger, options.as_of, options.client, [(r.id, r.owner) for r in left]):
        settled.setdefault(row["client"].lower(), []).append(Action(**row))
    chase = _chase(ledger, config, policy, options, checks, settled, held, progress, graded)
    report.actions = _noted(ledger, report, chase)
    return report


def _noted(ledger: Ledger, report: Report, actions: Iterator[Action]) -> Iterator[Action]:
    """The run's actions as they come; once they are all out, what the run left uncertain is on the report."""
    for done in actions:
        report.failures += done.status == "failed"
        yield done
    if not report.dry_run:
        report.uncertain = describe(uncertain_rows(ledger))  # this run's, too


def _chase(
    ledger: Ledger,
    config: Config,
    policy: Policy,
    options: RunOptions,
    checks: _Checks,
    settled: dict[str, list[Action]],
    held: str,
    progress: Callable[[int], Any] | None,
    graded: dict[int, str],
) -> Iterator[Action]:
    """A batch of clients at a time: its skips and tasks recorded, then each message claimed, sent and marked
    (exactly once, see `delivery`); the batch's rows are given in the report's order before the next."""
    transport = transport_for(checks.settings)
    stop: str | None = None
    count, opened = 0, False
    try:
        for todo in batches_of_clients(ledger, config, policy, options, graded):
            actions = checks.ready(todo)
            actions += [done for code in todo.clients for done in settled.pop(code.lower(), [])]
            actions += record_skips_and_tasks(ledger, todo, options)
            if held:
                actions += hold_emails(ledger, todo, options, held)
            for draft in todo.drafts:
                if stop is None and not opened:  # when the first message goes
                    stop, opened = _opened(transport), True
                if stop is None:
                    done, stop = deliver(
                        ledger, config, checks.renderer, checks.settings, transport, draft, options, policy
                    )
                else:
                    done = [action(t, draft.step, "failed", detail=f"not attempted: {stop}") for t in draft.targets]
                actions += done
                count += 1
                if progress:
                    progress(count)
            yield from sorted(actions, key=_by_client)
    finally:
        transport.close()
    yield from sorted((done for rows in settled.values() for done in rows), key=_by_client)


def _dry_run(
    ledger: Ledger, config: Config, policy: Policy, options: RunOptions, checks: _Checks, held: str
) -> Iterator[Action]:
    """What a run would do, a batch of clients at a time; a message's rows say which PDF it would attach."""
    for todo in batches_of_clients(ledger, config, policy, options):
        actions = checks.ready(todo)
        pdfs = {n: text for d in todo.drafts for n, text in attached(ledger, config, d, options.as_of).items()}
        actions += _dry_actions(todo, held, pdfs)
        yield from sorted(actions, key=_by_client)


def _by_client(action: Action) -> tuple[str, str]:
    """Report order: by client, then invoice; each invoice's actions stay in the order they happened."""
    return action.client.lower(), action.invoice


class _Checks:
    """Each template and language rendered once before its first message is recorded, and each claim
    computed before its message is: a template error stops the run (it would break every such message);
    a claim that needs a rate the tables lack holds back only its own message, reported as failed (and
    retried on the next run). No PDF is rendered here: a real run renders each one once, as its message goes.
    """

    def __init__(
        self,
        ledger: Ledger,
        config: Config,
        renderer: Renderer,
        settings: MailSettings,
        options: RunOptions,
        policy: Policy,
        warnings: list[str],
    ) -> None:
        self.ledger, self.config, self.renderer, self.settings = ledger, config, renderer, settings
        self.options, self.policy, self.warnings = options, policy, warnings
        self.rendered: set[tuple[str | None, str]] = set()

    def templates(self, plans: Iterable[Plan]) -> bool:
        """Before a real run records anything: every template and language it will use rendered once (the
        whole run is planned for that, and nothing kept of it). Whether any message is due."""
        due = False
        for todo in plans:
            for draft in todo.drafts:
                due = True
                if (draft.step.template, draft.client.language) not in self.rendered:
                    with suppress(MissingRate):  # said when the message's batch comes, in `ready`
                        self._note(self._compose(draft))
        return due

    def ready(self, todo: Plan) -> list[Action]:
        """Before a batch is recorded: its claims computed, and any template not met before rendered. The
        messages held back by a missing rate leave `todo.drafts`, and their rows are returned as failed."""
        blocked, ready = [], []
        for draft in todo.drafts:
            key = (draft.step.template, draft.client.language)
            if key in self.rendered and not draft.step.claim:
                ready.append(draft)
                continue
            try:
                if key in self.rendered:  # the template is known to render: only the claim is left to check
                    ctx = {**context(self.ledger, self.config, draft, self.options.as_of, self.notice), "pdf_notes": []}
                else:
                    ctx = self._compose(draft)
            except MissingRate as exc:
                detail = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
                blocked += [action(t, draft.step, "failed", detail=detail) for t in draft.targets]
                continue
            ready.append(draft)
            self._note(ctx)
        todo.drafts = ready
        return blocked

    @property
    def notice(self) -> int:
        return self.policy.notice_days

    def _compose(self, draft: Draft) -> dict[str, Any]:
        as_of = self.options.as_of
        _, ctx = compose(self.ledger, self.config, self.renderer, self.settings, draft, as_of, self.notice, pdfs=False)
        self.rendered.add((draft.step.template, draft.client.language))
        return ctx

    def _note(self, ctx: dict[str, Any]) -> None:
        found = (ctx["claim"]["warnings"] if ctx["claim"] else []) + ctx["pdf_notes"]
        self.warnings += [w for w in found if w not in self.warnings]


def _opened(transport: Any) -> str | None:
    """Open the mail connection; why it could not be, if it could not."""
    try:
        transport.open()
    except DeliveryError as exc:
        return str(exc)
    return None


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
