"""Invoice numbers from a pattern such as "F-{year}-{seq:04}": one gapless sequence per series."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from dunner.errors import BadInput

FIELDS = {"year": r"\d{4}", "yy": r"\d{2}", "month": r"\d{2}", "seq": r"\d+"}


def _fields_of(issued: date) -> dict[str, object]:
    return {"year": issued.year, "yy": f"{issued.year % 100:02d}", "month": f"{issued.month:02d}"}


@dataclass(frozen=True)
class NumberPattern:
    """A validated number pattern. The series is everything but the sequence: "F-2026-{seq}"."""

    pattern: str

    def __post_init__(self) -> None:
        try:
            parts = list(string.Formatter().parse(self.pattern))
        except ValueError as exc:
            raise BadInput(f"invoice number pattern '{self.pattern}': {exc}") from None
        names = [name for _, name, _, _ in parts if name is not None]
        unknown = sorted(set(names) - set(FIELDS))
        if unknown:
            raise BadInput(
                f"invoice number pattern '{self.pattern}' uses unknown field {{{unknown[0]}}}",
                hint="fields: {year}, {yy}, {month}, {seq} (e.g. F-{year}-{seq:04})",
            )
        if names.count("seq") != 1:
            raise BadInput(f"invoice number pattern '{self.pattern}' must contain {{seq}} exactly once")
        try:
            self.format(date(2000, 1, 1), 1)
        except (ValueError, TypeError) as exc:
            raise BadInput(f"invoice number pattern '{self.pattern}': {exc}") from None

    @cached_property
    def _parts(self) -> list[tuple[str, str | None, str]]:
        return [(lit, name, spec or "") for lit, name, spec, _ in string.Formatter().parse(self.pattern)]

    def _render(self, literal: Callable[[str], str], field: Callable[[str, str], str]) -> str:
        return "".join(literal(lit) + ("" if name is None else field(name, spec)) for lit, name, spec in self._parts)

    def series(self, issued: date) -> str:
        """The series an invoice issued on `issued` belongs to, e.g. "F-2026-{seq}"."""
        values = _fields_of(issued)
        return self._render(str, lambda name, spec: "{seq}" if name == "seq" else format(values[name], spec))

    def format(self, issued: date, seq: int) -> str:
        return self.pattern.format(seq=seq, **_fields_of(issued))

    def match(self, number: str) -> tuple[str, int] | None:
        """If `number` follows this pattern, its (series, sequence number); else None."""
        names: list[str] = []

        def group(name: str, _spec: str) -> str:
            names.append(name)
            return f"({FIELDS[name]})"

        found = re.fullmatch(self._render(re.escape, group), number)
        if not found:
            return None
        values = iter(found.groups())
        seq = 0

        def value(name: str, _spec: str) -> str:
            nonlocal seq
            text = next(values)
            if name == "seq":
                seq = int(text)
                return "{seq}"
            return text

        series = self._render(str, value)
        return series, seq
