"""Dates in and out: strict ISO by default, an explicit format when the user gives one, never a guess."""

from __future__ import annotations

import re
from datetime import date, datetime

from dunner.core.errors import BadInput

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


# Business dates outside these years are typos (and date arithmetic near year 1 or 9999 overflows).
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def parse_date(text: str, fmt: str | None = None) -> date:
    """Parse an ISO date (YYYY-MM-DD), or one in the strptime `fmt` the user chose."""
    value = str(text).strip()
    if not value:
        raise BadInput("the date is empty", hint="give a date as YYYY-MM-DD")
    if fmt:
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            raise BadInput(f"'{text}' is not a date in the format {fmt}") from None
        return _in_range(parsed, text)
    if not _ISO.fullmatch(value):
        raise BadInput(
            f"'{text}' is not an ISO date (YYYY-MM-DD)",
            hint="other layouts need --date-format, e.g. --date-format %d/%m/%Y",
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"'{text}' is not a real date") from None
    return _in_range(day, text)


def _in_range(day: date, text: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise BadInput(f"'{text}' is out of range: dates run from {EARLIEST.year} to {LATEST.year}")
    return day
