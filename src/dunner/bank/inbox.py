"""The bank inbox (`[bank] inbox = "DIR"`) and how fresh the bank is.

`dunner remind` (and `dunner bank import` with no file) first imports every new file saved in DIR: a file
imported is moved to DIR/imported/, one refused to DIR/failed/ with the reason beside it (NAME.reason.txt),
and the run goes on. With `[bank] hold_after_days = N`, email steps wait while the newest booked line is
older than N days, so a forgotten download never lets dunner chase what was paid yesterday.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dunner.bank.importing import FileReport, import_file
from dunner.core.errors import DunnerError
from dunner.edges.config import Config
from dunner.edges.files import private_folder, write_private
from dunner.edges.storage.ledger import Ledger

IMPORTED, FAILED = "imported", "failed"
REASON = ".reason.txt"


@dataclass
class InboxReport:
    folder: Path
    imported: list[FileReport] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # file name, why
    problems: list[str] = field(default_factory=list)  # files that could not be moved


def inbox_folder(config: Config) -> Path | None:
    folder = config.section("bank").get("inbox")
    return config.resolve(folder) if folder else None


def waiting_files(folder: Path) -> list[Path]:
    """The files saved in the inbox and not yet imported (hidden and partial downloads left alone)."""
    if not folder.is_dir():
        return []
    skipped = (".part", ".crdownload", ".tmp", ".download", REASON)
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith((".", "~")) and not p.name.endswith(skipped)
    )


def import_inbox(ledger: Ledger, config: Config, as_of: date) -> InboxReport:
    """Import every waiting file of the inbox, each all or nothing; a refused file does not stop the others."""
    folder = inbox_folder(config)
    if folder is None:
        raise DunnerError("no [bank] inbox in the config")
    report = InboxReport(folder)
    if not folder.is_dir():
        raise DunnerError(f"the bank inbox {folder} is not a folder", hint="create it, or correct [bank] inbox")
    for path in waiting_files(folder):
        try:
            result = import_file(ledger, config, path, as_of)
        except DunnerError as exc:
            why = exc.message + (f" ({exc.hint})" if exc.hint else "")
            try:
                if _move(path, folder / FAILED) is not None:
                    write_private(folder / FAILED / f"{path.name}{REASON}", (why + "\n").encode())
                    report.failed.append((path.name, why))
            except (InboxError, OSError) as problem:
                report.problems.append(str(problem))
                report.failed.append((path.name, why))
            continue
        try:
            moved = _move(path, folder / IMPORTED)
        except InboxError as problem:
            report.problems.append(str(problem))
            moved = path
        if moved is not None:
            report.imported.append(result)
    return report


def _move(path: Path, into: Path) -> Path | None:
    """Move a file into a folder under a name not taken yet; None when another run took it first."""
    target = into / path.name
    n = 1
    try:
        private_folder(into)
        while target.exists():
            n += 1
            target = into / f"{path.stem}-{n}{path.suffix}"
        os.rename(path, target)
    except FileNotFoundError:
        return None
    except OSError as exc:  # the run goes on: a file left in the inbox is read again, and adds nothing twice
        raise InboxError(f"{path.name} could not be moved to {into}: {exc.strerror}") from None
    return target


class InboxError(Exception):
    """A file of the inbox could not be moved (permissions, a full disk): said, and the run goes on."""


def newest_booked(ledger: Ledger, as_of: date) -> date | None:
    """The booking date of the newest line imported, by `as_of` (None: no statement yet). A line booked
    later (a statement of the future for a run as of the past, or a date mistyped) does not count."""
    found = ledger.scalar("SELECT MAX(booked_on) FROM bank_line WHERE booked_on <= ?", (as_of.isoformat(),))
    return date.fromisoformat(found) if found else None


@dataclass(frozen=True)
class Freshness:
    """How old what dunner knows of the bank is, on the run's date, and whether email steps wait for it."""

    newest: date | None
    as_of: date
    hold_after: int | None

    @property
    def age(self) -> int | None:
        return None if self.newest is None else (self.as_of - self.newest).days

    @property
    def hold(self) -> bool:
        if self.hold_after is None:
            return False
        return self.age is None or self.age > self.hold_after

    def describe(self) -> str:
        if self.newest is None:
            told = "no bank statement imported yet"
        else:
            told = f"the newest bank line was booked on {self.newest}, " + (
                f"{_days(self.age)} before {self.as_of}" if self.age else "the run's day"
            )
        if self.hold:
            return f"{told}: email reminders are held ([bank] hold_after_days = {self.hold_after})"
        return told

    @property
    def reason(self) -> str:
        age = "no statement" if self.age is None else f"newest statement line {_days(self.age)} old"
        return f"held: {age} (hold_after_days = {self.hold_after})"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def freshness(ledger: Ledger, config: Config, as_of: date) -> Freshness | None:
    """How fresh the bank is, when dunner hears from it at all (an inbox, a hold, or lines imported)."""
    section = config.section("bank")
    newest = newest_booked(ledger, as_of)
    if newest is None and not section.get("inbox") and section.get("hold_after_days") is None:
        return None
    return Freshness(newest, as_of, section.get("hold_after_days"))
