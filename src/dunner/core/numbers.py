"""Numbers as people type them: one strict reading for amounts, quantities, rates and days. Pure.

The amount rules hold for every number: ASCII digits, one decimal mark (point or comma) at most,
thousands grouped only with spaces; no exponent ("1e3"), no NaN or infinity, no underscores, no
other scripts' digits, and never more decimals than the field allows. What `Decimal()` or `int()`
would also accept is refused, so "1e3" is never read as a thousand anywhere.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput

SPACES = " \u00a0\u202f\u2009"  # what spreadsheets and babel put between thousands
_NUMBER = re.compile(rf"[+-]?(?:[0-9]{{1,3}}(?:[{SPACES}][0-9]{{3}})+|[0-9]+)(?:[.,][0-9]+)?")
_NO_SPACES = str.maketrans("", "", SPACES)
HINT = "write it like 12.5 or 12,5: digits, one decimal point or comma, no exponent"


class NumberError(BadInput):
    """A number that cannot be accepted."""


def read_number(text: Any) -> Decimal | None:
    """The number `text` holds, written the amount way, with its decimals as written; None if it is not one."""
    raw = str(text).strip(SPACES)
    if not _NUMBER.fullmatch(raw):
        return None
    return Decimal(raw.translate(_NO_SPACES).replace(",", "."))


def decimals_of(value: Decimal) -> int:
    """How many decimals a number read by `read_number` was written with."""
    return max(0, -int(value.as_tuple().exponent))


def parse_number(text: Any, what: str, *, decimals: int) -> Decimal:
    """A number typed for `what` (named in the error), with at most `decimals` decimals."""
    value = read_number(text)
    if value is None:
        raise NumberError(f"{what} '{text}' is not a number", hint=HINT)
    if decimals_of(value) > decimals:
        raise NumberError(f"{what} '{text}' has {decimals_of(value)} decimals; at most {decimals}")
    return value


# "1,000" or "1.000": a thousand in one habit, one in another; a field that takes three decimals cannot
# tell them apart, so it refuses them rather than guess (thousands are grouped with spaces: "1 000").
AMBIGUOUS = re.compile(r"[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}")


def refuse_ambiguous(text: Any, what: str) -> None:
    """For a field that takes three decimals or more, typed by a person: "1,000" is refused (see AMBIGUOUS)."""
    raw = str(text).strip(SPACES)
    if AMBIGUOUS.fullmatch(raw):
        value = read_number(raw)
        assert value is not None
        raise NumberError(
            f"{what} '{text}' is ambiguous: {raw.replace(',', '').replace('.', '')} or {value.normalize():f}?",
            hint="group thousands with a space (1 000), or drop the trailing zeros (1,5)",
        )


def parse_whole(text: Any, what: str) -> int:
    """A whole number typed for `what` ("30", not "30.0", "3e1" or "3_0")."""
    return int(parse_number(text, what, decimals=0))


def toml_number(value: Any, what: str, *, decimals: int) -> Decimal:
    """A number from the config file: a TOML integer, a finite TOML float, or a string read like any number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise NumberError(f"{what} must be a number, not {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError(f"{what} '{value}' is not a number")
        value = repr(value)  # 12.5 -> "12.5"; 1e-07 -> refused like any exponent
    return parse_number(value, what, decimals=decimals)
