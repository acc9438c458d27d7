"""Storage: the ledger on SQLite (ledger.py) or PostgreSQL (postgres.py), its migrations and its SQLModel models.

May import the core and the other edges, never a use case or the CLI. `open_ledger` is the one way in:
it finds the kind of ledger a location names, opens it and brings its schema up to date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dunner.core.errors import OperationalError

if TYPE_CHECKING:
    from dunner.edges.storage.ledger import Ledger

POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def open_ledger(location: str, *, create: bool = False, migrate: bool = True) -> Ledger:
    """Open (then migrate) the ledger at `location`: an SQLite file or a database URL.

    Only `create` makes a new ledger, where there is nothing yet; otherwise a location that holds no
    dunner ledger is an error naming it, and nothing is created. `ledger.created` says whether this
    call made it."""
    from dunner.edges.storage.ledger import Ledger
    from dunner.edges.storage.migrations import MIGRATIONS
    from dunner.edges.storage.migrations import migrate as run_migrations

    if location.startswith(POSTGRES_SCHEMES):
        try:
            from dunner.edges.storage.postgres import PostgresLedger
        except ImportError:
            raise OperationalError(
                "a PostgreSQL ledger needs the psycopg driver", hint="pip install 'dunner[postgres]'"
            ) from None
        ledger: Ledger = PostgresLedger.connect(location, create=create)
    elif "://" in location and not location.startswith("sqlite:///"):
        raise OperationalError(
            f"unsupported ledger URL scheme {location.split('://', 1)[0]}://",
            hint="use a file path, sqlite:///PATH or postgresql+psycopg://...",
        )
    else:
        ledger = Ledger.open_file(location, create=create)
    if migrate:
        ledger.created = MIGRATIONS[0][0] in run_migrations(ledger)
    return ledger
