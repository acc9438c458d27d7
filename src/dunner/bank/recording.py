"""What a bank line becomes in the ledger: a payment recorded as `dunner pay` records one, a payment
reversed (a return, or a person's 'unmatch'), a proposal or an ignored line, each with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.matching import MATCHED, Match
from dunner.core.money import Money
from dunner.core.payment import compact_iban, rib_key_ok
from dunner.core.statements import Line
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import Client, get_client
from dunner.ledger.invoices import get_invoice
from dunner.ledger.payments import NewPayment, apply_new_payment
from dunner.ledger.reversals import reverse_payment

BY_HAND_DAYS = 5  # a payment typed by hand this close to the booking date may be the same money
ALREADY = "already recorded"
# A payment that counts: neither reversed nor a reversal (SQL on the payment `p`).
STANDING = "p.reverses_id IS NULL AND NOT EXISTS (SELECT 1 FROM payment r WHERE r.reverses_id = p.id)"


@dataclass
class Known:
    """What recording many lines in one transaction looks up again and again: the clients by id, and the
    (IBAN, client) pairs on record (the bank import starts it from its book)."""

    clients: dict[int, Client] = field(default_factory=dict)
    ibans: set[tuple[str, int]] = field(default_factory=set)

    def client(self, ledger: Ledger, client_id: int) -> Client:
        if client_id not in self.clients:
            self.clients[client_id] = get_client(ledger, client_code(ledger, client_id))
        return self.clients[client_id]


def set_line(ledger: Ledger, line_id: int, status: str, **values: Any) -> None:
    """Record what became of a line (status, client, invoices, payment, reason)."""
    columns = {"status": status, **values}
    ledger.execute(
        f"UPDATE bank_line SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?", [*columns.values(), line_id]
    )


def client_code(ledger: Ledger, client_id: int) -> str:
    return ledger.scalar("SELECT code FROM client WHERE id = ?", (client_id,))


def typed_by_hand(ledger: Ledger, client_id: int, line: Line) -> int | None:
    """A payment of the same amount recorded by hand around the booking date, no bank line behind it."""
    return ledger.scalar(
        "SELECT p.id FROM payment p WHERE p.client_id = ? AND p.amount_cents = ? AND p.currency = ?"
        f" AND p.received_on BETWEEN ? AND ? AND {STANDING}"
        " AND NOT EXISTS (SELECT 1 FROM bank_line b WHERE b.payment_id = p.id) ORDER BY p.id LIMIT 1",
        (
            client_id,
            line.amount.minor,
            line.amount.currency,
            (line.booked_on - timedelta(days=BY_HAND_DAYS)).isoformat(),
            (line.booked_on + timedelta(days=BY_HAND_DAYS)).isoformat(),
        ),
    )


def record(
    ledger: Ledger, config: Config, line_id: int, line: Line, match: Match, *, by: str = "", known: Known | None = None
) -> Match:
    """Record a match as a payment (method transfer, the bank's reference, the booking date) and learn the
    debtor's IBAN. A payment already typed by hand for this money makes it a proposal instead."""
    assert match.status == MATCHED and match.client_id is not None
    if known is None:
        known = Known()
    client = known.client(ledger, match.client_id)
    reference = line_reference(ledger, client.id, line, line_id)
    same = ledger.scalar(
        f"SELECT p.id FROM payment p WHERE p.client_id = ? AND p.reference = ? AND {STANDING}", (client.id, reference)
    )
    if same is None and not by:
        same = typed_by_hand(ledger, client.id, line)
        if same is not None:
            why = f"{match.reason}; but payment #{same} of that amount was recorded by hand: the same money?"
            return Match("proposed", client.id, match.invoices, why)
    if same is not None:  # the user recorded it with the bank's reference already
        why = f"{ALREADY}: #{same}"
        set_line(ledger, line_id, MATCHED, client_id=client.id, payment_id=same, reason=why)
        return Match(MATCHED, client.id, match.invoices, why)
    invoices = tuple(get_invoice(ledger, n) for n in match.invoices)
    payment_id, applied, _ = apply_new_payment(
        ledger,
        config,
        NewPayment(
            client=client,
            amount=line.amount,
            received_on=line.booked_on,
            method="transfer",
            reference=reference,
            invoice=invoices[0] if len(invoices) == 1 else None,
            invoices=invoices if len(invoices) > 1 else (),
            note=f"bank line {line_id}" + (f", matched by {by}" if by else ""),
        ),
    )
    set_line(
        ledger,
        line_id,
        MATCHED,
        client_id=client.id,
        invoices=" ".join(a.number for a in applied) or None,
        payment_id=payment_id,
        reason=match.reason,
    )
    learn_iban(ledger, client.id, line.debtor_iban, "learned", known)
    return match


def base_reference(line: Line, line_id: int) -> str:
    """The reference a payment made from this line is recorded with, unless a reversed payment holds it."""
    return (line.bank_ref or (f"{line.end_to_end} {line.booked_on}" if line.end_to_end else f"bank line {line_id}"))[
        :90
    ]


def line_reference(ledger: Ledger, client_id: int, line: Line, line_id: int) -> str:
    """The payment's reference: the bank's own, else the payer's end-to-end id with the day (a payer may use
    one id again), else the line. One that a reversed payment holds (a match undone) gets a suffix."""
    base = base_reference(line, line_id)
    reference, n = base, 1
    while ledger.scalar(
        "SELECT 1 FROM payment p WHERE p.client_id = ? AND p.reference = ? AND NOT " + f"({STANDING})",
        (client_id, reference),
    ):
        n += 1
        reference = f"{base} ({n})"
    return reference


def learn_iban(ledger: Ledger, client_id: int, iban: str, source: str, known: Known | None = None) -> None:
    """Keep the IBAN a client paid from (once: a pair already on record, or in `known`, is left as it is)."""
    if not iban or (known is not None and (iban, client_id) in known.ibans):
        return
    ledger.execute(
        "INSERT INTO client_iban (client_id, iban, source, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (iban, client_id) DO NOTHING",
        (client_id, iban, source, utc_now()),
    )
    if known is not None:
        known.ibans.add((iban, client_id))


def give_ibans(ledger: Ledger, client_id: int, ibans: list[str]) -> None:
    """IBANs a client pays from, given by a person (`--iban`): checked (the IBAN's check digits, and a
    French one's RIB key), then known like the ones learnt from matched payments."""
    from dunner.core.identifiers import iban as checked

    for given in ibans:
        compact = compact_iban(checked(given))
        if not rib_key_ok(compact):
            raise BadInput(f"IBAN '{given}' has a wrong RIB key (clé RIB)")
        learn_iban(ledger, client_id, compact, "given")


def take_back(ledger: Ledger, line_id: int, on: date, why: str) -> int | None:
    """Reverse the payment a matched line made (a reversing entry) and re-open what it settled."""
    row = ledger.one("SELECT payment_id FROM bank_line WHERE id = ?", (line_id,))
    if row is None or row["payment_id"] is None:
        return None
    reversed_already = ledger.scalar("SELECT id FROM payment WHERE reverses_id = ?", (row["payment_id"],))
    return reversed_already or reverse_payment(ledger, row["payment_id"], on, why)


def handle_return(ledger: Ledger, line_id: int, line: Line) -> tuple[str, str]:
    """A payment coming back: find the credit it returns (by end-to-end id, else the payer's IBAN and the
    amount), reverse the payment it made; one dunner never recorded is set aside. The new status and why."""
    original = ledger.one(
        "SELECT b.id, b.payment_id, b.status FROM bank_line b WHERE b.amount_cents = ? AND b.currency = ?"
        " AND b.id <> ? AND b.booked_on <= ? AND COALESCE(b.reason, '') NOT LIKE '%returned on %'"
        " AND ((b.end_to_end <> '' AND b.end_to_end = ?) OR (b.debtor_iban <> '' AND b.debtor_iban = ?))"
        " AND (b.status IN ('proposed', 'unmatched') OR (b.payment_id IS NOT NULL AND NOT EXISTS"
        "      (SELECT 1 FROM payment r WHERE r.reverses_id = b.payment_id)))"
        " ORDER BY CASE WHEN b.end_to_end = ? THEN 0 ELSE 1 END, CASE WHEN b.payment_id IS NULL THEN 1 ELSE 0 END,"
        " b.booked_on DESC, b.id DESC LIMIT 1",
        (
            -line.amount.minor,
            line.amount.currency,
            line_id,
            line.booked_on.isoformat(),
            line.end_to_end,
            line.debtor_iban,
            line.end_to_end,
        ),
    )
    code = f" ({line.return_reason})" if line.return_reason else ""
    if original is None:
        return "ignored", f"a payment returned{code} that dunner did not record"
    back = f"; returned on {line.booked_on}{code}"
    if original["payment_id"] is None:  # never recorded: the money went back, nothing to decide any more
        ledger.execute(
            "UPDATE bank_line SET status = 'ignored', reason = COALESCE(reason, '') || ? WHERE id = ?",
            (back, original["id"]),
        )
        return "ignored", f"return{code} of line {original['id']}, which was never recorded: both set aside"
    reversal = take_back(ledger, original["id"], line.booked_on, f"returned by the bank{code}, bank line {line_id}")
    ledger.execute("UPDATE bank_line SET reason = COALESCE(reason, '') || ? WHERE id = ?", (back, original["id"]))
    return MATCHED, f"return{code} of line {original['id']}: its payment reversed (#{reversal})"


def payment_amount(ledger: Ledger, line_id: int) -> Money:
    row = ledger.one("SELECT amount_cents, currency FROM bank_line WHERE id = ?", (line_id,))
    if row is None:
        raise BadInput(f"no bank line {line_id}", hint="see 'dunner bank lines --status all'")
    return Money(row["amount_cents"], row["currency"])
