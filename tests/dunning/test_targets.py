"""The planning filter only saves work: the run plans exactly what it would plan reading every instalment."""

from datetime import date, timedelta

import pytest

from dunner.core.money import Money
from dunner.core.policy import load_policy
from dunner.dunning import planning as dunning
from dunner.dunning import targets
from dunner.dunning.runs import RunOptions
from dunner.edges.config import find_config, load

MAILDIR = '\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n'
RULES = """
[[dunning.rules]]
profile = "firm"
min_amount = 5000

[[dunning.rules]]
profile = "gentle"
currency = "JPY"
min_amount = 100000.5
kind = "business"
"""


def planned(ledger, config, policy, day, **options):
    """Everything the plan holds, comparable: skips, tasks, and each message's step and instalments."""
    todo = dunning.plan(ledger, config, policy, RunOptions(day, **options))
    return (
        sorted((t.instalment_id, d.step.name, d.reason, t.due) for t, d in todo.skips),
        sorted((t.instalment_id, d.step.name, t.due) for t, d in todo.tasks),
        sorted((d.step.name, tuple((t.instalment_id, t.due) for t in d.targets)) for d in todo.drafts),
    )


@pytest.fixture
def books(dunner, client, configure):
    configure(MAILDIR + RULES)
    client("ACME", "--terms", "30")
    client("SLOW", "--terms", "30", "--profile", "gentle")
    client("CREDIT", "--terms", "30")
    client("TOKYO", "--terms", "30", "--currency", "JPY")
    for code, amount in (("ACME", "1200"), ("SLOW", "800"), ("CREDIT", "300")):
        dunner("invoice", code, amount, "--issued", "2026-01-01")
    dunner("pay", "400", "--client", "CREDIT", "--on", "2026-01-02")  # 100 of credit for later invoices
    dunner("invoice", "ACME", "6000", "--issued", "2026-01-05")  # the firm profile by its amount
    dunner("invoice", "TOKYO", "100001", "--issued", "2026-01-05")  # gentle: at least 100000.5 yen
    dunner("invoice", "TOKYO", "100000", "--issued", "2026-01-06")  # standard: below it
    dunner("invoice", "ACME", "900", "--issued", "2026-01-10", "--instalments", "3", "--every", "14")
    for day in ("2026-01-20", "2026-02-10"):
        for code, amount in (("ACME", "1200"), ("SLOW", "800"), ("CREDIT", "300")):
            dunner("invoice", code, amount, "--issued", day)
    dunner("promise", "F-2026-0002", "2026-02-20", "--on", "2026-02-01")


def test_the_filter_changes_nothing_in_the_plan(dunner, books, ledger, monkeypatch):
    config = load(find_config(None))
    policy = load_policy(config.section("dunning"))
    unfiltered = targets.due_filter
    day = date(2026, 1, 1)
    while day < date(2026, 5, 1):
        sending = frozenset(r[0] for r in ledger.all("SELECT id FROM reminder WHERE status = 'sending'"))
        recover = {"retry_rejected": True, "resend_uncertain": True, "abandoned": sending}
        filtered = planned(ledger, config, policy, day), planned(ledger, config, policy, day, **recover)
        monkeypatch.setattr(targets, "due_filter", lambda *_: ("", {}))
        everything = planned(ledger, config, policy, day), planned(ledger, config, policy, day, **recover)
        monkeypatch.setattr(targets, "due_filter", unfiltered)
        assert filtered == everything, day
        if day.day % 3 == 0:  # a run every third day builds a history with skips and escalations
            # once a row is left uncertain (below), every run warns about it and exits 1
            dunner("remind", "--as-of", day.isoformat(), code=1 if sending else 0)
        if day.day == 10:  # deliveries that failed, were refused, or whose outcome is unknown
            for status in ("failed", "rejected", "sending"):
                ledger.execute(
                    "UPDATE reminder SET status = ?, owner = NULL"
                    " WHERE id = (SELECT MIN(id) FROM reminder WHERE status = 'sent')",
                    (status,),
                )
        day += timedelta(days=1)
    assert ledger.scalar("SELECT COUNT(DISTINCT step) FROM reminder") >= 6


def test_a_changed_policy_still_skips_steps_missed_before_a_recorded_one(dunner, books, ledger, configure):
    dunner("remind", "--as-of", "2026-02-10")  # reminder-1 of the invoices due on January 31 is on record
    # a new step whose day has not come, before one done (and now later): the run skips it, never goes back
    configure(MAILDIR + '[dunning]\nsteps = [{name = "nudge", offset = 30}, {name = "reminder-1", offset = 40}]\n')
    config = load(find_config(None))
    skips, _, _ = planned(ledger, config, load_policy(config.section("dunning")), date(2026, 2, 11))
    assert ("nudge", "a later step is already done") in {(step, reason) for _, step, reason, _ in skips}


@pytest.mark.parametrize("profile", [None, "", "gentle"])
@pytest.mark.parametrize("kind", ["business", "consumer"])
@pytest.mark.parametrize("currency", ["EUR", "JPY", "BHD"])
def test_the_profile_in_sql_is_the_one_the_policy_chooses(ledger, profile, kind, currency):
    policy = load_policy(
        {
            "rules": [
                {"profile": "gentle", "currency": "JPY", "min_amount": 100000.5, "kind": "business"},
                {"profile": "firm", "min_amount": "5000.001"},
                {"profile": "gentle", "kind": "consumer"},
            ]
        }
    )
    sql, params = targets.profile_sql(policy)
    for cents in (0, 1, 100000, 100001, 500000, 500001, 5000000, 5000001, 5000010, 100000000, 100001000):
        row = {"profile": profile, "currency": currency, "kind": kind, "total_cents": cents}
        got = ledger.scalar(
            f"SELECT {sql} FROM (SELECT :profile AS profile, :currency AS currency, :kind AS kind,"
            " :total_cents AS total_cents) x",
            {**params, **row},
        )
        total = Money(cents, currency).amount
        assert got == policy.choose(profile, total, currency, kind).name, (cents, currency, kind, profile)


def test_a_profile_the_policy_lacks_is_still_reported(dunner, books, ledger, configure):
    ledger.execute("UPDATE client SET profile = 'vanished' WHERE code = 'SLOW'")
    config = load(find_config(None))
    with pytest.raises(Exception, match="no dunning profile 'vanished'"):
        dunning.plan(ledger, config, load_policy(config.section("dunning")), RunOptions(date(2026, 3, 1)))
