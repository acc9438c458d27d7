"""Invoice numbers against the ledger: the gapless series, numbers brought over, numbers following dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dunner.core.errors import BadInput, Conflict
from dunner.core.numbering import NumberPattern, identifier_problem
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger


def pattern_for(config: Config, kind: str) -> NumberPattern:
    """Credit notes have their own series; invoices and deposits share one (French practice)."""
    return config.credit_note_pattern if kind == "credit_note" else config.number_pattern


def bump_series(ledger: Ledger, pattern: NumberPattern, numbers: Iterable[tuple[str, date]]) -> None:
    """Numbers brought over that follow our pattern move their series counter (and last date) past them."""
    highest: dict[str, tuple[int, str]] = {}
    for number, issued in numbers:
        matched = pattern.match(number)
        if matched:
            series, seq = matched
            seen = highest.get(series, (0, ""))
            highest[series] = (max(seq, seen[0]), max(issued.isoformat(), seen[1]))
    ledger.executemany(
        "INSERT INTO number_series (series, last_seq, last_issued_on) VALUES (?, ?, ?) ON CONFLICT (series)"
        " DO UPDATE SET last_seq = MAX(number_series.last_seq, excluded.last_seq),"
        " last_issued_on = MAX(COALESCE(number_series.last_issued_on, ''), excluded.last_issued_on)",
        [(series, seq, day) for series, (seq, day) in highest.items()],
    )


def foreign_number(config: Config, kind: str, number: str) -> str | None:
    """Why `number` cannot be brought over as a `kind`: it follows the other series' pattern."""
    other = "invoice" if kind == "credit_note" else "credit_note"
    if pattern_for(config, other).match(number) and not pattern_for(config, kind).match(number):
        return f"'{number}' is numbered like a {other.replace('_', ' ')}, in the other series"
    return None


def _continues(ledger: Ledger, pattern: NumberPattern, number: str, issued_on: date) -> None:
    """A number of a series dunner already numbers must continue it: no gap, no going back in time.

    Earlier numbers of the series (brought over after the fact) are let in: they fill the past.
    """
    matched = pattern.match(number)
    if not matched:
        return
    series, seq = matched
    last = ledger.one("SELECT last_seq, last_issued_on FROM number_series WHERE series = ?", (series,))
    if last is None or seq <= last["last_seq"]:
        return
    previous = pattern.format(issued_on, last["last_seq"])
    if seq > last["last_seq"] + 1:
        raise BadInput(
            f"{number} would leave a gap: the last number of its series is {previous}",
            hint="leave --number out to take the next one, or bring the numbers in between over first",
        )
    if last["last_issued_on"] and last["last_issued_on"] > issued_on.isoformat():
        raise BadInput(
            f"numbers follow issue dates: {previous} was issued on {last['last_issued_on']}, after {issued_on}"
        )


def claim_number(ledger: Ledger, config: Config, kind: str, number: str | None, issued_on: date) -> str:
    """The next number of the series (which must not go back in time), or the user's own (which must be new).

    Called inside the transaction that writes the invoice, so a failed creation burns no number.
    """
    pattern = pattern_for(config, kind)
    if number is not None:
        if ledger.one("SELECT 1 FROM invoice WHERE number = ?", (number,)):
            raise Conflict(f"invoice number '{number}' is already used")
        foreign = foreign_number(config, kind, number)
        if foreign:
            raise BadInput(foreign)
        _continues(ledger, pattern, number, issued_on)
        bump_series(ledger, pattern, [(number, issued_on)])
        return number
    series = pattern.series(issued_on)
    last = ledger.one("SELECT last_seq, last_issued_on FROM number_series WHERE series = ?", (series,))
    if last is not None and last["last_issued_on"] and last["last_issued_on"] > issued_on.isoformat():
        raise BadInput(
            f"numbers follow issue dates: {pattern.format(issued_on, last['last_seq'])} was issued on"
            f" {last['last_issued_on']}, after {issued_on}",
            hint="issue it on that date or later, or bring an existing invoice over with --number",
        )
    seq = ledger.scalar(
        "INSERT INTO number_series (series, last_seq, last_issued_on) VALUES (?, 1, ?) ON CONFLICT (series)"
        " DO UPDATE SET last_seq = number_series.last_seq + 1, last_issued_on = excluded.last_issued_on"
        " RETURNING last_seq",
        (series, issued_on.isoformat()),
    )
    number = pattern.format(issued_on, seq)
    problem = identifier_problem(number)
    if problem:  # a series past the million numbers its pattern leaves room for
        raise BadInput(f"the next number of series {series}, {number}, cannot be an invoice number: {problem}")
    if ledger.one("SELECT 1 FROM invoice WHERE number = ?", (number,)):
        raise Conflict(
            f"the next number of series {series}, {number}, is already used",
            hint="an invoice was brought over with --number outside the series counter; give --number",
        )
    return number
