"""`remind` plans and carries out its run a batch of clients at a time: the same plan and the same report as
one plan of the whole ledger, each batch recorded and reported before the next is planned, and still no
message recorded when a template used by a later batch is broken."""

import csv
import io
from datetime import date, timedelta

import pytest
import test_targets

from dunner.dunning import planning
from dunner.dunning.remind import run
from dunner.dunning.runs import RunOptions
from dunner.edges.config import find_config, load

books = test_targets.books  # the fixture: four clients, credit, instalments, a promise
planned = test_targets.planned  # a plan made comparable
MAILDIR = '\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n'


def in_batches(ledger, config, policy, day, **options):
    """What `planned` gives, from the batches put together, and the batches' clients in order."""
    skips, tasks, drafts, clients = [], [], [], []
    for todo in planning.batches_of_clients(ledger, config, policy, RunOptions(day, **options)):
        skips += [(t.instalment_id, d.step.name, d.reason, t.due) for t, d in todo.skips]
        tasks += [(t.instalment_id, d.step.name, t.due) for t, d in todo.tasks]
        drafts += [(d.step.name, tuple((t.instalment_id, t.due) for t in d.targets)) for d in todo.drafts]
        clients += todo.clients
    return (sorted(skips), sorted(tasks), sorted(drafts)), clients


@pytest.mark.parametrize("size", [1, 2, 500])
def test_the_batches_plan_what_one_plan_of_the_ledger_does(dunner, books, ledger, monkeypatch, size):
    monkeypatch.setattr(planning, "IN_LIST", size)
    config = load(find_config(None))
    policy = config.policy()
    codes = sorted((r[0] for r in ledger.all("SELECT code FROM client")), key=str.lower)
    day, batches_seen = date(2026, 1, 1), set()
    while day < date(2026, 4, 15):
        whole = planned(ledger, config, policy, day)
        batched, clients = in_batches(ledger, config, policy, day)
        assert batched == whole, day
        assert clients == codes  # every client once, in the report's order
        one, _ = in_batches(ledger, config, policy, day, client="slow")
        assert one == planned(ledger, config, policy, day, client="slow"), day
        batches_seen.add(sum(1 for _ in planning.batches_of_clients(ledger, config, policy, RunOptions(day))))
        if day.day % 3 == 0:
            dunner("remind", "--as-of", day.isoformat())
        day += timedelta(days=1)
    assert max(batches_seen) > 1 if size < 4 else batches_seen == {1}
    assert ledger.scalar("SELECT COUNT(DISTINCT step) FROM reminder") >= 5


def report(dunner, day, *args):
    out = dunner("remind", "--as-of", day, "--format", "csv", *args).stdout
    return [(r["client"], r["invoice"], r["step"], r["status"]) for r in csv.DictReader(io.StringIO(out))]


def test_a_run_in_batches_reports_what_its_dry_run_planned_in_the_same_order(dunner, books, monkeypatch):
    monkeypatch.setattr(planning, "IN_LIST", 1)
    day, cancelled = date(2026, 1, 1), 0
    while day < date(2026, 4, 15):
        if day == date(2026, 3, 1):  # ACME's call tasks are no longer needed: closed as the run goes
            dunner("pay", "20000", "--client", "ACME", "--on", day.isoformat())
        planned_rows = report(dunner, day.isoformat(), "--dry-run")
        done = report(dunner, day.isoformat())
        closed = [r for r in done if r[3] == "cancelled"]
        cancelled += len(closed)
        statuses = {"planned": "sent"}
        assert [r for r in done if r[3] != "cancelled"] == [(*r[:3], statuses.get(r[3], r[3])) for r in planned_rows]
        assert done == sorted(done, key=lambda r: (r[0].lower(), r[1]))  # each client's rows in its place
        day += timedelta(days=1)
    assert cancelled > 0


def test_each_batch_is_recorded_and_reported_before_the_next_is_planned(dunner, client, configure, ledger):
    configure(MAILDIR)
    for code in ("b-two", "A-one", "c-three"):
        client(code, "--terms", "30")
        dunner("invoice", code, "100", "--issued", "2026-01-01")
    config = load(find_config(None))
    planning_ran = []
    real = planning.plan

    def plan(*args, **kwargs):
        planning_ran.append(ledger.scalar("SELECT COUNT(*) FROM reminder"))
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(planning, "IN_LIST", 1)
        patch.setattr(planning, "plan", plan)
        done = run(ledger, config, RunOptions(date(2026, 2, 7)))
        planned_first = len(planning_ran)  # the run plans every batch once, to render each template first
        first = next(done.actions)
        recorded = ledger.all(
            "SELECT c.code, r.status FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
            " JOIN invoice v ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id ORDER BY r.id"
        )
        assert first.client == "A-one"
        assert [tuple(r) for r in recorded] == [("A-one", "skipped")] * 2 + [("A-one", "sent")]  # not B, not C yet
        rest = list(done.actions)
    steps = [("skipped", "courtesy"), ("skipped", "due-today"), ("sent", "reminder-1")]
    assert [(a.client, a.status, a.step) for a in [first, *rest]] == [
        (code, *step) for code in ("A-one", "b-two", "c-three") for step in steps
    ]
    assert planning_ran == [0, 0, 0, 0, 3, 6] and planned_first == 3  # a first pass, then each batch
    assert not done.failed


def test_a_broken_template_of_a_later_batch_stops_the_run_before_anything(dunner, client, configure, ledger, tmp_path):
    mine = tmp_path / "t" / "mail" / "en"
    mine.mkdir(parents=True)
    (mine / "reminder-1.txt").write_text("Hello {{ clinet.name }}")
    configure(MAILDIR + '\n[templates]\ndir = "t"\n')
    client("AAA", "--terms", "30")
    client("ZZZ", "--terms", "30", "--language", "en")
    for code in ("AAA", "ZZZ"):
        dunner("invoice", code, "100", "--issued", "2026-01-01")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(planning, "IN_LIST", 1)
        result = dunner("remind", "--as-of", "2026-02-07", code=2)
    assert result.stderr.startswith("Error: template mail/en/reminder-1.txt: 'clinet' is undefined")
    assert result.stdout == ""
    assert ledger.scalar("SELECT COUNT(*) FROM reminder") == 0
    assert not (tmp_path / "outbox").exists()
