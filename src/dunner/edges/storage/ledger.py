"""The ledger connection: SQLite through the standard DB-API, pragmas, transactions, error mapping.

Services write plain SQL here (no ORM on the hot paths): `sqlite3` opens in a millisecond where
SQLAlchemy and pydantic cost a quarter to half a second per call, and cron and shell loops call dunner
often. `models.py` declares the same schema for SQLModel users and a test keeps the two identical.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from dunner.core.errors import BadInput, Conflict, NotFound, OperationalError
from dunner.edges.files import create_private, private_folder

Params = Sequence[Any] | dict[str, Any]
BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"
IN_LIST = 500  # values per IN (...) list: well under SQLite's limit on parameters
T = TypeVar("T")


def batches(items: Iterable[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter), read lazily: for IN lists and bulk inserts."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds a lock."""
    return "locked" in str(exc) or "busy" in str(exc)


def use_wal(conn: sqlite3.Connection, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Put the file in WAL mode (once per file; later opens find it so and change nothing).

    Two processes creating the same new ledger both read it, then both ask for the exclusive lock that
    the change needs: SQLite answers one of them "locked" at once, without waiting (waiting would be a
    deadlock), so the busy timeout does not help here. We wait and try again, within the same timeout."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _check_file(path: Path, create: bool) -> bool:
    """Whether a file is there; an error unless it is an SQLite file (or, to `create` a ledger, empty).

    Checked before SQLite opens it: SQLite makes a new database of a missing or empty file, and a typo
    in a path or a truncated ledger must not become an empty ledger that says "nothing is owed"."""
    start = f"to start a new ledger there: dunner --db {path} init"
    try:
        if path.is_dir():
            raise BadInput(f"{path} is a folder, not a dunner ledger", hint="give the ledger file's path")
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except (FileNotFoundError, NotADirectoryError):
        if create:
            return False
        raise NotFound(f"no ledger at {path}", hint=f"check the path; {start}") from None
    except OSError as exc:
        raise OperationalError(f"cannot open the ledger {path}: {exc.strerror}") from None
    if not head and not create:
        raise BadInput(f"{path} is empty (0 bytes), not a dunner ledger", hint=f"restore it from a backup; {start}")
    if head and head != SQLITE_HEADER:
        raise BadInput(f"{path} is not a dunner ledger (not an SQLite file)", hint="check the path")
    return True


def _create_file(path: Path) -> None:
    """A new ledger file, 0600 in 0700 folders: SQLite gives its -wal and -shm files the same mode."""
    try:
        private_folder(path.parent)
        create_private(path)
    except OSError as exc:
        raise OperationalError(f"cannot create the ledger {path}: {exc.strerror}") from None


class Ledger:
    """One open ledger. Services run their SQL through it, inside `transaction()` when they write.

    The SQL is SQLite's; `dunner.edges.storage.postgres.PostgresLedger` runs the same statements on PostgreSQL."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, location: str) -> None:
        self.conn = conn
        self.location = location
        self._depth = 0
        self.created = False

    @classmethod
    def open_file(cls, location: str, *, create: bool = False) -> Ledger:
        """The SQLite ledger at `location` (a path or sqlite:///PATH), not migrated (see storage.open_ledger).

        Only `create` makes a new ledger, where there is nothing yet (no file, an empty file);
        otherwise a location that holds no dunner ledger is an error naming it, and nothing is created."""
        path = Path(location.removeprefix("sqlite:///")).expanduser()
        if not _check_file(path, create):
            _create_file(path)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise OperationalError(f"cannot open the ledger {path}: {exc}") from None
        conn.row_factory = sqlite3.Row
        ledger = cls(conn, str(path))
        with ledger.errors():
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        ledger.refuse_foreign(create)  # before WAL mode: that would change another program's file
        with ledger.errors():
            use_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
        return ledger

    def analyze(self, tables: list[str]) -> None:
        """Nothing on SQLite: dunner's queries are written for its plans without statistics (an ANALYZE could
        change them); PostgreSQL gathers them (see PostgresLedger.analyze)."""

    def refuse_foreign(self, create: bool) -> None:
        """Stop unless this database is a dunner ledger, or (to `create` one) holds no table at all."""
        # One statement, one snapshot (as on PostgreSQL): another process creating the ledger may commit
        # between two queries, and its tables seen without its migration table would pass for a stranger's.
        tables, ours = self.one(
            "SELECT COUNT(*), COALESCE(SUM(name = 'migration'), 0) FROM sqlite_master WHERE type = 'table'"
        )
        if ours or (create and not tables):
            return
        self.close()
        raise BadInput(
            f"{self.location} is not a dunner ledger (a database without dunner's tables)",
            hint="check the path: dunner never writes into another program's database",
        )

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn database failures into dunner errors with a message a user can act on."""
        try:
            yield
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"the ledger refused the change: {exc}") from None
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if _busy(exc):
                raise self.busy() from None
            if "not a database" in text:
                raise OperationalError(f"{self.location} is not a dunner ledger (not an SQLite file)") from None
            raise OperationalError(f"ledger {self.location}: {text}") from None

    def busy(self) -> OperationalError:
        """The error for a ledger another dunner is writing to (SQLite's busy timeout, PostgreSQL's lock one)."""
        return OperationalError(f"the ledger {self.location} is busy (another dunner is writing)", hint="try again")

    @contextmanager
    def transaction(self) -> Iterator[Ledger]:
        """One unit of work: commits whole or not at all. Nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self.errors():
                self._begin()  # inside: a lock that times out after BEGIN must still roll back
                yield self
                self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0

    @contextmanager
    def savepoint(self) -> Iterator[Ledger]:
        """Inside a transaction: a part that, if it fails, is undone alone (SAVEPOINT, on both databases)."""
        assert self._depth, "a savepoint lives inside a transaction"
        self._savepoints = getattr(self, "_savepoints", 0) + 1
        name = f"dunner_{self._savepoints}"
        self.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.execute(f"RELEASE SAVEPOINT {name}")
            raise
        self.execute(f"RELEASE SAVEPOINT {name}")

    def _begin(self) -> None:
        """Start a write transaction, holding the ledger's write lock (one writer at a time)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def _rollback(self) -> None:
        """Undo the open transaction, if any; the error that brought us here is the one to report."""
        if self.conn.in_transaction:
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        with self.errors():
            return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        with self.errors():
            self.conn.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Params = ()) -> Iterator[sqlite3.Row]:
        """Stream the rows of a query without holding them all in memory (the query runs at the first row)."""
        yield from self._stream(self.execute(sql, params))

    def tuples(self, sql: str, params: Params = ()) -> Iterator[tuple[Any, ...]]:
        """`rows` as plain tuples, for loops over a million rows where building each sqlite3.Row counts."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        with self.errors():
            cursor.execute(sql, params)
        yield from self._stream(cursor)

    def _stream(self, cursor: sqlite3.Cursor) -> Iterator[Any]:
        with self.errors():
            while batch := cursor.fetchmany(1000):
                yield from batch

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        return self.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None

    def columns(self, table: str) -> list[str]:
        """A table's column names, in order."""
        return [row[1] for row in self.all(f"PRAGMA table_info({table})")]

    def reset_ids(self, table: str) -> None:
        """After rows were inserted with their ids: new rows continue after the highest (SQLite does)."""

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], *, optional: Iterable[str] = ()
    ) -> None:
        """INSERT `rows` (tuples in the order of `columns`) in bulk.

        The `optional` columns (nullable, no default) that are NULL in every row are left out of the
        statement: sqlite3 binds None through its adapter lookup, about 0.4 us a value, which made a
        tenth of a 100k-invoice import. The columns are tested and rebuilt in C (zip, tuple.count)."""
        if not rows:
            return
        values = list(zip(*rows, strict=True))
        unset = {c for c in optional if values[columns.index(c)].count(None) == len(rows)}
        if unset:
            keep = [i for i, c in enumerate(columns) if c not in unset]
            columns = [columns[i] for i in keep]
            rows = list(zip(*(values[i] for i in keep), strict=True))
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id."""
        cursor = self.execute(sql, params)
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def run_token(self) -> str:
        """Who is delivering: this process (host, pid and start time), written on the rows it leaves `sending`."""
        return process_token(os.getpid())

    def running(self, tokens: Iterable[str]) -> set[str]:
        """The tokens of other runs still going: another process of this host, alive, started when it said.

        A token of this very process belongs to an earlier run in it (or to this run, which knows its own
        rows): not another run still going. A token of another host cannot be checked: not counted."""
        alive = set()
        for token in set(tokens):
            kind, _, rest = token.partition(":")
            host, pid = [*rest.split(":"), "", ""][:2]
            if kind != "proc" or host != _host() or not pid.isdigit() or int(pid) == os.getpid():
                continue
            if process_token(int(pid)) == token:
                alive.add(token)
        return alive


def _host() -> str:
    import socket  # only when a run marks or checks a row: start-up does not pay for it

    return socket.gethostname()


def _started(pid: int) -> str:
    """When a process started (clock ticks since boot, from /proc), to tell it from a later one with its pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]


def process_token(pid: int) -> str:
    """The token of a live process (the same for as long as it lives), or '' for no such process."""
    if not Path("/proc").is_dir():  # no /proc: the pid alone tells a live process
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return ""
        except PermissionError:
            pass
        return f"proc:{_host()}:{pid}:"
    started = _started(pid)
    return f"proc:{_host()}:{pid}:{started}" if started else ""
