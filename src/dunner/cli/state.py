"""What every command shares: the configuration and the ledger, found and opened on first use."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from dunner.config import Config
    from dunner.db import Ledger


class State:
    def __init__(self, db: str | None, config: Path | None) -> None:
        self.db_option = db
        self.config_option = config
        self._ledger: Ledger | None = None

    @cached_property
    def config(self) -> Config:
        from dunner.config import find_config, load

        return load(find_config(self.config_option))

    @property
    def ledger(self) -> Ledger:
        """The ledger, opened (created and migrated if need be) the first time a command asks."""
        if self._ledger is None:
            from dunner.config import find_ledger
            from dunner.db import Ledger

            self._ledger = Ledger.open(find_ledger(self.db_option, self.config))
        return self._ledger

    @property
    def locale(self) -> str:
        return self.config.defaults.babel_locale

    def as_of(self, value: str | None) -> date:
        """The --as-of date, by default today in the configured time zone."""
        from dunner.dates import parse_date, today

        return today(self.config.defaults.timezone) if value is None else parse_date(value)

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def state(ctx: typer.Context) -> State:
    return ctx.find_root().meta["dunner"]
