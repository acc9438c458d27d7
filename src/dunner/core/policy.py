"""The dunning policy: named profiles of ordered steps, and the rules that pick a profile.

Pure data read from the `[dunning]` section; a built-in French-style default applies when the file
sets no steps. A step's offset is in days from the due date (negative = before it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.numbers import toml_number

CHANNELS = ("email", "call", "letter")
DEFAULT_PROFILE = "standard"
DEFAULT_GAP = 7
NOTICE_DAYS = 8


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    offset: int
    channel: str = "email"
    template: str = ""
    claim: bool = False

    @property
    def overdue(self) -> bool:
        """Steps after the due date escalate one at a time; earlier ones are skipped once their moment passes."""
        return self.offset > 0


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """Pick `profile` for invoices whose total is at least `min_amount` (in `currency`, if given),
    to clients of that `kind` and of one of those risk `grades` (see grades.py), when given."""

    profile: str
    min_amount: Decimal | None = None
    currency: str | None = None
    kind: str | None = None
    grades: tuple[str, ...] = ()

    def matches(self, total: Decimal, currency: str, kind: str, grade: str | None = None) -> bool:
        if self.currency is not None and self.currency != currency:
            return False
        if self.kind is not None and self.kind != kind:
            return False
        if self.grades and grade not in self.grades:
            return False
        return self.min_amount is None or total >= self.min_amount


def _s(name: str, offset: int, channel: str = "email", template: str | None = None, claim: bool = False) -> Step:
    return Step(name, offset, channel, template if template is not None else name, claim)


BUILTIN = {
    "standard": Profile(
        "standard",
        (
            _s("courtesy", -5),
            _s("due-today", 0),
            _s("reminder-1", 7),
            _s("call", 14, "call", "call"),
            _s("reminder-2", 21),
            _s("formal-notice", 30, claim=True),
            _s("handoff", 45, "letter", "handoff"),
        ),
    ),
    "gentle": Profile(
        "gentle",
        (
            _s("courtesy", -3),
            _s("reminder-1", 10),
            _s("call", 20, "call", "call"),
            _s("reminder-2", 30),
            _s("formal-notice", 45, claim=True),
            _s("handoff", 60, "letter", "handoff"),
        ),
    ),
    "firm": Profile(
        "firm",
        (
            _s("courtesy", -7),
            _s("call-before", -3, "call", "call"),
            _s("due-today", 0),
            _s("reminder-1", 3),
            _s("reminder-2", 10),
            _s("formal-notice", 15, claim=True),
            _s("handoff", 25, "letter", "handoff"),
        ),
    ),
}


@dataclass(frozen=True)
class Policy:
    profiles: dict[str, Profile] = field(default_factory=lambda: dict(BUILTIN))
    default: str = DEFAULT_PROFILE
    rules: tuple[Rule, ...] = ()
    min_days_between: int = DEFAULT_GAP
    group: str = "client"
    notice_days: int = NOTICE_DAYS

    def profile(self, name: str | None) -> Profile:
        if name is None:
            return self.profiles[self.default]
        if name not in self.profiles:
            raise BadInput(f"no dunning profile '{name}'", hint=f"known profiles: {', '.join(self.profiles)}")
        return self.profiles[name]

    def choose(
        self, client_profile: str | None, total: Decimal, currency: str, kind: str, grade: str | None = None
    ) -> Profile:
        """The client's own profile, else the first rule that matches the invoice, else the default."""
        if client_profile:
            return self.profile(client_profile)
        for rule in self.rules:
            if rule.matches(total, currency, kind, grade):
                return self.profile(rule.profile)
        return self.profile(None)

    @property
    def uses_grades(self) -> bool:
        return any(rule.grades for rule in self.rules)

    @property
    def first_offset(self) -> int:
        """The earliest offset of any profile: instalments due later than as-of minus this need no look."""
        return min(step.offset for p in self.profiles.values() for step in p.steps)


class PolicyError(BadInput):
    """A bad value in the [dunning] section, named by its path."""


def _step(where: str, raw: Any) -> Step:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a table with name, offset, channel, template, claim")
    unknown = sorted(set(raw) - {"name", "offset", "channel", "template", "claim"})
    if unknown:
        raise PolicyError(f"{where}: unknown key '{unknown[0]}'")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 40:
        raise PolicyError(f"{where}.name: must be a short name")
    offset = raw.get("offset")
    if isinstance(offset, bool) or not isinstance(offset, int) or not -365 <= offset <= 3650:
        raise PolicyError(f"{where}.offset: must be a whole number of days from the due date (negative = before)")
    channel = raw.get("channel", "email")
    if channel not in CHANNELS:
        raise PolicyError(f"{where}.channel: must be one of {', '.join(CHANNELS)}")
    template = raw.get("template", name)
    if not isinstance(template, str) or not template.replace("-", "").replace("_", "").isalnum():
        raise PolicyError(f"{where}.template: must be a template name like reminder-1")
    claim = raw.get("claim", False)
    if not isinstance(claim, bool):
        raise PolicyError(f"{where}.claim: must be true or false")
    if claim and offset <= 0:  # late fees run from the day after the due date: there is nothing to claim before
        raise PolicyError(f"{where}.claim: a step that claims the late fees must come after the due date")
    return Step(name.strip(), offset, channel, template, claim)


def _steps(where: str, raw: Any) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError(f"{where}: must be a non-empty list of steps ([[...steps]] tables)")
    steps = [_step(f"{where}[{i + 1}]", item) for i, item in enumerate(raw)]
    names = [s.name for s in steps]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise PolicyError(f"{where}: step name '{duplicate}' is used twice")
    return tuple(sorted(steps, key=lambda s: s.offset))


def _rule(where: str, raw: Any, profiles: dict[str, Profile]) -> Rule:
    if not isinstance(raw, dict) or not isinstance(raw.get("profile"), str):
        raise PolicyError(f'{where}: must be a table with at least profile = "NAME"')
    unknown = sorted(set(raw) - {"profile", "min_amount", "currency", "kind", "grade", "grades"})
    if unknown:
        raise PolicyError(f"{where}: unknown key '{unknown[0]}'")
    if raw["profile"] not in profiles:
        raise PolicyError(f"{where}.profile: no profile '{raw['profile']}'")
    minimum = None
    if "min_amount" in raw:
        try:
            minimum = toml_number(raw["min_amount"], "min_amount", decimals=4)
        except BadInput:
            minimum = None
        if minimum is None or minimum < 0:
            raise PolicyError(f"{where}.min_amount: '{raw['min_amount']}' is not an amount")
    currency, kind = raw.get("currency"), raw.get("kind")
    if currency is not None and (not isinstance(currency, str) or len(currency) != 3 or currency != currency.upper()):
        raise PolicyError(f'{where}.currency: must be an ISO 4217 code such as "EUR"')
    if kind is not None and kind not in ("business", "consumer"):
        raise PolicyError(f"{where}.kind: must be business or consumer")
    return Rule(raw["profile"], minimum, currency, kind, _grades(where, raw))


def _grades(where: str, raw: dict[str, Any]) -> tuple[str, ...]:
    """`grade = "D"` or `grades = ["D", "E"]` (the client's worst grade over its currencies)."""
    from dunner.core.grades import GRADES, UNKNOWN

    if "grade" in raw and "grades" in raw:
        raise PolicyError(f"{where}: give grade or grades, not both")
    value = raw.get("grades", [raw["grade"]] if "grade" in raw else [])
    if (
        not isinstance(value, list)
        or (not value and "grades" in raw)
        or any(g not in (*GRADES, UNKNOWN) for g in value)
    ):
        raise PolicyError(f'{where}.grades: must be grades such as ["D", "E"] (A to E, or "unknown")')
    return tuple(value)


def load_policy(section: dict[str, Any], source: str = "config") -> Policy:
    """Build the policy from a checked [dunning] section (see example.toml); errors name the key."""
    try:
        profiles = dict(BUILTIN)
        if not isinstance(section.get("profiles", {}), dict):
            raise PolicyError("[dunning] profiles: must be tables such as [dunning.profiles.gentle]")
        if not isinstance(section.get("rules", []), list):
            raise PolicyError("[dunning] rules: must be a list of [[dunning.rules]] tables")
        for name, raw in (section.get("profiles") or {}).items():
            if not isinstance(raw, dict) or set(raw) != {"steps"}:
                raise PolicyError(f"[dunning] profiles.{name}: must hold exactly one key, steps")
            profiles[name] = Profile(name, _steps(f"[dunning] profiles.{name}.steps", raw["steps"]))
        if "steps" in section:
            profiles[DEFAULT_PROFILE] = Profile(DEFAULT_PROFILE, _steps("[dunning] steps", section["steps"]))
        rules = tuple(_rule(f"[dunning] rules[{i + 1}]", r, profiles) for i, r in enumerate(section.get("rules", [])))
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc.message}") from None
    return Policy(
        profiles=profiles,
        rules=rules,
        min_days_between=section.get("min_days_between", DEFAULT_GAP),
        group=section.get("group", "client"),
        notice_days=section.get("notice_days", NOTICE_DAYS),
    )
