"""The PostgreSQL ledger's transactions against a real server (the PostgreSQL run of the suite only)."""

import os
import threading

import pytest

from dunner.core.errors import OperationalError
from dunner.edges.storage import open_ledger
from dunner.edges.storage.ledger import Ledger
from dunner.edges.storage.migrations import MIGRATIONS
from helpers import POSTGRES, new_ledger

pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs the PostgreSQL run (DUNNER_TEST_POSTGRES)")

COLUMNS = "code, name, email, language, currency, created_at"
CLIENT = f"INSERT INTO client ({COLUMNS}) VALUES (?, 'x', 'x@x.fr', 'fr', 'EUR', 'now')"


@pytest.fixture
def two():
    a, b = open_ledger(os.environ["DUNNER_DB"]), open_ledger(os.environ["DUNNER_DB"])
    yield a, b
    a.close()
    b.close()


def test_a_writer_sees_what_the_previous_one_committed_whatever_the_default_isolation(two):
    a, b = two
    b.execute("SET default_transaction_isolation = 'repeatable read'")
    seen = []
    with a.transaction():
        a.execute(CLIENT, ("A1",))
        waiter = threading.Thread(target=lambda: seen.append(_count_in_transaction(b)))
        waiter.start()
        waiter.join(0.5)
        assert waiter.is_alive()  # b waits for a's write lock...
    waiter.join(10)
    assert seen == [1]  # ...and then sees a's client


def _count_in_transaction(ledger: Ledger) -> int:
    with ledger.transaction():
        return ledger.scalar("SELECT COUNT(*) FROM client")


def test_a_busy_ledger_is_one_error_and_the_connection_stays_usable(two):
    a, b = two
    b.execute("SET lock_timeout = 200")
    with a.transaction(), pytest.raises(OperationalError, match="is busy"), b.transaction():
        b.execute(CLIENT, ("B1",))
    with b.transaction():
        b.execute(CLIENT, ("B2",))
    assert [r[0] for r in a.all("SELECT code FROM client ORDER BY code")] == ["B2"]


def test_a_lost_connection_is_a_dunner_error(two):
    a, b = two
    pid = b.scalar("SELECT pg_backend_pid()")
    with pytest.raises(OperationalError), b.transaction():
        b.execute(CLIENT, ("B1",))
        a.execute("SELECT pg_terminate_backend(?)", (pid,))
        b.execute(CLIENT, ("B2",))
    assert a.scalar("SELECT COUNT(*) FROM client") == 0


def test_rows_left_unfinished_when_their_transaction_rolls_back(two, capsys):
    a, _ = two
    with a.transaction():
        for n in range(1500):
            a.execute(CLIENT, (f"C{n:04}",))
    rows = None
    with pytest.raises(RuntimeError), a.transaction():
        rows = a.rows("SELECT code FROM client ORDER BY code")
        assert next(rows)[0] == "C0000"
        raise RuntimeError("stop half-way")
    rows.close()  # the cursor went with the transaction: closing the generator is quiet
    assert capsys.readouterr().err == ""
    assert a.scalar("SELECT COUNT(*) FROM client") == 1500


def test_subqueries_in_from_run_unnamed_as_on_sqlite(two):
    """SQLite takes FROM (SELECT ...) without a name, after FROM, JOIN or a comma; PostgreSQL 15 needs one."""
    a, _ = two
    a.execute(CLIENT, ("A1",))
    sql = (
        "SELECT COUNT(*) FROM client c, (SELECT 1 AS one) JOIN (SELECT 1 AS two) ON one = two"
        " WHERE c.id IN (SELECT id FROM (SELECT id FROM client))"
    )
    assert a.scalar(sql) == 1


def test_a_ledger_created_meanwhile_is_not_taken_for_another_programs_schema(tmp_path, monkeypatch):
    """Two first opens race: the other process commits the whole ledger between this one's catalog queries.

    Whatever it sees, one snapshot decides: an empty schema (create it) or a dunner ledger (open it)."""
    from dunner.edges.storage.postgres import PostgresLedger

    url = new_ledger(tmp_path)
    real = PostgresLedger.execute
    raced = []

    def execute(self, sql, params=()):
        result = real(self, sql, params)
        if not raced and ("to_regclass" in sql or "information_schema.tables" in sql):
            raced.append(sql)
            monkeypatch.setattr(PostgresLedger, "execute", real)
            open_ledger(url, create=True).close()  # the other process, done in between
            monkeypatch.setattr(PostgresLedger, "execute", execute)
        return result

    monkeypatch.setattr(PostgresLedger, "execute", execute)
    ledger = open_ledger(url, create=True)
    monkeypatch.setattr(PostgresLedger, "execute", real)
    assert raced
    assert ledger.scalar("SELECT COUNT(*) FROM migration") == len(MIGRATIONS)
    ledger.close()


def test_streamed_queries_are_planned_for_every_row(two):
    """A cursor's plan is PostgreSQL's fast-start one by default (an index walk to give the first rows at
    once); dunner reads all that it streams, so it gets the plan for the whole result (a sort here)."""
    a, _ = two
    with a.transaction():
        a.execute("CREATE TEMPORARY TABLE wide (id INTEGER PRIMARY KEY, v INTEGER, pad TEXT)")
        a.execute(
            "INSERT INTO wide SELECT n, (random() * 1000000)::int, repeat('x', 200) FROM generate_series(1, 50000) n"
        )
        a.execute("CREATE INDEX wide_v ON wide (v)")
        a.execute("ANALYZE wide")
        a.execute("SET LOCAL effective_cache_size = '8MB'")  # the table outgrows the cache, as 1M invoices do
        plan = " ".join(r[0] for r in a.all("EXPLAIN DECLARE c CURSOR FOR SELECT * FROM wide ORDER BY v"))
        assert "Sort" in plan and "Index Scan" not in plan, plan
        a.execute("SET LOCAL cursor_tuple_fraction = 0.1")  # what it would be without dunner's setting
        plan = " ".join(r[0] for r in a.all("EXPLAIN DECLARE c CURSOR FOR SELECT * FROM wide ORDER BY v"))
        assert "Index Scan" in plan, plan


def test_queries_are_not_jit_compiled(two):
    """JIT's compilation (0.17 s a query at 1M) costs more than dunner's queries gain from it."""
    a, _ = two
    assert a.scalar("SHOW jit") == "off"


def test_whole_ledger_sums_are_one_grouped_pass_not_a_lookup_per_instalment(two):
    """Issue 15 item 5: on PostgreSQL the reports over every instalment join allocation grouped once (a
    correlated sum made 1,000,000 index lookups at 1M); one client's queries keep the lookup."""
    from dunner.ledger.balances import INSTALMENTS, all_instalments

    a, _ = two
    plan = " ".join(
        r[0] for r in a.all(f"EXPLAIN SELECT * FROM ({all_instalments(a.dialect)}) x", {"as_of": "2026-11-23"})
    )
    assert "SubPlan" not in plan and "allocation" in plan, plan
    plan = " ".join(r[0] for r in a.all(f"EXPLAIN SELECT * FROM ({INSTALMENTS}) x", {"as_of": "2026-11-23"}))
    assert "SubPlan" in plan, plan
