"""What every command shares: the configuration and the ledger, found and opened when first asked for."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from dunner.edges.config import Config
    from dunner.edges.storage.ledger import Ledger


class State:
    def __init__(self, db: str | None, config: Path | None) -> None:
        self.db_option = db
        self.config_option = config
        self._ledger: Ledger | None = None

    @cached_property
    def config(self) -> Config:
        from dunner.edges.config import find_config, load

        return load(find_config(self.config_option))

    @property
    def ledger(self) -> Ledger:
        """The ledger, opened (and migrated) the first time a command asks; it must exist already."""
        return self.open_ledger()

    def open_ledger(self, *, first_write: bool = False) -> Ledger:
        """The ledger. A command about to add data (`first_write`) may create the default one, in the app
        folder, where there is none yet; every other ledger is made by `dunner init` alone, so a mistyped
        --db, $DUNNER_DB or config path is an error, never a new empty ledger that says nothing is owed."""
        if self._ledger is None:
            from dunner.edges.config import find_ledger, uses_default_ledger
            from dunner.edges.storage import open_ledger

            location = find_ledger(self.db_option, self.config)
            first = first_write and uses_default_ledger(self.db_option, self.config) and not Path(location).exists()
            self._ledger = open_ledger(location, create=first)
        return self._ledger

    @property
    def locale(self) -> str:
        return self.config.defaults.babel_locale

    def as_of(self, value: str | None) -> date:
        """The --as-of date, by default today in the configured time zone."""
        from dunner.core.dates import parse_date
        from dunner.edges.clock import today

        return today(self.config.defaults.timezone) if value is None else parse_date(value)

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def state(ctx: typer.Context) -> State:
    return ctx.find_root().meta["dunner"]
