"""Invoice arithmetic: lines, VAT per rate, totals, instalment plans and proportional splits. Exact, pure.

French practice: each line's net (HT) is quantity x unit price rounded half-up to the cent; VAT is
computed once per rate on the sum of that rate's nets, rounded half-up; the total (TTC) is the nets
plus the VAT. Every split (instalments, a partial credit note over several rates) hands out the
cents by largest remainder, so the parts always add up to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dunner.core import validate
from dunner.core.errors import BadInput
from dunner.core.money import MAX_MINOR, Money, minor_units, parse_amount
from dunner.core.numbers import HINT, decimals_of, parse_number, read_number, refuse_ambiguous

MAX_LINES = 500


def _round(value: Decimal, currency: str) -> int:
    """Half-up to the currency's minor unit, as an integer of minor units."""
    digits = minor_units(currency)
    return int(value.scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_rate(text: str, what: str = "VAT rate") -> Decimal:
    """A percentage such as 20, 5.5 or "5,5 %"; between 0 and 100, at most 4 decimals."""
    cleaned = str(text).strip().removesuffix("%").strip()
    rate = read_number(cleaned)
    if rate is None:
        raise BadInput(f"'{text}' is not a {what} (a percentage such as 20 or 5.5)", hint=HINT)
    if decimals_of(rate) > 4:
        raise BadInput(f"{what} '{text}' has {decimals_of(rate)} decimals; at most 4")
    if not 0 <= rate <= 100:
        raise BadInput(f"{what} '{text}' must be between 0 and 100 %")
    if not rate:
        return Decimal(0)  # "-0" and "0.00" are the same rate
    return rate.normalize() if rate != rate.to_integral() else rate.quantize(Decimal(1))


def parse_quantity(text: str) -> Decimal:
    """A positive quantity, read like an amount, with at most 4 decimals."""
    refuse_ambiguous(text, "quantity")
    quantity = parse_number(text, "quantity", decimals=4)
    if quantity <= 0 or quantity > 10**9:
        raise BadInput(f"quantity '{text}' must be positive, at most 1000000000")
    return quantity


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Money  # before VAT (HT)
    vat_rate: Decimal | None  # None: no VAT (franchise, or an amount carried over as it is)

    @property
    def net(self) -> Money:
        if self.quantity == 1:  # the one-amount form: nothing to round
            return self.unit_price
        return Money(_round(self.quantity * self.unit_price.amount, self.unit_price.currency), self.unit_price.currency)


def parse_line(text: str, currency: str, *, franchise: bool = False) -> Line:
    """A line written "description;quantity;unit price;VAT rate" (the rate may be left out under franchise)."""
    parts = [p.strip() for p in text.split(";")]
    if len(parts) not in (3, 4) or not parts[0]:
        raise BadInput(f"line '{text}' must read \"description;quantity;unit price;VAT rate\"")
    description = validate.line(parts[0], "line description", required=True, max_len=500) or ""
    quantity, price = parse_quantity(parts[1]), parts[2]
    unit = parse_amount(price, currency, allow_negative=True)
    if len(parts) == 4 and parts[3]:
        rate = parse_rate(parts[3])
        if franchise and rate:
            raise BadInput(f"line '{description}' has VAT {rate} % but the business is under the VAT franchise")
        return Line(description, quantity, unit, None if franchise else rate)
    if not franchise:
        raise BadInput(f"line '{description}' needs a VAT rate (4th field), e.g. 20")
    return Line(description, quantity, unit, None)


@dataclass(frozen=True, slots=True)
class VatLine:
    rate: Decimal
    base: Money
    vat: Money


@dataclass(frozen=True, slots=True)
class Totals:
    net: Money  # HT
    vat: Money
    total: Money  # TTC
    by_rate: tuple[VatLine, ...]


def has_zero_rate(lines: Sequence[Line]) -> bool:
    """Whether a line is at 0 % VAT (which needs a reason: see vat.py); a line without a rate is not."""
    return any(line.vat_rate is not None and not line.vat_rate for line in lines)


def totals(lines: Sequence[Line], currency: str) -> Totals:
    """HT, VAT per rate and TTC of the lines; refuses an empty or non-positive invoice."""
    if not lines:
        raise BadInput("an invoice needs at least one line")
    if len(lines) > MAX_LINES:
        raise BadInput(f"an invoice has at most {MAX_LINES} lines")
    bases: dict[Decimal, int] = {}
    net = 0
    for line in lines:
        if line.unit_price.currency != currency:
            raise BadInput(f"line '{line.description}' is in {line.unit_price.currency}, not {currency}")
        line_net = line.net
        if abs(line_net.minor) > MAX_MINOR:
            raise BadInput(f"line '{line.description}' is beyond what dunner can count ({line_net})")
        net += line_net.minor
        if line.vat_rate is not None:
            bases[line.vat_rate] = bases.get(line.vat_rate, 0) + line_net.minor
    by_rate = (
        tuple(
            VatLine(
                rate,
                Money(base, currency),
                Money(_round(Money(base, currency).amount * rate / 100, currency), currency),
            )
            for rate, base in sorted(bases.items(), reverse=True)
        )
        if bases
        else ()
    )
    vat = sum(v.vat.minor for v in by_rate) if by_rate else 0
    if net + vat <= 0:
        raise BadInput("the invoice total must be positive")
    if abs(net) > MAX_MINOR or net + vat > MAX_MINOR:
        raise BadInput("the invoice total is beyond what dunner can count")
    return Totals(Money(net, currency), Money(vat, currency), Money(net + vat, currency), by_rate)


def split(total: Money, weights: Sequence[int]) -> list[Money]:
    """`total` in parts proportional to `weights`, by largest remainder: they add up exactly."""
    whole = sum(weights)
    if whole <= 0:
        raise BadInput("nothing to split")
    shares = [total.minor * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: total.minor * weights[i] % whole, reverse=True)
    for i in remainders[: total.minor - sum(shares)]:
        shares[i] += 1
    return [Money(s, total.currency) for s in shares]


def equal_instalments(total: Money, first_due: date, count: int, every_days: int) -> list[tuple[date, Money]]:
    """`count` equal parts (the first ones a cent larger if need be), every `every_days` from `first_due`."""
    if not 1 <= count <= 120:
        raise BadInput("an instalment plan has 1 to 120 instalments")
    if count > 1 and not 1 <= every_days <= 366:
        raise BadInput("instalments must be 1 to 366 days apart")
    if total.minor < count:
        raise BadInput(f"{total} cannot be split into {count} instalments")
    parts = split(total, [1] * count)
    return [(first_due + timedelta(days=every_days * i), part) for i, part in enumerate(parts)]


_ENTRY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:=(.+))?")


def explicit_instalments(total: Money, schedule: str) -> list[tuple[date, Money]]:
    """ "2026-02-01=400,2026-03-01=400,2026-04-01": dated amounts, the last one (without amount) the rest."""
    from dunner.core.dates import parse_date

    entries = [e.strip() for e in schedule.split(",") if e.strip()]
    if not entries:
        raise BadInput("the schedule is empty")
    plan: list[tuple[date, Money]] = []
    for n, entry in enumerate(entries):
        found = _ENTRY.fullmatch(entry)
        if not found or (found[2] is None and n != len(entries) - 1):
            raise BadInput(f"schedule entry '{entry}' must read DATE=AMOUNT (only the last may omit its amount)")
        day = parse_date(found[1])
        if plan and day <= plan[-1][0]:
            raise BadInput(f"schedule dates must increase: {day} after {plan[-1][0]}")
        rest = total.minor - sum(m.minor for _, m in plan)
        amount = parse_amount(found[2], total.currency) if found[2] else Money(rest, total.currency)
        plan.append((day, amount))
    if sum(m.minor for _, m in plan) != total.minor or any(m.minor <= 0 for _, m in plan):
        raise BadInput(f"the schedule must add up to {total} with every instalment positive")
    return plan


def discount_amount(total: Money, rate: Decimal) -> Money:
    """An early-payment discount on the total, rounded half-up to the cent."""
    return Money(_round(total.amount * rate / 100, total.currency), total.currency)
