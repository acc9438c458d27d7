"""The ledger on a PostgreSQL server: the same services, the same SQL, translated on the way.

Services write one SQL dialect (SQLite's). For PostgreSQL each statement is rewritten once (and cached):
placeholders `?` and `:name` become psycopg's `%s` and `%(name)s`; the few SQLite functions the queries
use get their PostgreSQL equivalents (two-argument MAX/MIN, julianday, group_concat, date with a
modifier); table definitions take BIGINT identities and binary ("C") collation so ids, money and sort
order behave as in SQLite. Rows answer by name and by position like `sqlite3.Row`; integral NUMERIC
results (SUM of integers) come back as `int`, other NUMERIC as `float`, as SQLite's REAL would.

Writers are serialized as SQLite's `BEGIN IMMEDIATE` serializes them: every write transaction first
takes a transaction-scoped advisory lock on its schema, so the reminder protocol's claim-then-send is
exactly-once across processes and machines with nothing but the database's own locking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Dumper, Loader
from psycopg.rows import RowMaker

from dunner.core.errors import BadInput, Conflict, NotFound, OperationalError
from dunner.edges.storage.dialect import translate
from dunner.edges.storage.ledger import BUSY_TIMEOUT_MS, Ledger, Params

# The first half of the advisory lock key ("dunr"); the second half is the schema's hash.
LOCK_SPACE = 0x64756E72


def conninfo(url: str) -> str:
    """The libpq URL for psycopg: SQLAlchemy's `+psycopg` driver suffix dropped."""
    return "postgresql://" + url.split("://", 1)[1]


def redacted(url: str) -> str:
    """The URL as shown in messages: never the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Row(tuple):
    """A result row by position and by (case-insensitive) column name, like `sqlite3.Row`."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}
    _names: ClassVar[tuple[str, ...]] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                key = self._index[key]
            except KeyError:
                key = self._index[key.lower()]
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    index = {name: i for i, name in enumerate(names)}
    index.update({name.lower(): i for i, name in reversed(list(enumerate(names)))})
    return type("Row", (Row,), {"__slots__": (), "_index": index, "_names": names})


def row_factory(cursor: psycopg.Cursor[Any]) -> RowMaker[Row]:
    if cursor.description is None:
        return tuple  # type: ignore[return-value]
    cls = _row_class(tuple(column.name for column in cursor.description))
    return cls


class NumericLoader(Loader):
    """SUM of integers is NUMERIC in PostgreSQL: whole values come back as int, as in SQLite."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


class DateAsText(Dumper):
    """Dates are stored as ISO text (as sqlite3 binds them): bind them as text."""

    oid = psycopg.postgres.types["text"].oid

    def dump(self, obj: date) -> bytes:
        return obj.isoformat().encode()


class BoolAsInt(Dumper):
    """SQLite binds True/False as 1/0 into INTEGER columns; so do we."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


# The ledger ----------------------------------------------------------------------------------------


class PostgresLedger(Ledger):
    dialect = "postgresql"
    _cursors = 0
    _token: str | None = None  # see run_token

    @classmethod
    def connect(cls, url: str, *, create: bool = False) -> PostgresLedger:
        """The ledger in the URL's database and schema, not migrated (see storage.open_ledger)."""
        shown = redacted(url)
        try:
            conn = psycopg.connect(conninfo(url), autocommit=True, row_factory=row_factory)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise OperationalError(f"cannot open the ledger {shown}: {first}") from None
        conn.adapters.register_loader("numeric", NumericLoader)
        conn.adapters.register_dumper(date, DateAsText)
        conn.adapters.register_dumper(bool, BoolAsInt)
        ledger = cls(conn, shown)  # type: ignore[arg-type]
        ledger.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        # `rows` streams through named cursors, whose plans PostgreSQL makes for the first tenth of the
        # rows by default (an index walk that starts at once and ends ten times later than a sort): dunner
        # reads every row it streams, so the plans are made for all of them.
        ledger.execute("SET cursor_tuple_fraction = 1")
        # JIT compiles a plan's expressions once it looks long: 0.17 s a query for dunner's, which then run in a
        # few seconds at most (aging by client at 1M: 5.5 s with it, 4.6 s without).
        ledger.execute("SET jit = off")
        ledger.refuse_foreign(create)
        return ledger

    def analyze(self, tables: list[str]) -> None:
        """Gather the planner's statistics of these tables (the ledger's, never another program's) now, within
        the transaction if one is open: after a bulk load (`dunner copy`), until autovacuum comes by,
        PostgreSQL plans with none (aging by invoice on a copied 1M-invoice ledger: 50 s before, 3 s after)."""
        self.execute(f"ANALYZE {', '.join(tables)}")

    def refuse_foreign(self, create: bool) -> None:
        """A schema without dunner's tables holds no ledger: only `create` (dunner init) makes one there, and
        only in a schema with no table at all: dunner never writes into another program's database."""
        # One statement, one snapshot: another process creating the ledger may commit between two queries,
        # and its tables seen without its migration table would pass for another program's.
        tables, ours = self.one(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE table_name = 'migration') FROM information_schema.tables"
            " WHERE table_schema = current_schema()"
        )
        if ours:
            return
        if create:
            if not tables:
                return
            self.close()
            raise BadInput(
                f"{self.location} is not a dunner ledger (its schema holds other tables)",
                hint="check the URL's schema (search_path): dunner never writes into another program's database",
            )
        self.close()
        raise NotFound(
            f"no ledger at {self.location} (no dunner tables in its schema)",
            hint="to start a new ledger there: dunner --db URL init",
        )

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except pg_errors.IntegrityError as exc:
            raise Conflict(f"the ledger refused the change: {_first_line(exc)}") from None
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
            raise self.busy() from None
        except psycopg.Error as exc:
            raise OperationalError(f"ledger {self.location}: {_first_line(exc)}") from None

    def run_token(self) -> str:
        """This run's mark: a random token whose session-level advisory lock this session holds while it lives.

        Any role can tell whether the lock is held (unlike the rows of pg_stat_activity, which other roles
        may not see whole), whatever its time zone or date style."""
        if self._token is None:
            token = f"pg:{uuid.uuid4().hex}"
            self.scalar("SELECT pg_advisory_lock(hashtextextended(?, 0))", (token,))
            self._token = token
        return self._token

    def running(self, tokens: Iterable[str]) -> set[str]:
        """The tokens of other runs still going: their session still holds the token's lock."""
        alive = set()
        for token in {t for t in tokens if t.startswith("pg:")} - {self._token}:
            if self.scalar("SELECT pg_try_advisory_lock(hashtextextended(?, 0))", (token,)) in (True, 1):
                self.scalar("SELECT pg_advisory_unlock(hashtextextended(?, 0))", (token,))  # nobody held it
            else:
                alive.add(token)
        return alive

    def _begin(self) -> None:
        # READ COMMITTED whatever the server's default: under REPEATABLE READ the snapshot would be taken
        # before the lock below is granted, and the writer would not see what the previous one committed.
        self.conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        # One writer at a time per ledger (schema), as SQLite's BEGIN IMMEDIATE.
        self.conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (LOCK_SPACE,))

    def _rollback(self) -> None:
        status = self.conn.info.transaction_status
        if status in (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR):
            with suppress(psycopg.Error):  # the connection is gone: so is the transaction
                self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: Params = ()) -> Any:
        with self.errors():
            if params:
                return self.conn.execute(translate(sql), params)
            return self.conn.execute(translate(sql, False))

    def executemany(self, sql: str, rows: Any) -> None:
        with self.errors(), self.conn.cursor() as cursor:
            cursor.executemany(translate(sql), rows)

    def rows(self, sql: str, params: Params = ()) -> Iterator[Any]:
        """Stream rows through a server-side cursor, a thousand at a time.

        Callers may run other statements while they iterate (SQLite allows it), so the rows are
        fetched by a named cursor between statements rather than streamed in one go."""
        self._cursors += 1
        cursor = self.conn.cursor(name=f"dunner_rows_{self._cursors}", withhold=True)
        try:
            with self.errors():
                cursor.execute(translate(sql, bool(params)), params or None)
            while True:
                with self.errors():
                    batch = cursor.fetchmany(1000)
                if not batch:
                    break
                yield from batch
        finally:
            # A cursor declared in a transaction that rolled back is gone already; closing it then
            # (or in an aborted transaction) must not raise from a generator being discarded.
            usable = (psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.INTRANS)
            if not self.conn.closed and self.conn.info.transaction_status in usable:
                with suppress(psycopg.Error):
                    cursor.close()

    def tuples(self, sql: str, params: Params = ()) -> Iterator[Any]:
        """`rows`: its rows are tuples already."""
        return self.rows(sql, params)

    def insert(self, sql: str, params: Params = ()) -> int:
        row = self.one(sql + " RETURNING id", params)
        assert row is not None
        return int(row[0])

    def has_table(self, name: str) -> bool:
        return self.scalar("SELECT to_regclass(?) IS NOT NULL", (name,)) in (True, 1)

    def columns(self, table: str) -> list[str]:
        return [
            row[0]
            for row in self.all(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                (table,),
            )
        ]

    def reset_ids(self, table: str) -> None:
        self.execute(
            f"SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}",
            (table,),
        )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
