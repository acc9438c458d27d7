"""Risk grades: a simple, explainable grade per client from how they paid, with the reasons. Pure.

The rules come from the config ([[grades.rules]]): each names a grade and conditions that must all
hold; a client gets the worst grade among the rules that hold, and the reasons are those rules'
conditions, in words. No rule holding: "A" with enough history, else "unknown" (a new client is not
a good client, just an unknown one).

Every condition is a threshold reached (inclusive) by a figure that paying on time can only lower:
overdue days, late invoices among the last paid ones, average lateness, broken promises, disputes,
write-offs, the debt over the credit limit, DSO. So an on-time payment never worsens a grade, and
the worst-of-all-rules choice keeps that true whatever order the rules are written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.numbers import toml_number

GRADES = ("A", "B", "C", "D", "E")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Figures:
    """What a client's history says, as of a date (see services/insight.py for how each is counted)."""

    paid: int = 0  # invoices paid in full with money
    last_late: tuple[int, ...] = ()  # days late of the last paid invoices, newest first
    avg_days_late: Decimal | None = None  # weighted by the money received
    max_days_late: int | None = None
    oldest_overdue_days: int = 0  # the oldest instalment still overdue, 0 if none
    overdue: Decimal = Decimal(0)
    promises_broken: int = 0
    promises: int = 0
    disputes: int = 0
    written_off: int = 0
    over_limit: Decimal = Decimal(0)  # owed beyond the credit limit, 0 if within or no limit
    dso: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class Condition:
    key: str
    value: Any

    def holds(self, f: Figures) -> bool:
        v = self.value
        match self.key:
            case "overdue_days":
                return f.oldest_overdue_days >= v
            case "late_of_last":
                count, last, days = v
                return sum(1 for d in f.last_late[:last] if d >= days) >= count
            case "avg_days_late":
                return f.avg_days_late is not None and f.avg_days_late >= v
            case "max_days_late":
                return f.max_days_late is not None and f.max_days_late >= v
            case "broken_promises":
                return f.promises_broken >= v
            case "disputes":
                return f.disputes >= v
            case "written_off":
                return f.written_off >= v
            case "over_credit_limit":
                return v and f.over_limit > 0
            case "dso":
                return f.dso is not None and f.dso >= v
        raise AssertionError(self.key)

    def reason(self, f: Figures, language: str = "en") -> str:
        """The condition in words, with the client's figures: English (the CSV and JSON) or French."""
        v = self.value
        n = _numbers(language)
        fr = language == "fr"
        match self.key:
            case "overdue_days":
                if fr:
                    oldest = _fois("jour", f.oldest_overdue_days)
                    return f"doit {n(f.overdue)} {f.currency} échus, le plus ancien depuis {oldest}"
                return f"has {f.overdue} {f.currency} overdue, the oldest by {f.oldest_overdue_days} days"
            case "late_of_last":
                _, last, days = v
                late = sum(1 for d in f.last_late[:last] if d >= days)
                among = min(last, len(f.last_late))
                if fr and among == 1:
                    return f"a payé sa dernière facture avec au moins {_fois('jour', days)} de retard"
                if fr:
                    return f"a payé {late} des {among} dernières factures avec au moins {_fois('jour', days)} de retard"
                return f"paid {late} of last {among} invoices {days}+ days late"
            case "avg_days_late":
                if fr:
                    return f"paie avec {n(f.avg_days_late)} jours de retard en moyenne (pondérée par les montants)"
                return f"pays {f.avg_days_late} days late on average (weighted by amount)"
            case "max_days_late":
                return (
                    f"a déjà payé avec {_fois('jour', f.max_days_late)} de retard"
                    if fr
                    else f"once paid {f.max_days_late} days late"
                )
            case "broken_promises":
                if fr:
                    return f"n'a pas tenu {_fois('promesse', f.promises_broken)} de paiement sur {f.promises}"
                return f"broke {f.promises_broken} of {f.promises} promises to pay"
            case "disputes":
                return f"a contesté {_fois('facture', f.disputes)}" if fr else f"disputed {f.disputes} invoices"
            case "written_off":
                return (
                    f"{_fois('facture', f.written_off)} passée{'s' if f.written_off > 1 else ''} en perte"
                    if fr
                    else f"had {f.written_off} invoices written off"
                )
            case "over_credit_limit":
                if fr:
                    return f"doit {n(f.over_limit)} {f.currency} au-delà de sa limite de crédit"
                return f"owes {f.over_limit} {f.currency} beyond the credit limit"
            case "dso":
                return f"DSO de {n(f.dso)} jours" if fr else f"DSO of {f.dso} days"
        raise AssertionError(self.key)


def _numbers(language: str) -> Any:
    """How a figure is written in a reason: as is in English, '3 200,00' or '12,5' in French."""
    if language != "fr":
        return str

    def french(value: Decimal | None) -> str:
        from babel.numbers import format_decimal

        places = max(0, -Decimal(value or 0).as_tuple().exponent)
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0", locale="fr_FR")

    return french


def _fois(word: str, n: int | None) -> str:
    """'1 jour', '0 facture', '3 promesses': French puts the plural from two on."""
    return f"{n} {word}" if n is not None and abs(n) <= 1 else f"{n} {word}s"


@dataclass(frozen=True)
class Rule:
    grade: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Grading:
    rules: tuple[Rule, ...]
    min_history: int = 3
    risky: tuple[str, ...] = ("D", "E")

    def grade(self, f: Figures, language: str = "en") -> tuple[str, list[str]]:
        """The grade and its reasons (in English, or in French with language="fr")."""
        held = [r for r in self.rules if all(c.holds(f) for c in r.conditions)]
        if held:
            worst = max(GRADES.index(r.grade) for r in held)
            reasons = [c.reason(f, language) for r in held if GRADES.index(r.grade) == worst for c in r.conditions]
            return GRADES[worst], list(dict.fromkeys(reasons))
        fr = language == "fr"
        if f.paid < self.min_history:
            if fr:
                return UNKNOWN, [
                    f"historique insuffisant : {f.paid} facture(s) payée(s), {self.min_history} nécessaires"
                ]
            return UNKNOWN, [f"not enough history: {f.paid} invoice(s) paid, {self.min_history} needed"]
        on_time = sum(1 for d in f.last_late if d == 0)
        if fr:
            return "A", [f"{f.paid} factures payées, dont {on_time} des {len(f.last_late)} dernières à temps"]
        return "A", [f"paid {f.paid} invoices, {on_time} of the last {len(f.last_late)} on time"]

    @property
    def lookback(self) -> int:
        """How many of the last paid invoices the rules look at (at least a sparkline's worth)."""
        return max([12, *(c.value[1] for r in self.rules for c in r.conditions if c.key == "late_of_last")])


# The default rules, written out in example.toml too.
DEFAULT_RULES: list[dict[str, Any]] = [
    {"grade": "E", "overdue_days": 90},
    {"grade": "E", "written_off": 1},
    {"grade": "D", "overdue_days": 60},
    {"grade": "D", "late_of_last": [3, 5, 30]},
    {"grade": "D", "broken_promises": 2},
    {"grade": "C", "overdue_days": 30},
    {"grade": "C", "late_of_last": [3, 5, 15]},
    {"grade": "C", "over_credit_limit": True},
    {"grade": "B", "late_of_last": [2, 5, 1]},
    {"grade": "B", "avg_days_late": 7},
    {"grade": "B", "broken_promises": 1},
]

_WHOLE = ("overdue_days", "max_days_late", "broken_promises", "disputes", "written_off")


def _condition(where: str, key: str, value: Any) -> Condition:
    if key in _WHOLE:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadInput(f"{where}.{key}: must be a whole number")
        return Condition(key, value)
    if key in ("avg_days_late", "dso"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 10**6:
            raise BadInput(f"{where}.{key}: must be a number of days")
        return Condition(key, toml_number(value, f"{where}.{key}:", decimals=4))
    if key == "late_of_last":
        if (
            not isinstance(value, list)
            or len(value) != 3
            or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in value)
            or not 1 <= value[0] <= value[1] <= 100
        ):
            raise BadInput(f"{where}.late_of_last: must be [COUNT, LAST, DAYS], e.g. [3, 5, 30]")
        return Condition(key, tuple(value))
    if key == "over_credit_limit":
        if not isinstance(value, bool):
            raise BadInput(f"{where}.over_credit_limit: must be true or false")
        return Condition(key, value)
    known = ", ".join(["grade", *_WHOLE, "avg_days_late", "dso", "late_of_last", "over_credit_limit"])
    raise BadInput(f"{where}: unknown key '{key}'", hint=f"known: {known}")


def load_grading(section: dict[str, Any], source: str = "config") -> Grading:
    """The grading rules of a checked [grades] section (the defaults where it says nothing)."""
    raw_rules = section.get("rules", DEFAULT_RULES)
    rules = []
    for n, raw in enumerate(raw_rules, start=1):
        where = f"{source}: [grades] rules[{n}]"
        if not isinstance(raw, dict) or raw.get("grade") not in GRADES:
            raise BadInput(f'{where}: must be a table with grade = "A" to "E" and conditions')
        conditions = tuple(_condition(where, k, v) for k, v in raw.items() if k != "grade")
        if not conditions:
            raise BadInput(f"{where}: needs at least one condition")
        rules.append(Rule(raw["grade"], conditions))
    risky = section.get("risky", ["D", "E"])
    if not isinstance(risky, list) or any(g not in GRADES for g in risky):
        raise BadInput(f'{source}: [grades] risky: must be a list of grades such as ["D", "E"]')
    return Grading(tuple(rules), section.get("min_history", 3), tuple(risky))
