"""dunner init: a starter config from example.toml (unless there is one) and the ledger it names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dunner.core.errors import OperationalError
from dunner.edges.config import CONFIG_NAME, app_dir, find_config, find_ledger, load
from dunner.edges.files import private_folder, write_private
from dunner.edges.resources import example_config
from dunner.edges.storage import open_ledger


@dataclass(frozen=True)
class Setup:
    config: Path
    config_written: bool  # False: a config was there and is kept as it was
    ledger: str  # as shown to the user (a database URL without its password)
    ledger_created: bool  # False: a dunner ledger was there (migrated if need be)


def init_files(config_option: Path | None, db_option: str | None, *, force: bool = False) -> Setup:
    """Write the starter config where dunner looks for one, unless one is there (or `force`), then create
    the ledger that --db, $DUNNER_DB or that config names."""
    target = find_config(config_option) or app_dir() / CONFIG_NAME
    written = force or not target.exists()
    if written:
        try:
            private_folder(target.parent)
            write_private(target, example_config().encode("utf-8"))
        except OSError as exc:
            raise OperationalError(f"cannot write {target}: {exc.strerror}") from None
    location, created = create_ledger(find_ledger(db_option, load(target)))
    return Setup(target, written, location, created)


def create_ledger(location: str) -> tuple[str, bool]:
    """Create the ledger at `location` (or open and migrate the one there): where it is, and whether it is new.

    The one way a ledger named by --db, $DUNNER_DB or a config comes to exist; every other command
    refuses a location that holds none."""
    ledger = open_ledger(location, create=True)
    ledger.close()
    return ledger.location, ledger.created
