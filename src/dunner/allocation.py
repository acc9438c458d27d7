"""Allocation of money received to open instalments: oldest due first, never a cent lost or created."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An instalment that still has money owing, as allocation sees it."""

    instalment_id: int
    due_on: date
    issued_on: date
    number: str
    seq: int
    open_minor: int


def oldest_first(items: Iterable[OpenItem]) -> list[OpenItem]:
    """The order money is applied in: due date, then issue date, then invoice number and instalment."""
    return sorted(items, key=lambda i: (i.due_on, i.issued_on, i.number, i.seq))


def allocate(amount_minor: int, items: Sequence[OpenItem]) -> tuple[list[tuple[OpenItem, int]], int]:
    """Fill `items` in the given order; return (item, amount) pairs and the amount left over.

    The pairs and the leftover always add up to `amount_minor` exactly; no item gets more than it owes,
    and no item gets anything while an earlier one still has something open.
    """
    if amount_minor < 0:
        raise ValueError("cannot allocate a negative amount")
    left = amount_minor
    pairs: list[tuple[OpenItem, int]] = []
    for item in items:
        if left == 0:
            break
        take = min(left, item.open_minor)
        if take > 0:
            pairs.append((item, take))
            left -= take
    return pairs, left
