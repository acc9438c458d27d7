"""Options shared by many commands, declared once (STYLE §2)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Ledger file or database URL (default: $DUNNER_DB, the config's [ledger] path, or the app folder).",
        metavar="PATH|URL",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (default: $DUNNER_CONFIG, ./dunner.toml, or the app folder).",
        metavar="PATH",
        show_default=False,
        dir_okay=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _not_empty(param: typer.CallbackParam, value: str | None) -> str | None:
    """A date option given empty (`--as-of ""`) is an error: only leaving it out means its default."""
    if value is not None and not value.strip():
        from dunner.core.errors import BadInput

        raise BadInput(f"{param.opts[0]} is empty", hint="give a date as YYYY-MM-DD, or leave the option out")
    return value


def date_option(flag: str, help: str) -> Any:
    """A DATE option (YYYY-MM-DD), refused when given empty."""
    return typer.Option(flag, help=help, metavar="DATE", show_default=False, callback=_not_empty)


def _whole(flag: str, low: int | None, high: int | None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        from dunner.core.numbers import decimals_of, read_number

        number = read_number(text)
        if number is None or decimals_of(number):  # int() would take "3_0" and "٣٠", click's too
            raise typer.BadParameter(f"'{text}' is not a whole number", param_hint=f"'{flag}'")
        if (low is not None and number < low) or (high is not None and number > high):
            raise typer.BadParameter(f"{text} is not in the range {low} to {high}", param_hint=f"'{flag}'")
        return int(number)

    return parse


def whole_option(flag: str, help: str, *, metavar: str = "N", low: int | None = None, high: int | None = None) -> Any:
    """A whole-number option, read like every number dunner takes (no "3_0", no other scripts' digits)."""
    return typer.Option(flag, help=help, metavar=metavar, parser=_whole(flag, low, high))


AsOfOption = Annotated[str | None, date_option("--as-of", "Report as of this date (YYYY-MM-DD); default today.")]
DateFormatOption = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="strptime layout of non-ISO dates, e.g. %d/%m/%Y.",
        metavar="FMT",
        show_default=False,
    ),
]
