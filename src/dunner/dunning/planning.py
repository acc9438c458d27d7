"""Planning a run (reads only): the due steps of every open instalment, as the scheduler decides them.

No instalment gets a step friendlier than its invoice's formal notice; messages are grouped by client.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from dunner.core.policy import Policy, Profile
from dunner.core.schedule import Decision, decide, notice_floor
from dunner.dunning.messages import Draft
from dunner.dunning.runs import Plan, RunOptions
from dunner.dunning.targets import Target, due_instalments, load_targets
from dunner.edges.config import Config
from dunner.edges.storage.ledger import IN_LIST, Ledger, batches
from dunner.ledger.clients import get_client


def batches_of_clients(
    ledger: Ledger, config: Config, policy: Policy, options: RunOptions, graded: dict[int, str] | None = None
) -> Iterator[Plan]:
    """The run's plan a batch of whole clients at a time (about `IN_LIST` instalments, or clients), in the
    report's order of clients (by code, case aside), so that what a run holds does not grow with the ledger:
    the instalments a step may concern are chosen first (their ids only), then read a batch at a time.
    `graded`: the clients' risk grades (`risk_grades`), when the caller has them already."""
    if options.client:
        one = get_client(ledger, options.client)
        clients = [(one.code, one.id)]
    else:
        clients = sorted(((code, client_id) for client_id, code in ledger.all("SELECT id, code FROM client")),
                         key=lambda pair: pair[0].lower())  # fmt: skip
    due = due_instalments(ledger, options.as_of, policy, clients[0][1] if options.client else None)
    if graded is None:
        graded = risk_grades(ledger, config, policy, options.as_of)
    batch: list[tuple[str, int]] = []
    chosen: list[int] = []
    for n, (code, client_id) in enumerate(clients, start=1):
        batch.append((code, client_id))
        chosen += due.pop(client_id, ())
        if len(chosen) >= IN_LIST or len(batch) >= IN_LIST or n == len(clients):
            todo = plan(ledger, config, policy, options, graded=graded, instalment_ids=chosen)
            todo.clients = [code for code, _ in batch]
            yield todo
            batch, chosen = [], []


def plan(
    ledger: Ledger,
    config: Config,
    policy: Policy,
    options: RunOptions,
    graded: dict[int, str] | None = None,
    instalment_ids: list[int] | None = None,
) -> Plan:
    """What is due as of the date: skips to record, tasks to create, messages to send (grouped). For
    `options.client` or the whole ledger, or the whole clients whose `instalment_ids` some step may
    concern (see `batches_of_clients`); `graded` gives the clients' risk grades when the caller has them."""
    client_id = get_client(ledger, options.client).id if options.client else None
    targets = load_targets(
        ledger,
        options.as_of,
        policy.first_offset,
        policy=policy,
        client_id=client_id,
        instalment_ids=instalment_ids,
        recovery=options.recovery,
        abandoned=options.abandoned,
    )
    if graded is None:
        graded = risk_grades(ledger, config, policy, options.as_of)
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


def risk_grades(ledger: Ledger, config: Config, policy: Policy, as_of: date) -> dict[int, str]:
    """Each client's risk grade, once per run, for the policy rules that pick a profile by grade (none
    without such rules: the grades read the whole ledger)."""
    from dunner.insight.stats import grades

    return grades(ledger, config, as_of) if policy.uses_grades else {}


def sibling_steps(ledger: Ledger, invoice_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Per invoice of several instalments: the (instalment id, step, status) rows of all its instalments."""
    out: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for chunk in batches(list(dict.fromkeys(invoice_ids))):
        marks = ", ".join("?" * len(chunk))
        several = [
            r[0]
            for r in ledger.all(f"SELECT invoice_id FROM instalment WHERE seq = 2 AND invoice_id IN ({marks})", chunk)
        ]
        if not several:
            continue
        for row in ledger.rows(
            "SELECT i.invoice_id, r.instalment_id, r.step, r.status FROM instalment i"
            f" JOIN reminder r ON r.instalment_id = i.id WHERE i.invoice_id IN ({', '.join('?' * len(several))})",
            several,
        ):
            out[row["invoice_id"]].append((row["instalment_id"], row["step"], row["status"]))
    return out


def notice_events(ledger: Ledger, invoice_ids: Iterable[int], as_of: date) -> dict[int, date]:
    """The day of each invoice's first formal notice up to `as_of` (`dunner notice`, or a claiming step sent)."""
    out: dict[int, date] = {}
    for chunk in batches(list(dict.fromkeys(invoice_ids))):
        for row in ledger.all(
            "SELECT invoice_id, MIN(happened_on) AS day FROM event WHERE kind = 'formal_notice'"
            f" AND invoice_id IN ({', '.join('?' * len(chunk))}) AND happened_on <= ? GROUP BY invoice_id",
            [*chunk, as_of.isoformat()],
        ):
            out[row["invoice_id"]] = date.fromisoformat(row["day"])
    return out
