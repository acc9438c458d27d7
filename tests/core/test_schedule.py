"""The scheduler as a pure function, and as cron would drive it for months, outages included."""

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dunner.core.policy import BUILTIN, Step
from dunner.core.schedule import Record, decide, notice_floor

STANDARD = BUILTIN["standard"].steps  # courtesy -5, due-today 0, reminder-1 +7, call +14, reminder-2 +21, ...
DUE = date(2026, 3, 31)
ISSUED = date(2026, 3, 1)


def run(history, as_of, steps=STANDARD, gap=7, issued=ISSUED):
    return [
        (d.step.name, d.action) for d in decide(steps, history, due_on=DUE, issued_on=issued, as_of=as_of, min_gap=gap)
    ]


def test_nothing_before_the_first_step():
    assert run({}, DUE - timedelta(days=6)) == []


def test_courtesy_note_on_its_day_then_due_day():
    assert run({}, DUE - timedelta(days=5)) == [("courtesy", "send")]
    sent = {"courtesy": Record("sent", DUE - timedelta(days=5))}
    assert run(sent, DUE - timedelta(days=2)) == []
    assert run(sent, DUE) == [("due-today", "send")]


def test_thresholds_are_inclusive():
    done = {s.name: Record("sent", DUE) for s in STANDARD[:2]}
    assert run(done, DUE + timedelta(days=6)) == []
    assert run(done, DUE + timedelta(days=7)) == [("reminder-1", "send")]


def test_missed_pre_due_steps_are_skipped_not_sent_late():
    assert run({}, DUE - timedelta(days=2)) == [("courtesy", "send")]  # still before the due date: still useful
    assert run({}, DUE) == [("courtesy", "skip"), ("due-today", "send")]
    assert run({}, DUE + timedelta(days=1)) == [("courtesy", "skip"), ("due-today", "skip")]


def test_catching_up_escalates_one_step_at_a_time():
    day = DUE + timedelta(days=60)  # every step's date has passed
    assert run({}, day) == [("courtesy", "skip"), ("due-today", "skip"), ("reminder-1", "send")]
    history = {
        "courtesy": Record("skipped", day),
        "due-today": Record("skipped", day),
        "reminder-1": Record("sent", day),
    }
    assert run(history, day) == []  # a second run the same day does nothing
    assert run(history, day + timedelta(days=6)) == []  # the gap holds back the call
    assert run(history, day + timedelta(days=7)) == [("call", "task")]


def test_a_failed_send_is_retried_and_an_uncertain_one_stops_escalation():
    base = {"courtesy": Record("sent", DUE), "due-today": Record("sent", DUE)}
    day = DUE + timedelta(days=30)
    assert run({**base, "reminder-1": Record("failed", DUE + timedelta(days=7))}, day) == [("reminder-1", "retry")]
    assert run({**base, "reminder-1": Record("sending", DUE + timedelta(days=7))}, day) == []
    assert run({**base, "reminder-1": Record("rejected", DUE + timedelta(days=7))}, day) == []


def test_a_failed_courtesy_note_whose_moment_passed_is_skipped():
    history = {"courtesy": Record("failed", DUE - timedelta(days=5))}
    assert run(history, DUE + timedelta(days=1)) == [("courtesy", "skip"), ("due-today", "skip")]


def test_escalation_never_goes_backwards_when_the_policy_gains_a_step():
    steps = (*STANDARD[:2], Step("nudge", 3), *STANDARD[2:])
    history = {s.name: Record("sent", DUE + timedelta(days=7)) for s in STANDARD[:3]}
    assert ("nudge", "skip") in run(history, DUE + timedelta(days=30), steps)


def test_an_invoice_issued_after_a_step_date_skips_it():
    assert run({}, DUE - timedelta(days=3), issued=DUE - timedelta(days=3)) == [("courtesy", "skip")]


def test_the_gap_is_at_least_a_day_even_when_configured_to_zero():
    history = {
        "courtesy": Record("skipped", DUE),
        "due-today": Record("skipped", DUE),
        "reminder-1": Record("sent", DUE + timedelta(days=40)),
    }
    assert run(history, DUE + timedelta(days=40), gap=0) == []
    assert run(history, DUE + timedelta(days=41), gap=0) == [("call", "task")]


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.integers(-10, 120), min_size=1, max_size=40),  # days (from the due date) cron actually ran
    st.integers(0, 10),  # min gap
    st.sampled_from(list(BUILTIN)),
    st.integers(0, 40),  # invoice issued this many days before the due date
    st.booleans(),  # runs twice on some days
)
def test_months_of_cron_runs(run_days, gap, profile, terms, twice):
    steps = BUILTIN[profile].steps
    issued = DUE - timedelta(days=terms)
    history: dict[str, Record] = {}
    acted: list[tuple[date, Step, str]] = []
    for offset in sorted(run_days):
        day = DUE + timedelta(days=offset)
        if day < issued:
            continue
        for _ in range(2 if twice else 1):
            decisions = decide(steps, history, due_on=DUE, issued_on=issued, as_of=day, min_gap=gap)
            sends = [d for d in decisions if d.action != "skip"]
            assert len(sends) <= 1, "at most one step acted on per run"
            for d in decisions:
                assert d.step.name not in history or history[d.step.name].status == "failed"
                history[d.step.name] = Record("skipped" if d.action == "skip" else "sent", day)
                acted.append((day, d.step, d.action))
            if _ == 1:
                assert not decisions, "a second run the same day changes nothing"
    sent = [(day, step) for day, step, action in acted if action != "skip"]
    for day, step in sent:
        assert day >= DUE + timedelta(days=step.offset), "never before its date"
        if not step.overdue:
            assert day < DUE or (step.offset == 0 and day == DUE), "pre-due and due-day notes are never late"
    order = [s.name for s in steps]
    positions = [order.index(step.name) for _, step in sent]
    assert positions == sorted(positions), "never a firmer step before a milder one"
    overdue_days = [day for day, step in sent if step.overdue]
    assert all((b - a).days >= max(gap, 1) for a, b in itertools.pairwise(overdue_days))
    # every overdue step reached in order: none skipped while a later one went out
    overdue = [s.name for s in steps if s.overdue]
    went = [step.name for _, step in sent if step.overdue]
    assert went == overdue[: len(went)]


def test_after_a_formal_notice_nothing_friendlier_is_due():
    names = [s.name for s in STANDARD]
    assert notice_floor(STANDARD, [("reminder-2", "sent")], noticed=False) == 0  # no notice yet: any step
    assert notice_floor(STANDARD, [("formal-notice", "sent")], noticed=False) == names.index("formal-notice")
    assert notice_floor(STANDARD, [("formal-notice", "sending")], noticed=False) == names.index("formal-notice")
    assert notice_floor(STANDARD, [("handoff", "task")], noticed=True) == names.index("handoff")
    assert notice_floor(STANDARD, [], noticed=True) == names.index("formal-notice")  # `dunner notice`
    emails_only = (Step("a", 5), Step("b", 10), Step("call", 20, "call"))
    assert notice_floor(emails_only, [], noticed=True) == 2  # no claiming step: every email is friendlier
    floor = names.index("formal-notice")
    decided = [
        (d.step.name, d.action, d.reason)
        for d in decide(
            STANDARD,
            {},
            due_on=DUE,
            issued_on=ISSUED,
            as_of=DUE + timedelta(days=8),
            min_gap=7,
            floor=floor,
            floor_reason="noticed",
        )
    ]
    assert decided == [
        ("courtesy", "skip", "noticed"),
        ("due-today", "skip", "noticed"),
        ("reminder-1", "skip", "noticed"),
    ]  # the call's day has not come: nothing is recorded ahead of its day
    failed = {"reminder-1": Record("failed", DUE + timedelta(days=7))}
    assert [
        d.action
        for d in decide(
            STANDARD, failed, due_on=DUE, issued_on=ISSUED, as_of=DUE + timedelta(days=8), min_gap=7, floor=floor
        )
    ][-1] == "skip"  # a failed friendlier step is not retried after the notice
    assert run({}, DUE + timedelta(days=30))[-1] == ("reminder-1", "send")  # without a floor, as before


def test_a_claiming_step_must_come_after_the_due_date():
    import pytest

    from dunner.core.policy import PolicyError, load_policy

    with pytest.raises(PolicyError, match="must come after the due date"):
        load_policy({"steps": [{"name": "early", "offset": 0, "claim": True}]})
