"""dunner init: a starter config from example.toml and an empty, migrated ledger."""

from __future__ import annotations

import os
from pathlib import Path

from dunner.config import CONFIG_ENV, CONFIG_NAME, app_dir, find_ledger, load
from dunner.db import Ledger
from dunner.errors import Conflict, OperationalError
from dunner.resources import example_config


def init_files(config_option: Path | None, db_option: str | None, *, force: bool = False) -> tuple[Path, str]:
    """Write the starter config and create the ledger; return both locations."""
    target = config_option or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else app_dir() / CONFIG_NAME)
    if target.exists() and not force:
        raise Conflict(f"{target} already exists", hint="use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example_config(), encoding="utf-8")
    except OSError as exc:
        raise OperationalError(f"cannot write {target}: {exc.strerror}") from None
    ledger_location = find_ledger(db_option, load(target))
    Ledger.open(ledger_location).close()
    return target, ledger_location
