"""What matching needs of the ledger, read once per import: every invoice with money owing (its RF reference,
its open instalments, its early-payment discount), the debtors' IBANs known for each client, the clients'
names, and the invoices that were chased together in one reminder (a transfer often pays a whole letter).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from dunner.core.invoicing import discount_amount
from dunner.core.matching import Book, Due
from dunner.core.money import Money
from dunner.core.payment import reference_key
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import INSTALMENTS

GROUPS_DAYS = 180  # reminders older than this are not taken for what a transfer pays

OPEN = f"""
    SELECT o.invoice_id, o.client_id, o.number, o.currency, o.due_on, o.amount_cents - o.paid_cents AS left_cents,
           v.issued_on, v.total_cents, v.prepaid_cents, v.discount_rate, v.discount_days,
           (SELECT COALESCE(SUM(n.total_cents), 0) FROM invoice n
            WHERE n.kind = 'credit_note' AND n.related_invoice_id = o.invoice_id) AS credited_cents
    FROM ({INSTALMENTS}) o JOIN invoice v ON v.id = o.invoice_id
    WHERE o.amount_cents > o.paid_cents AND v.kind <> 'credit_note'
    ORDER BY o.client_id, o.due_on, o.issued_on, o.number, o.seq
"""


def build_book(ledger: Ledger, as_of: date) -> Book:
    """The matching book as of `as_of` (what is owed that day)."""
    dues: dict[int, Due] = {}
    for row in ledger.rows(OPEN, {"as_of": as_of.isoformat()}):
        due = dues.get(row["invoice_id"])
        if due is None:
            due = dues[row["invoice_id"]] = Due(
                row["client_id"],
                row["number"],
                row["currency"],
                0,
                (),
                reference_key(row["number"], row["invoice_id"]),
            )
            _discount(due, row)
        due.owed += row["left_cents"]
        due.instalments = (*due.instalments, row["left_cents"])
    for due in dues.values():
        if due.discounted is not None:  # the discount is on what was asked, taken off what is left
            due.discounted = due.owed - due.discounted
        if len(due.instalments) == 1:
            due.instalments = ()  # one instalment is the invoice itself
    ibans: dict[str, set[int]] = defaultdict(set)
    for row in ledger.rows("SELECT iban, client_id FROM client_iban"):
        ibans[row["iban"]].add(row["client_id"])
    names = {row["id"]: row["name"] for row in ledger.rows("SELECT id, name FROM client")}
    return Book(list(dues.values()), dict(ibans), names, _groups(ledger, as_of))


def _discount(due: Due, row: object) -> None:
    """An early-payment discount (its amount for now; `build_book` makes it what settles the invoice)."""
    if not row["discount_rate"]:  # type: ignore[index]
        return
    asked = row["total_cents"] - row["prepaid_cents"] - row["credited_cents"]  # type: ignore[index]
    rate = Decimal(row["discount_rate"])  # type: ignore[index]
    due.discounted = discount_amount(Money(asked, due.currency), rate).minor
    due.deadline = date.fromisoformat(row["issued_on"]) + timedelta(days=row["discount_days"])  # type: ignore[index]


def _groups(ledger: Ledger, as_of: date) -> dict[int, list[tuple[str, ...]]]:
    """The invoices each recent reminder was about, when it was about several (a consolidated message)."""
    messages: dict[str, tuple[int, list[str]]] = {}
    for row in ledger.rows(
        "SELECT r.message_id, v.client_id, v.number FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
        " JOIN invoice v ON v.id = i.invoice_id WHERE r.status = 'sent' AND r.message_id IS NOT NULL"
        " AND r.acted_on >= ? AND r.acted_on <= ? ORDER BY r.id",
        ((as_of - timedelta(days=GROUPS_DAYS)).isoformat(), as_of.isoformat()),
    ):
        client, numbers = messages.setdefault(row["message_id"], (row["client_id"], []))
        if row["number"] not in numbers:
            numbers.append(row["number"])
    groups: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for client, numbers in messages.values():
        if len(numbers) > 1 and tuple(numbers) not in groups[client]:
            groups[client].append(tuple(numbers))
    return dict(groups)
