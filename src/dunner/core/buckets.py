"""Aging buckets: which column an amount falls in, given how many days it is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dunner.core.errors import BadInput
from dunner.core.numbers import decimals_of, read_number

DEFAULT_EDGES = (30, 60, 90)


@dataclass(frozen=True, slots=True)
class Buckets:
    """Upper edges in days overdue; (30, 60, 90) gives current, 1-30, 31-60, 61-90 and 91+."""

    edges: tuple[int, ...] = DEFAULT_EDGES

    def __post_init__(self) -> None:
        if not self.edges or any(e < 1 for e in self.edges) or list(self.edges) != sorted(set(self.edges)):
            raise BadInput("bucket edges must be positive whole numbers of days, in increasing order")

    @classmethod
    def parse(cls, text: str) -> Buckets:
        """Read "30,60,90" as given on the command line."""
        numbers = [read_number(part) for part in text.split(",")]
        if any(n is None or decimals_of(n) for n in numbers):
            raise BadInput(f"'{text}' is not a list of days like 30,60,90")
        return cls(tuple(int(n) for n in numbers if n is not None))

    @property
    def names(self) -> list[str]:
        """Column names: 'current', then 'lo-hi' ranges, then 'N+'."""
        names, low = ["current"], 1
        for edge in self.edges:
            names.append(f"{low}-{edge}")
            low = edge + 1
        return [*names, f"{low}+"]

    @property
    def lows(self) -> list[int]:
        """The fewest days overdue in each bucket (0 for current)."""
        return [0, 1, *(edge + 1 for edge in self.edges)]

    def index(self, days_overdue: int) -> int:
        """The bucket of an amount `days_overdue` days late (0 or less is current)."""
        if days_overdue <= 0:
            return 0
        for i, edge in enumerate(self.edges, start=1):
            if days_overdue <= edge:
                return i
        return len(self.edges) + 1

    def name(self, days_overdue: int) -> str:
        return self.names[self.index(days_overdue)]

    def due_ranges(self, as_of: date) -> list[tuple[date | None, date | None]]:
        """For each bucket, the inclusive (earliest, latest) due date that lands in it as of `as_of`.

        This lets the database bucket rows by comparing dates, with no date arithmetic in SQL.
        """
        ranges: list[tuple[date | None, date | None]] = [(as_of, None)]
        low = 1
        for edge in self.edges:
            ranges.append((as_of - timedelta(days=edge), as_of - timedelta(days=low)))
            low = edge + 1
        ranges.append((None, as_of - timedelta(days=low)))
        return ranges
