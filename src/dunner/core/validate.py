"""Checks on what users type: codes, emails, one-line texts. Pure; each raises BadInput with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from dunner.core.errors import BadInput
from dunner.core.numbers import decimals_of, read_number

T = TypeVar("T")

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
# Control characters (C0, DEL, C1), lone surrogates (undecodable bytes), line and paragraph separators, and
# every invisible format character (Unicode category Cf): bidi embeddings, overrides, isolates and marks
# (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), zero-width space, joiners and word joiner,
# byte-order mark, soft hyphen, tags. They can reorder or hide what a name, a description or a reference
# shows (an "invoice" whose amount reads backwards), so business text refuses them all, the emoji joiner
# U+200D included. tests/test_validate.py checks this list against Python's Unicode database.
_FORMAT = (
    r"\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
UNSAFE = re.compile(rf"[{_CONTROL}\ud800-\udfff{_FORMAT}]")


def client_code(value: str) -> str:
    code = value.strip()
    if not _CODE.fullmatch(code):
        raise BadInput(
            f"'{value}' is not a valid client code",
            hint="use 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return code


def emails(value: str, what: str = "email") -> str:
    """One or more addresses separated by commas or semicolons, returned as 'a@x.fr, b@y.fr'."""
    parts = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
    if not parts:
        raise BadInput(f"{what} is empty")
    for part in parts:
        if not _EMAIL.fullmatch(part):
            raise BadInput(f"'{part}' is not a valid {what} address")
    return ", ".join(parts)


def line(value: str | None, what: str, *, required: bool = False, max_len: int = 200) -> str | None:
    """A single line of text (a name, a phone number): no line breaks or control characters."""
    text = (value or "").strip()
    if not text:
        if required:
            raise BadInput(f"{what} is empty")
        return None
    _refuse_unsafe(text, what)
    if len(text) > max_len:
        raise BadInput(f"{what} is longer than {max_len} characters")
    return text


def _refuse_unsafe(text: str, what: str, *, lines: bool = False) -> None:
    """Control characters (line breaks unless `lines`) and invisible format characters are refused."""
    found = UNSAFE.search(text.replace("\n", "") if lines else text)
    if found is None:
        return
    char = found[0]
    if "\ud800" <= char <= "\udfff":
        raise BadInput(f"{what} is not valid text (a byte that is not UTF-8)")
    if re.match(f"[{_CONTROL}]", char):
        message = "contains control characters" if lines else "must fit on one line, without control characters"
        raise BadInput(f"{what} {message}")
    raise BadInput(
        f"{what} contains the invisible character U+{ord(char):04X}, which can disguise text",
        hint="retype it, or paste it as plain text",
    )


def block(value: str | None, what: str, max_len: int = 1000) -> str | None:
    """Free text that may span lines (an address); other control characters are refused."""
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    _refuse_unsafe(text, what, lines=True)
    if len(text) > max_len:
        raise BadInput(f"{what} is longer than {max_len} characters")
    return text


def choice(value: str, options: tuple[str, ...], what: str) -> str:
    if value not in options:
        raise BadInput(f"{what} must be one of {', '.join(options)}, not '{value}'")
    return value


def days(value: int, what: str = "terms", high: int = 3650) -> int:
    if not 0 <= value <= high:
        raise BadInput(f"{what} must be between 0 and {high} days, not {value}")
    return value


# ISO 3166-1 alpha-2: the 249 officially assigned codes. Not the user-assigned ones (XK for Kosovo, ZZ, the
# X. range), nor the reserved ones (UK, EU, EZ, UN, AC, CP, DG, EA, IC, TA): Factur-X and the EN 16931 rules
# take only these. tests/test_validate.py checks the list against babel's territories.
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
    FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE
    JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO
    MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
    TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - 249 codes read better as text
)


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code, as written (capitals)."""
    return code in COUNTRIES


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code, in capitals."""
    code = value.strip().upper()
    if not is_country(code):
        hint = "the United Kingdom is GB" if code == "UK" else "for example FR, BE, GB, DE, CH, US"
        raise BadInput(f"'{value}' is not an ISO 3166 country code", hint=hint)
    return code


def yes_no(value: bool | str | None, what: str) -> bool:
    """A yes/no flag as a flag or as typed in a CSV cell (yes, no, true, false, 1, 0, oui, non; empty is no)."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = value.strip().lower()
    if text in ("", "no", "false", "0", "non", "n"):
        return False
    if text in ("yes", "true", "1", "oui", "y", "o"):
        return True
    raise BadInput(f"{what} must be yes or no, not '{value}'")


def whole_days(value: int | str, what: str = "terms") -> int:
    """A number of days as typed ("30") or given (30)."""
    if isinstance(value, int):
        return days(value, what)
    number = read_number(value)
    if number is None or decimals_of(number):
        raise BadInput(f"{what} must be a whole number of days, not '{value}'")
    return days(int(number), what)


class FieldErrors(BadInput):
    """Several fields of one record were refused; each problem names its field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class Checker:
    """Runs the checks of one record and keeps every problem, so a row reports all its bad fields."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def __call__(self, field: str, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except BadInput as exc:
            self.problems.append((field, exc.message))
            return None

    def done(self) -> None:
        if self.problems:
            raise FieldErrors(self.problems)
