"""Recording the matched lines of one import together: what `record` (recording.py) does a line at a time,
the same rules run in memory, the rows written in batches.

A statement records thousands of payments in one transaction, and `record` asks the ledger eight questions
a line. Here each client's open instalments are read once, when a line of the file first pays that client
(one query a client for the first `ONE_BY_ONE` clients, then every other client's in one pass), kept as
rows until a payment names their invoice, and kept up to date in memory as the file's payments are
applied; the allocations, the lines' outcomes and
the IBANs learnt are written with `executemany`; and each line asks the ledger only what it alone can
answer (does a payment of that client hold the bank's reference already? was one of that amount typed by
hand around that day?) and inserts its payment. The rows are those `record` writes, in the same order
(tests/bank/test_bank_bulk.py compares the two paths table by table). A payment that earns an early-payment
discount goes through `record` itself, since its credit note reads the ledger: what waits is written
first, and that client's instalments are read again afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dunner.bank.recording import ALREADY, BY_HAND_DAYS, STANDING, Known, base_reference, line_reference, record
from dunner.core.allocation import OpenItem, allocate
from dunner.core.matching import MATCHED, PROPOSED, Match
from dunner.core.statements import Line
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import FOREVER, INSTALMENTS

# `open_instalments(ledger, client_id=...)`'s query (as of FOREVER), its columns in a fixed order; for
# every client at once (`_ALL`), in the same order within each client.
_COLUMNS = "instalment_id, invoice_id, number, seq, issued_on, due_on, currency, amount_cents - paid_cents, client_id"
_OPEN = (
    f"SELECT {_COLUMNS} FROM ({INSTALMENTS} AND v.client_id = :client_id) WHERE amount_cents > paid_cents"
    " ORDER BY due_on, issued_on, number, seq"
)
_ALL = (
    f"SELECT {_COLUMNS} FROM ({INSTALMENTS}) WHERE amount_cents > paid_cents"
    " ORDER BY client_id, due_on, issued_on, number, seq"
)
_DISCOUNTS = "SELECT id, client_id FROM invoice WHERE discount_rate IS NOT NULL AND status = 'issued'"
# Clients read one at a time before the rest of the ledger's are read in one pass: a statement that pays
# many clients costs one query, not one a client, and a short one does not read the whole ledger.
ONE_BY_ONE = 32
_BY_REFERENCE = f"SELECT p.id, CASE WHEN {STANDING} THEN 1 ELSE 0 END AS standing FROM payment p"
_BY_HAND = (
    "SELECT p.id FROM payment p WHERE p.client_id = ? AND p.amount_cents = ? AND p.currency = ?"
    f" AND p.received_on BETWEEN ? AND ? AND {STANDING}"
    " AND NOT EXISTS (SELECT 1 FROM bank_line b WHERE b.payment_id = p.id) ORDER BY p.id"
)


@dataclass(slots=True)
class _Open:
    """An open instalment of a client (as allocation saw it when read), and what it still owes after this
    file's payments so far."""

    item: OpenItem
    invoice_id: int
    currency: str
    left: int

    def now(self) -> OpenItem:
        i = self.item
        return (
            i
            if i.open_minor == self.left
            else OpenItem(i.instalment_id, i.due_on, i.issued_on, i.number, i.seq, self.left)
        )


class _Rows(list):
    """An invoice's open instalments as `_COLUMNS` rows, not made `_Open` yet."""


def _opens(theirs: dict[str, list], number: str) -> list[_Open]:
    """The open instalments of invoice `number` in `theirs` (a client's), made `_Open` the first time."""
    found = theirs.get(number)
    if found is None:
        return []
    if type(found) is _Rows:
        theirs[number] = found = [_open(r) for r in found]
    return found


def _open(r: Any) -> _Open:
    item = OpenItem(r[0], date.fromisoformat(r[5]), date.fromisoformat(r[4]), r[2], r[3], r[7])
    return _Open(item, r[1], r[6], r[7])


def _oldest(o: _Open) -> tuple:
    return (o.item.due_on, o.item.issued_on, o.item.number, o.item.seq)


@dataclass
class Bulk:
    """Records the matched lines of one import (in the import's transaction); `flush` writes what waits."""

    ledger: Ledger
    config: Config
    known: Known
    now: str = field(default_factory=utc_now)
    # client id -> its open instalments by invoice number, each invoice's oldest due first
    open: dict[int, dict[str, list]] = field(default_factory=dict)  # _Open, or _Rows not read yet
    discounts: dict[int, set[int]] = field(default_factory=dict)  # client id -> its invoices with discount terms
    linked: set[int] = field(default_factory=set)  # payments a line of this file holds, not written yet
    allocations: list[tuple] = field(default_factory=list)
    outcomes: list[tuple] = field(default_factory=list)  # (status, client, invoices, payment, reason, line)
    ibans: list[tuple] = field(default_factory=list)
    all_read: bool = False  # every client's open instalments are in `open` (`_load_all`)

    def record(self, line_id: int, line: Line, match: Match) -> Match:
        """`record(ledger, config, line_id, line, match, known=...)`, its writes batched (see the module)."""
        assert match.status == MATCHED and match.client_id is not None
        client = self.known.client(self.ledger, match.client_id).id
        reference, same = self._same(client, line, line_id)
        if same is None:
            by_hand = self._typed_by_hand(client, line)
            if by_hand is not None:
                why = f"{match.reason}; but payment #{by_hand} of that amount was recorded by hand: the same money?"
                return Match(PROPOSED, client, match.invoices, why)
        else:
            why = f"{ALREADY}: #{same}"
            self.linked.add(same)
            self.outcomes.append((MATCHED, client, None, same, why, line_id))
            return Match(MATCHED, client, match.invoices, why)
        targets = self._targets(client, line.amount.currency, set(match.invoices))
        pairs, _left = allocate(line.amount.minor, [item for item, _ in targets])
        paid = {id(item) for item, _ in pairs}
        if any(open_.invoice_id in self.discounts[client] for item, open_ in targets if id(item) in paid):
            return self._alone(line_id, line, match)
        payment_id = self.ledger.insert(
            "INSERT INTO payment (client_id, received_on, amount_cents, currency, method, reference, note,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                client,
                line.booked_on.isoformat(),
                line.amount.minor,
                line.amount.currency,
                "transfer",
                reference,
                f"bank line {line_id}",
                self.now,
            ),
        )
        by_item = {id(item): open_ for item, open_ in targets}
        for item, cents in pairs:
            by_item[id(item)].left -= cents
            applied_on = max(line.booked_on, item.issued_on).isoformat()
            self.allocations.append((payment_id, item.instalment_id, cents, applied_on, self.now))
        numbers = " ".join(item.number for item, _ in pairs) or None
        self.linked.add(payment_id)
        self.outcomes.append((MATCHED, client, numbers, payment_id, match.reason, line_id))
        if line.debtor_iban and (line.debtor_iban, client) not in self.known.ibans:
            self.ibans.append((client, line.debtor_iban, "learned", self.now))
            self.known.ibans.add((line.debtor_iban, client))
        return match

    def flush(self) -> None:
        """Write the allocations, the lines' outcomes and the IBANs learnt that wait, in the order they came."""
        if self.allocations:
            self.ledger.executemany(
                "INSERT INTO allocation (payment_id, instalment_id, amount_cents, applied_on, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                self.allocations,
            )
        if self.outcomes:
            self.ledger.executemany(
                "UPDATE bank_line SET status = ?, client_id = ?, invoices = ?, payment_id = ?, reason = ? WHERE id = ?",
                self.outcomes,
            )
        if self.ibans:
            self.ledger.executemany(
                "INSERT INTO client_iban (client_id, iban, source, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (iban, client_id) DO NOTHING",
                self.ibans,
            )
        self.allocations, self.outcomes, self.ibans = [], [], []
        self.linked.clear()  # their lines now say so in the ledger

    def _same(self, client: int, line: Line, line_id: int) -> tuple[str, int | None]:
        """The payment's reference, and the payment that already holds it (still standing), if any."""
        reference = base_reference(line, line_id)
        row = self.ledger.one(f"{_BY_REFERENCE} WHERE p.client_id = ? AND p.reference = ?", (client, reference))
        if row is not None and not row["standing"]:  # a reversed payment holds it: the reference gets a suffix
            reference = line_reference(self.ledger, client, line, line_id)
            row = self.ledger.one(f"{_BY_REFERENCE} WHERE p.client_id = ? AND p.reference = ?", (client, reference))
        return reference, row["id"] if row is not None and row["standing"] else None

    def _typed_by_hand(self, client: int, line: Line) -> int | None:
        """`recording.typed_by_hand`, knowing which payments this file's lines hold (not written yet)."""
        window = (line.booked_on - timedelta(days=BY_HAND_DAYS), line.booked_on + timedelta(days=BY_HAND_DAYS))
        params = (client, line.amount.minor, line.amount.currency, window[0].isoformat(), window[1].isoformat())
        return next((r["id"] for r in self.ledger.all(_BY_HAND, params) if r["id"] not in self.linked), None)

    def _targets(self, client: int, currency: str, numbers: set[str]) -> list[tuple[OpenItem, _Open]]:
        """What a payment of the client goes to: the open instalments of `numbers` (all the client's when
        none is named) in `currency`, oldest due first, as `payments._targets` finds them."""
        if client not in self.open:
            if self.all_read:  # it owes nothing
                self.open[client], self.discounts[client] = {}, set()
            elif len(self.open) < ONE_BY_ONE:
                self._load(client)
            else:
                self._load_all()
                self.open.setdefault(client, {})
                self.discounts.setdefault(client, set())
        theirs = self.open[client]
        if not numbers:
            chosen = [o for number in list(theirs) for o in _opens(theirs, number)]
        else:
            chosen = [o for number in numbers for o in _opens(theirs, number)]
        if len(numbers) != 1:
            chosen.sort(key=_oldest)
        return [(o.now(), o) for o in chosen if o.left > 0 and o.currency == currency]

    def _load(self, client: int) -> None:
        """The client's open instalments (by invoice number, oldest due first: what `open_instalments` gives)
        and its invoices with discount terms, read when a line of the file first pays it."""
        self.open[client] = {}
        self._read(self.ledger.rows(_OPEN, {"as_of": FOREVER.isoformat(), "client_id": client}))
        self.discounts[client] = {r[0] for r in self.ledger.all(f"{_DISCOUNTS} AND client_id = ?", (client,))}

    def _load_all(self) -> None:
        """Every other client's open instalments and invoices with discount terms, in one pass each (what
        `_load` reads, for the clients not read yet: those read hold what this file's payments changed)."""
        read = set(self.open)
        self._read(r for r in self.ledger.rows(_ALL, {"as_of": FOREVER.isoformat()}) if r[8] not in read)
        for r in self.ledger.rows(_DISCOUNTS):
            if r[1] not in read:
                self.discounts.setdefault(r[1], set()).add(r[0])
        for client in self.open:
            self.discounts.setdefault(client, set())
        self.all_read = True

    def _read(self, rows: Iterable) -> None:
        """Keep the open instalments `rows` (`_COLUMNS`), each under its client and invoice number."""
        for r in rows:  # kept as read: most are never paid by the file (`_opens` makes them _Open when they are)
            self.open.setdefault(r[8], {}).setdefault(r[2], _Rows()).append(r)

    def _alone(self, line_id: int, line: Line, match: Match) -> Match:
        """A payment that earns an early-payment discount: `record` itself, after what waits is written; the
        client's instalments are read again afterwards (its credit note settled some)."""
        assert match.client_id is not None
        self.flush()
        try:
            with self.ledger.savepoint():
                return record(self.ledger, self.config, line_id, line, match, known=self.known)
        finally:
            self._load(match.client_id)
