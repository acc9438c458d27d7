"""The errors dunner raises on purpose; the CLI edge turns them into one `Error:` line."""

from __future__ import annotations


class DunnerError(Exception):
    """A failure the user can act on: a message, an optional hint and an exit code."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class BadInput(DunnerError):
    """The user's input cannot be accepted (exit code 2)."""


class NotFound(BadInput):
    """A client, invoice or file named by the user does not exist."""


class Conflict(BadInput):
    """The input clashes with what the ledger already holds (a duplicate code or number)."""


class ConfigError(BadInput):
    """The configuration file is unreadable or holds a bad value."""


class OperationalError(DunnerError):
    """The work could not be done for a reason outside the input (exit code 1)."""

    exit_code = 1


class RowError(BadInput):
    """One bad value in one row of an imported file."""

    def __init__(self, line: int, column: str, reason: str) -> None:
        super().__init__(f"line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


class ImportRejected(BadInput):
    """An import found bad rows; nothing was written."""

    def __init__(self, errors: list[RowError], limit: int = 50) -> None:
        errors = sorted(errors, key=lambda e: e.line)
        self.errors = errors
        shown = "\n".join(f"  {e.message}" for e in errors[:limit])
        more = f"\n  ... and {len(errors) - limit} more" if len(errors) > limit else ""
        rows = len({e.line for e in errors})
        super().__init__(
            f"import refused, nothing was written: {len(errors)} problem(s) in {rows} row(s)\n{shown}{more}"
        )
