"""Options shared by many commands, declared once (STYLE §2)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

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
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Report as of this date (YYYY-MM-DD); default today.",
        metavar="DATE",
        show_default=False,
    ),
]
DateFormatOption = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="strptime layout of non-ISO dates, e.g. %d/%m/%Y.",
        metavar="FMT",
        show_default=False,
    ),
]
