"""Statutory late fees: simple interest on what is still due, split by half-year, plus a fixed indemnity.

Pure functions of the balance history, the law profile and a date. Interest runs from the day after
the due date, on the amount still due each day (a partial payment lowers it from its date on), at the
reference rate of each half-year plus the margin, actual days / 365, and is rounded half-up to the
cent once, at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dunner.core.money import Money, minor_units

DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True, slots=True)
class Period:
    """Interest on one balance at one rate, from `start` to `end` inclusive."""

    start: date
    end: date
    base: Money
    rate: Decimal  # percent a year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def exact(self) -> Decimal:
        """The interest of the period in currency units, unrounded."""
        return self.base.amount * self.rate / 100 * self.days / DAYS_IN_YEAR


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year(day: date) -> date:
    return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)


def interest_periods(
    amount: Money,
    due_on: date,
    payments: Sequence[tuple[date, int]],
    as_of: date,
    rate_for: Callable[[date], Decimal],
) -> list[Period]:
    """The periods of interest on one instalment as of `as_of`.

    `payments` are (date, minor units) applied to the instalment; money paid on a day stops interest
    on that part from the next day. `rate_for(half_year_start)` gives the annual rate in percent.
    Boundaries fall at every payment and every 1 January and 1 July.
    """
    balance = amount.minor - sum(cents for day, cents in payments if day <= due_on)
    changes = sorted((day, cents) for day, cents in payments if due_on < day <= as_of)
    periods: list[Period] = []
    start = due_on + timedelta(days=1)
    while start <= as_of and balance > 0:
        end = min(as_of, next_half_year(start) - timedelta(days=1))
        paid_in_between = [c for c in changes if start <= c[0] < end]
        if paid_in_between:
            end = paid_in_between[0][0]
        periods.append(Period(start, end, Money(balance, amount.currency), rate_for(half_year_start(start))))
        balance -= sum(cents for day, cents in changes if day == end)
        start = end + timedelta(days=1)
    return [p for p in periods if p.rate]


def round_interest(periods: Sequence[Period], currency: str) -> Money:
    """The total interest, rounded half-up to the currency's minor unit once, at the end."""
    total = sum((p.exact for p in periods), Decimal(0))
    quantum = Decimal(1).scaleb(-minor_units(currency))
    return Money(int(total.quantize(quantum, rounding=ROUND_HALF_UP).scaleb(minor_units(currency))), currency)


def daily_rounded(period: Period) -> Decimal:
    """A period's interest with the day's interest rounded half-up to the cent first (gov.uk's illustration)."""
    quantum = Decimal(1).scaleb(-minor_units(period.base.currency))
    day = (period.base.amount * period.rate / 100 / DAYS_IN_YEAR).quantize(quantum, rounding=ROUND_HALF_UP)
    return day * period.days


@dataclass(frozen=True, slots=True)
class Instalment:
    """What a claim needs of one instalment: amount, due date and the payments applied to it."""

    amount: Money
    due_on: date
    payments: tuple[tuple[date, int], ...]

    def outstanding(self, as_of: date) -> int:
        return self.amount.minor - sum(cents for day, cents in self.payments if day <= as_of)

    def late(self, as_of: date) -> bool:
        """Overdue now, or paid (in part) after its due date."""
        return (self.due_on < as_of and self.outstanding(as_of) > 0) or any(
            self.due_on < day <= as_of for day, _ in self.payments
        )


@dataclass(frozen=True)
class Claim:
    currency: str
    principal: Money
    interest: Money
    indemnity: Money
    periods: tuple[Period, ...]
    amounts: tuple[Money, ...] = ()  # each period's interest for display; they add up to `interest`
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.indemnity


def compute_claim(
    instalments: Sequence[Instalment],
    as_of: date,
    rate_for: Callable[[date], tuple[Decimal, str | None]],
    indemnity: Money | None,
    daily_rounding: bool = False,
) -> Claim:
    """What can be claimed on one invoice as of `as_of`: overdue principal, interest and the indemnity.

    `indemnity` is the fixed amount for this invoice under its law (None or zero: none). It is due
    once per late invoice, whatever the number of its instalments.
    """
    currency = instalments[0].amount.currency
    warnings: list[str] = []

    def rate(half_year: date) -> Decimal:
        value, warning = rate_for(half_year)
        if warning and warning not in warnings:
            warnings.append(warning)
        return value

    periods = [
        period
        for inst in instalments
        for period in interest_periods(inst.amount, inst.due_on, inst.payments, as_of, rate)
    ]
    if daily_rounding:
        amounts = [Money(int(daily_rounded(p).scaleb(minor_units(currency))), currency) for p in periods]
        interest = Money(sum(a.minor for a in amounts), currency)
    else:
        interest = round_interest(periods, currency)
        amounts = period_amounts(periods, interest)
    principal = sum(i.outstanding(as_of) for i in instalments if i.due_on < as_of)
    late = any(i.late(as_of) for i in instalments)
    fixed = indemnity if late and indemnity is not None else Money.zero(currency)
    return Claim(
        currency, Money(max(principal, 0), currency), interest, fixed, tuple(periods), tuple(amounts), tuple(warnings)
    )


def period_amounts(periods: Sequence[Period], total: Money) -> list[Money]:
    """Each period's interest in minor units, adding up exactly to the total rounded once at the end.

    Each line is its exact amount rounded down, then the cents left over go to the lines with the
    largest remainders: a letter's lines always add up to its total, and no line is off by a cent or more.
    """
    if not periods:
        return []
    scale = minor_units(total.currency)
    exact = [p.exact.scaleb(scale) for p in periods]
    floors = [int(x) for x in exact]  # exact amounts are never negative
    left = total.minor - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [Money(cents, total.currency) for cents in floors]
