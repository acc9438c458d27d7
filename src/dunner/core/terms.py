"""Payment terms: due dates, and the French caps on payment terms between businesses.

Code de commerce L441-10 I: terms may not exceed 60 days from the invoice date or, when agreed,
45 days end of month. Both readings of "45 days end of month" are in use (the issue date plus 45
days, then to the end of that month; or the end of the issue month plus 45 days): the later of them,
and of the 60 days, is the latest due date the law allows.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta


def end_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def due_date(issued: date, days: int, end_of_the_month: bool = False) -> date:
    """Issue date plus `days`; with `end_of_the_month`, then to the last day of that month ("45 jours fin de mois")."""
    due = issued + timedelta(days=days)
    return end_of_month(due) if end_of_the_month else due


def latest_legal_due(issued: date) -> date:
    """The latest due date French law allows between businesses for an invoice issued on `issued`."""
    return max(
        issued + timedelta(days=60),
        end_of_month(issued + timedelta(days=45)),
        end_of_month(issued) + timedelta(days=45),
    )
