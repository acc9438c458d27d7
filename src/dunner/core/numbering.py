"""Invoice numbers from a pattern such as "F-{year}-{seq:04}": one gapless sequence per series.

Numbers keep to the French e-invoicing rules on identifiers (BR-FR-01 and BR-FR-02): at most 35
characters, only ASCII letters, digits and + - _ /. A pattern whose numbers could break them is
refused when the configuration is read, with the reason.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from dunner.core.errors import BadInput

FIELDS = {"year": r"\d{4}", "yy": r"\d{2}", "month": r"\d{2}", "seq": r"\d+"}
MAX_LENGTH = 35  # BR-FR-01
ALLOWED = re.compile(r"[A-Za-z0-9+\-_/]+")  # BR-FR-02
ROOM = 999_999  # a pattern must leave room for a million numbers a series


def identifier_problem(number: str) -> str | None:
    """Why `number` cannot identify a French e-invoice (BR-FR-01, BR-FR-02), or None."""
    if len(number) > MAX_LENGTH:
        return f"it is {len(number)} characters long, more than the {MAX_LENGTH} the French rules allow (BR-FR-01)"
    if not ALLOWED.fullmatch(number):
        odd = sorted({c for c in number if not ALLOWED.fullmatch(c)})
        shown = " ".join("a space" if c == " " else f"'{c}'" for c in odd)
        return f"it holds {shown}: the French rules allow only letters A-Z, digits and + - _ / (BR-FR-02)"
    return None


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
            examples = [self.format(date(2000, 1, 1), 1), self.format(date(2099, 12, 31), ROOM)]
        except (ValueError, TypeError) as exc:
            raise BadInput(f"invoice number pattern '{self.pattern}': {exc}") from None
        for example in examples:
            problem = identifier_problem(example)
            if problem:
                raise BadInput(
                    f"invoice number pattern '{self.pattern}' cannot make French e-invoice numbers:"
                    f" {example} would be one, and {problem}",
                    hint="e.g. F-{year}-{seq:04}: letters, digits and + - _ /, 35 characters at most",
                )

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

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        """One group per field, in order (a field may appear twice: the groups are not named)."""
        return re.compile(self._render(re.escape, lambda name, _spec: f"({FIELDS[name]})"))

    def match(self, number: str) -> tuple[str, int] | None:
        """If `number` follows this pattern, its (series, sequence number); else None."""
        found = self._regex.fullmatch(number)
        if not found:
            return None
        values = iter(found.groups())
        series, seq = [], 0
        for literal, name, _ in self._parts:
            series.append(literal)
            if name == "seq":
                seq = int(next(values))
                series.append("{seq}")
            elif name is not None:
                series.append(next(values))
        return "".join(series), seq
