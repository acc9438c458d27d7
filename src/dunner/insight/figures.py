"""The figures of `dunner stats` for each client and currency, added up from the ledger (issue 15 item 1).

The ledger is streamed twice in instalment order and merged here, which adds each instalment's part to its
client's sums; nothing is held per invoice or instalment, so memory stays flat in the ledger's size. What each
instalment received is one GROUP BY through the covering index of allocation; its settlement day comes from
those sums (see `_add_instalments`, `_settled`) except for the few instalments a credit note, a discount, a
reversal or an over-allocation touched, which are read row by row. The rest (invoices counted, disputes,
credit notes of the window, credit, promises) is one grouped query each. stats.py turns these sums into the
figures and the grade.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dunner.core.buckets import Buckets
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.aging import aging_row

# SYSTEM: what credit notes and early-payment discounts applied, per instalment (money is the rest).
_SYSTEM = """
    SELECT a.instalment_id, SUM(a.amount_cents) AS cents
    FROM payment p JOIN allocation a ON a.payment_id = p.id
    WHERE p.method IN ('credit_note', 'discount') AND a.applied_on <= :as_of {alloc_filter}
    GROUP BY a.instalment_id
"""
_RECEIVED = """
    SELECT a.instalment_id, SUM(a.amount_cents) AS paid_cents, MAX(a.applied_on) AS last_on,
           {last_day} AS last_day, MIN(a.amount_cents) AS smallest
    FROM allocation a WHERE a.applied_on <= :as_of {alloc_filter}
    GROUP BY a.instalment_id ORDER BY a.instalment_id
"""
# The instalments of the invoices and deposits issued by then and not void, with their invoice's state then.
_PARTS = """
    SELECT i.id, i.amount_cents, i.due_on, {due_day}, v.client_id, v.currency, v.issued_on, {issued_day},
           {state} AS state
    FROM instalment i JOIN invoice v ON v.id = i.invoice_id
    WHERE v.kind IN ('invoice', 'deposit') AND v.issued_on <= :as_of {invoice_filter}
      AND {state} <> 'void'
    ORDER BY i.id
"""
_INVOICES = """
    SELECT +v.client_id AS client_id, v.currency, COUNT(*) AS invoices,
           SUM(CASE WHEN v.status = 'written_off' AND v.status_on <= :as_of THEN 1 ELSE 0 END) AS written_off
    FROM invoice v
    WHERE v.kind IN ('invoice', 'deposit') AND v.issued_on <= :as_of {invoice_filter} AND {state} <> 'void'
    GROUP BY +v.client_id, v.currency
"""
# A date as a day number (the Julian day, whole), so days between two dates are a subtraction; `_day_number` is
# the same in Python (date.toordinal() + _DAY_OFFSET).
_DAY = "CAST(julianday({}) - 0.5 AS INTEGER)"  # whole on both databases (no rounding)
_DAY_OFFSET = 1721424
_LOW = (1 << 32) - 1  # the days late of a packed `_Sums.recent` item
# What an invoice is as of the date: void or written off from its status date on, issued before.
_STATE = "(CASE WHEN v.status <> 'issued' AND v.status_on <= :as_of THEN v.status ELSE 'issued' END)"
# One instalment's allocations in order, for the settlement day the sums cannot tell.
_ALLOCATIONS = """
    SELECT a.applied_on, a.amount_cents, CASE WHEN p.method IN ('credit_note', 'discount') THEN 1 ELSE 0 END AS system
    FROM allocation a JOIN payment p ON p.id = a.payment_id
    WHERE a.instalment_id = ? AND a.applied_on <= ? ORDER BY a.applied_on, a.id
"""
_DISPUTES = """
    SELECT v.client_id, v.currency, COUNT(DISTINCT e.invoice_id) AS disputes
    FROM event e JOIN invoice v ON v.id = e.invoice_id
    WHERE e.kind = 'dispute' AND e.happened_on <= :as_of {invoice_filter}
    GROUP BY v.client_id, v.currency
"""
# (`+client_id`: grouped after a pass through the table, not through invoice_client, which would read every
# invoice's row out of order.)
_CREDITED = """
    SELECT +n.client_id AS client_id, n.currency, SUM(n.total_cents) AS cents
    FROM invoice n JOIN invoice o ON o.id = n.related_invoice_id
    WHERE n.related_invoice_id IS NOT NULL AND n.kind = 'credit_note' AND o.issued_on > :window_start
      AND n.issued_on <= :as_of {credited_filter}
    GROUP BY +n.client_id, n.currency
"""
# Promises kept and broken: what a promise covered was settled by the promised day, or that day passed with
# it open (a promise renegotiated before its day is superseded by the new one). Promises are few: this reads
# the allocations of the promised invoices alone.
_PROMISES = """
WITH run AS (
    SELECT a.instalment_id, a.applied_on, a.amount_cents,
           p.method IN ('credit_note', 'discount') AS system,
           SUM(a.amount_cents) OVER (PARTITION BY a.instalment_id ORDER BY a.applied_on, a.id) AS running,
           MAX(CASE WHEN p.method NOT IN ('credit_note', 'discount') THEN a.applied_on END)
               OVER (PARTITION BY a.instalment_id ORDER BY a.applied_on, a.id) AS last_money
    FROM allocation a JOIN payment p ON p.id = a.payment_id
    WHERE a.applied_on <= :as_of AND a.instalment_id IN (
        SELECT i.id FROM instalment i JOIN event e ON e.invoice_id = i.invoice_id WHERE e.kind = 'promise')
),
settle AS MATERIALIZED (
    SELECT r.instalment_id,
           MIN(CASE WHEN r.running >= i.amount_cents THEN
               CASE WHEN r.system THEN COALESCE(r.last_money, r.applied_on) ELSE r.applied_on END END) AS settled_on
    FROM run r JOIN instalment i ON i.id = r.instalment_id
    GROUP BY r.instalment_id
),
promised AS (
    SELECT v.client_id, v.currency, e.promise_on,
           (SELECT COUNT(*) FROM instalment i LEFT JOIN settle s ON s.instalment_id = i.id
            WHERE i.invoice_id = e.invoice_id AND (i.due_on <= e.promise_on OR i.seq = 1)
              AND (s.settled_on IS NULL OR s.settled_on > e.promise_on)) AS open_parts
    FROM event e JOIN invoice v ON v.id = e.invoice_id
    WHERE e.kind = 'promise' AND e.happened_on <= :as_of AND e.promise_on IS NOT NULL {invoice_filter}
      AND NOT EXISTS (SELECT 1 FROM event x WHERE x.invoice_id = e.invoice_id AND x.kind = 'promise'
                      AND x.id > e.id AND x.happened_on <= :as_of AND x.happened_on <= e.promise_on)
)
SELECT client_id, currency,
       SUM(CASE WHEN open_parts = 0 THEN 1 ELSE 0 END) AS kept,
       SUM(CASE WHEN open_parts > 0 AND promise_on < :as_of THEN 1 ELSE 0 END) AS broken
FROM promised WHERE open_parts = 0 OR promise_on < :as_of GROUP BY client_id, currency
"""


@dataclass(slots=True)
class _Sums:
    """One client's figures in one currency, added up instalment by instalment (see `_stats_row`)."""

    invoices: int
    written_off: int
    outstanding: int = 0
    overdue: int = 0
    oldest_due: str | None = None
    sales_window: int = 0
    paid: int = 0
    paid_late: int = 0
    sum_late: int = 0
    max_late: int | None = None
    weighted_late: int = 0
    money: int = 0
    sum_to_pay: int = 0
    now_weighted: int = 0
    now_money: int = 0
    before_weighted: int = 0
    before_money: int = 0
    # the newest settled instalments: a heap of (day << 96 | id << 32 | days late), one int each (10,000 clients
    # keep 120,000 of them); 64 bits for the id, as many as SQLite's rowid has
    recent: list[int] = field(default_factory=list)
    aged: list[int] | None = None  # what is owed in each bucket of the aging, when the command wants it

    def add_paid(self, settled: str, day: int, due_day: int, issued_day: int, money: int, instalment: int,
                 bounds: tuple) -> None:  # fmt: skip
        """An instalment settled on `settled` (day number `day`) with `money` received, against its due date's
        and its invoice's day numbers; `bounds`: the window's start, the window before's, how many of the newest
        are kept."""
        window_start, before_start, lookback = bounds
        late, to_pay = day - due_day, day - issued_day
        late = max(late, 0)
        self.paid += 1
        if late:
            self.paid_late += 1
            self.sum_late += late
            self.weighted_late += late * money
        if self.max_late is None or late > self.max_late:
            self.max_late = late
        self.money += money
        self.sum_to_pay += to_pay
        if settled > window_start:
            self.now_weighted += late * money
            self.now_money += money
        elif settled > before_start:
            self.before_weighted += late * money
            self.before_money += money
        recent, item = self.recent, day << 96 | instalment << 32 | late
        if len(recent) < lookback:
            heapq.heappush(recent, item)
        elif lookback and item > recent[0]:
            heapq.heapreplace(recent, item)


# The figures of the instalments settled with money: none at all (NULL, not 0) for a client without any.
_PAID_FIGURES = ("paid", "paid_late", "sum_late", "max_late", "weighted_late", "money", "sum_to_pay", "now_weighted",
                 "now_money", "before_weighted", "before_money")  # fmt: skip


@dataclass
class Aging:
    """The aging by client, added up in the same pass as the figures (issue 15 item 3: the report reads the
    ledger once for both): given to `client_figures`, its rows are there once the first figures are."""

    buckets: Buckets
    rows: list[dict[str, Any]] = field(default_factory=list)  # as ledger.aging.aging_by_client's

    def fill(self, sums: dict[tuple[int, str], _Sums], credit: dict[tuple[int, str], int], order: Any, codes: Any):
        """The rows of the clients owing something or in credit, in the aging's order (`order`: the key of a
        (client id, currency); `codes`: each client id's code)."""
        empty = [0] * len(self.buckets.names)
        for key in sorted({*sums, *credit}, key=order):
            owed = sums[key].aged if key in sums else None
            if credit.get(key, 0) or (owed and any(owed)):
                self.rows.append(aging_row(codes(key[0]), key[1], credit.get(key, 0), owed or empty, self.buckets))


def client_figures(
    ledger: Ledger, params: dict[str, Any], lookback: int, client_id: int | None, aging: Aging | None = None
) -> Iterator[dict[str, Any]]:
    """The figures of each client and currency with an invoice, in the order of `dunner stats`; `aging`, if
    given, gets the aging by client as of the same day (with the same client filter)."""
    from dunner.ledger.balances import credit_sql

    one = client_id is not None
    filters = _filters(one)
    sums = {
        (r["client_id"], r["currency"]): _Sums(r["invoices"], r["written_off"])
        for r in ledger.rows(_INVOICES.format(**filters), params)
    }
    _add_instalments(ledger, params, filters, sums, lookback, aging.buckets if aging else None)
    groups = {
        name: {(r[0], r[1]): r[2] for r in ledger.rows(sql.format(**filters), params)}
        for name, sql in (("disputes", _DISPUTES), ("credited", _CREDITED), ("credit", credit_sql(one)))
    }
    promises = {(r["client_id"], r["currency"]): r for r in ledger.rows(_PROMISES.format(**filters), params)}
    # in the database's own order of lower(code), as the listings are (its lower() and collation, not Python's)
    clients = {
        r["id"]: r
        for r in ledger.rows(
            "SELECT id, code, credit_limit_cents, currency FROM client"
            + (" WHERE id = :client_id" if one else "")
            + " ORDER BY lower(code)",
            params,
        )
    }
    rank = {client: n for n, client in enumerate(clients)}

    def by_code(key: tuple[int, str]) -> tuple[int, str]:
        return rank[key[0]], key[1]

    if aging is not None:
        aging.fill(sums, groups["credit"], by_code, lambda client: clients[client]["code"])
    for key in sorted(sums, key=by_code):
        total, client, promise = sums[key], clients[key[0]], promises.get(key)
        paid = total.paid > 0
        yield {
            "client_id": key[0],
            "code": client["code"],
            "credit_limit_cents": client["credit_limit_cents"],
            "client_currency": client["currency"],
            "currency": key[1],
            "invoices": total.invoices,
            "outstanding": total.outstanding,
            "overdue": total.overdue,
            "oldest_due": total.oldest_due,
            "written_off": total.written_off,
            "sales_window": total.sales_window,
            "credit": groups["credit"].get(key, 0),
            # without a paid instalment, the SQL of these figures gave NULL (a LEFT JOIN finding nothing)
            **{name: getattr(total, name) if paid else None for name in _PAID_FIGURES},
            "recent": [(n, item & _LOW) for n, item in enumerate(sorted(total.recent, reverse=True), 1)],
            "kept": promise["kept"] if promise else 0,
            "broken": promise["broken"] if promise else 0,
            "disputes": groups["disputes"].get(key, 0),
            "credited_window": groups["credited"].get(key, 0),
        }


def _filters(one: bool) -> dict[str, str]:
    """What the queries are completed with: the filters to one client (:client_id) if `one`, and shared SQL."""
    return {
        "alloc_filter": "AND a.instalment_id IN (SELECT i.id FROM instalment i JOIN invoice w"
        " ON w.id = i.invoice_id WHERE w.client_id = :client_id)"
        if one
        else "",
        "invoice_filter": "AND v.client_id = :client_id" if one else "",
        "credited_filter": "AND n.client_id = :client_id" if one else "",
        "state": _STATE,
        "last_day": _DAY.format("MAX(a.applied_on)"),
        "due_day": _DAY.format("i.due_on"),
        "issued_day": _DAY.format("v.issued_on"),
    }


def _add_instalments(
    ledger: Ledger,
    params: dict[str, Any],
    filters: dict[str, str],
    sums: dict[tuple[int, str], _Sums],
    lookback: int,
    buckets: Buckets | None,
) -> None:
    """Each instalment's part in its client's sums: what is outstanding and overdue (in each of `buckets`, if
    given), and, settled with money, how late. Two streams in instalment order (the instalments, what each
    received) merged here; days are counted on day numbers (`_DAY`), the same on both sides."""
    as_of, window_start, before_start = params["as_of"], params["window_start"], params["before_start"]
    today = _day_number(as_of)
    system = {r[0]: r[1] for r in ledger.rows(_SYSTEM.format(**filters), params)}
    received = ledger.tuples(_RECEIVED.format(**filters), params)
    got = next(received, None)
    bounds = (window_start, before_start, lookback)
    for instalment, amount, due_on, due_day, client, currency, issued_on, issued_day, state in ledger.tuples(
        _PARTS.format(**filters), params
    ):
        while got is not None and got[0] < instalment:  # allocations of instalments not listed (credit notes)
            got = next(received, None)
        paid = 0
        settled = None
        if got is not None and got[0] == instalment:
            _, paid, last_on, last_day, smallest = got
            if smallest > 0 and instalment not in system and paid <= amount:  # only money, only ever up
                if paid == amount:
                    settled, settled_day = last_on, last_day
            else:
                settled = _settled(ledger, got, amount, as_of)
                settled_day = _day_number(settled) if settled else 0
            got = next(received, None)
        total = sums[(client, currency)]
        if issued_on > window_start:
            total.sales_window += amount
        if state != "issued":
            continue
        left = amount - paid
        total.outstanding += left
        if buckets is not None and left and amount > 0:  # as the aging: a part with nothing to pay owes nothing
            total.aged = total.aged or [0] * len(buckets.names)
            total.aged[buckets.index(today - due_day)] += left
        if due_on < as_of:
            total.overdue += left
            if left > 0 and (total.oldest_due is None or due_on < total.oldest_due):
                total.oldest_due = due_on
        if settled is None:
            continue
        money = paid - system[instalment] if instalment in system else paid
        if money <= 0:
            continue
        total.add_paid(settled, settled_day, due_day, issued_day, money, instalment, bounds)


def _day_number(day: str) -> int:
    """`_DAY` of an ISO date, in Python."""
    return date.fromisoformat(day).toordinal() + _DAY_OFFSET


def _settled(ledger: Ledger, got: Any, amount: int, as_of: str) -> str | None:
    """The day an instalment was settled, when the sums cannot tell it (`_add_instalments` reads it from them
    when every allocation was money and positive and none went beyond the amount): when what it received
    first reached its amount, dated by the last money received if a credit note or a discount finished it."""
    _, paid, _, _, smallest = got
    if paid < amount and smallest > 0:
        return None  # it only ever went up, and never reached the amount
    running, last_money, settled = 0, None, None
    for applied_on, cents, by_system in ledger.rows(_ALLOCATIONS, (got[0], as_of)):
        running += cents
        if not by_system:
            last_money = applied_on if last_money is None or applied_on > last_money else last_money
        if running >= amount:
            day = (last_money or applied_on) if by_system else applied_on
            settled = day if settled is None or day < settled else settled
    return settled
