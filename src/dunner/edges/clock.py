"""The clock: today's date in the configured time zone, and the UTC timestamps of audit columns.

The one place dunner reads the time; the core never does (every date it needs is an argument), and
time-dependent commands take --as-of, whose default is `today`.
"""

from __future__ import annotations

from datetime import date, datetime


def today(timezone: str) -> date:
    """Today in the configured time zone: the one place dunner reads the clock for a business date."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(timezone)).date()


def utc_now() -> str:
    """An audit timestamp (`*_at` columns), UTC, to the second."""
    from datetime import UTC

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_ago(minutes: int) -> str:
    """The UTC timestamp `minutes` ago, comparable with `*_at` columns."""
    from datetime import UTC, timedelta

    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
