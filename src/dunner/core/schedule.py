"""Which reminder step is due for one instalment, as of a date: a pure function of the policy and history.

The rules (DESIGN §4, refined by the dunning issue):
- nothing is due while the instalment is blocked (disputed, promised, client paused) or paid;
- steps are taken in order and a step is due once its date (due date + offset) has come;
- a step before or on the due date whose moment has passed (the due date came, the day went by, a
  later such step superseded it, or the invoice did not exist yet) is recorded as skipped, never late;
- steps after the due date escalate one per run, and at least `min_gap` days after the previous
  one (never less than a day), so catching up after an outage never sends a burst;
- a step already recorded is never due again; a temporary failure is retried; a send whose outcome
  is unknown (a crash mid-send) or a permanent failure stops the escalation until the user acts;
- a missing step that comes before one already done (the policy changed) is skipped: escalation never
  goes backwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dunner.core.policy import Step

DONE = frozenset({"sent", "skipped", "task", "done", "cancelled"})  # cancelled: a task no longer needed
# Statuses that show a step reached: done, on the agenda, or (a send whose outcome is unknown) maybe sent.
REACHED = frozenset({"sent", "task", "done", "sending"})
RETRY = "failed"
STOPPERS = frozenset({"sending", "rejected"})


@dataclass(frozen=True, slots=True)
class Record:
    """A reminder row already in the ledger for this instalment."""

    status: str
    acted_on: date


@dataclass(frozen=True, slots=True)
class Decision:
    step: Step
    action: str  # send | task | skip | retry
    planned_on: date
    reason: str = ""


def step_date(step: Step, due_on: date) -> date:
    return due_on + timedelta(days=step.offset)


def _moment_passed(step: Step, later: Sequence[Step], due_on: date, issued_on: date, as_of: date) -> str | None:
    """Why a step on or before the due date can no longer be sent usefully, or None if it still can."""
    when = step_date(step, due_on)
    if when < issued_on:
        return "the invoice was issued after this step's date"
    if step.offset < 0 and as_of >= due_on:
        return "the due date has come"
    if step.offset == 0 and as_of > due_on:
        return "the due date has passed"
    if any(not s.overdue and step_date(s, due_on) <= as_of for s in later):
        return "a later step's date has come"
    return None


def decide(
    steps: Sequence[Step],
    history: Mapping[str, Record],
    *,
    due_on: date,
    issued_on: date,
    as_of: date,
    min_gap: int,
    floor: int = 0,
    floor_reason: str = "",
) -> list[Decision]:
    """The skips to record and at most one step to act on, for an open, unblocked instalment.

    Steps before `floor` (see `notice_floor`) are friendlier than one its invoice already reached:
    once their day comes they are skipped, with `floor_reason`, never sent or retried."""
    decisions: list[Decision] = []
    recorded = [i for i, s in enumerate(steps) if s.name in history]
    last_recorded = recorded[-1] if recorded else -1
    last_overdue = max(
        (
            history[s.name].acted_on
            for s in steps
            if s.overdue and s.name in history and history[s.name].status in DONE - {"skipped"}
        ),
        default=None,
    )
    for i, step in enumerate(steps):
        when = step_date(step, due_on)
        record = history.get(step.name)
        if record is not None:
            if record.status in DONE:
                continue
            if record.status in STOPPERS:
                break
        elif i < last_recorded:
            decisions.append(Decision(step, "skip", when, "a later step is already done"))
            continue
        if when > as_of:
            break
        if i < floor:
            decisions.append(Decision(step, "skip", when, floor_reason))
            continue
        if not step.overdue:
            passed = _moment_passed(step, steps[i + 1 :], due_on, issued_on, as_of)
            if passed:
                decisions.append(Decision(step, "skip", when, passed))
                continue
        elif record is None and last_overdue is not None and (as_of - last_overdue).days < max(min_gap, 1):
            break
        action = "retry" if record is not None else "task" if step.channel != "email" else "send"
        decisions.append(Decision(step, action, when))
        break
    return decisions


def notice_floor(steps: Sequence[Step], siblings: Iterable[tuple[str, str]], noticed: bool) -> int:
    """The first step an instalment may still get once its invoice had a formal notice (0: any).

    `siblings` are the (step, status) rows of the invoice's other instalments; `noticed` says a
    formal notice was sent on the invoice otherwise (`dunner notice`). After a notice, no instalment
    of the invoice gets a step friendlier than the firmest one reached: not before the claiming step,
    nor before a later step (a hand-off) another instalment reached. A profile without a claiming
    step treats every email as friendlier than a notice; its calls and letters after the last email
    still come.
    """
    index = {s.name: i for i, s in enumerate(steps)}
    reached = [index[name] for name, status in siblings if name in index and status in REACHED]
    noticed = noticed or any(steps[i].claim for i in reached)
    if not noticed:
        return 0
    claiming = next((i for i, s in enumerate(steps) if s.claim), None)
    if claiming is None:
        claiming = max((i for i, s in enumerate(steps) if s.channel == "email"), default=-1) + 1
    return max([claiming, *reached])
