"""Colours that mean the same in every table and chart of the terminal."""

from __future__ import annotations

LATENESS = ["green", "yellow", "dark_orange", "red", "bold red"]


def lateness_style(days_overdue: int | None) -> str | None:
    """Colour by lateness: green when not yet due, then yellow, orange, red, bold red."""
    if days_overdue is None:
        return None
    thresholds = [0, 30, 60, 90]
    return LATENESS[sum(days_overdue > t for t in thresholds)]
