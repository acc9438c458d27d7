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


def spread_credit(credits: Sequence[tuple[date, int]], items: Sequence[OpenItem]) -> dict[int, list[tuple[date, int]]]:
    """Net unapplied money against open items without recording it, for what is really still owed.

    `credits` are (date received, minor units left) oldest first; `items` oldest due first. Each share
    is dated the later of the money's date and the item's issue date (money cannot pay an invoice
    before it exists), like a real allocation. Shares add up to min(credit, open), never more.
    """
    shares: dict[int, list[tuple[date, int]]] = {}
    queue = [[day, cents] for day, cents in credits if cents > 0]
    head = 0
    for item in items:
        need = item.open_minor
        while need > 0 and head < len(queue):
            day, left = queue[head]
            take = min(need, left)
            shares.setdefault(item.instalment_id, []).append((max(day, item.issued_on), take))
            need -= take
            queue[head][1] -= take
            if queue[head][1] == 0:
                head += 1
    return shares
