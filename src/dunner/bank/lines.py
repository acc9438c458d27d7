"""People decide the rest: `dunner bank lines`, `bank match`, `bank ignore`, `bank unmatch`.

A line matched by hand is recorded as a matched line is (a payment, method transfer, the bank's reference,
the booking date) and teaches dunner the debtor's IBAN. Unmatching reverses the payment the line made with
a reversing entry, never a deletion, so the invoices it had settled are owed (and chased) again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.bank.recording import client_code, record, set_line, take_back
from dunner.core.errors import BadInput, Conflict
from dunner.core.matching import MATCHED, Match
from dunner.core.money import Money
from dunner.core.statements import Line
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import get_client
from dunner.ledger.invoices import get_invoice

STATUSES = ("matched", "proposed", "unmatched", "ignored")
COLUMNS = [
    "line", "account", "booked", "amount", "currency", "debtor", "debtor_iban", "reference", "text", "status",
    "client", "invoices", "payment", "reason",
]  # fmt: skip
LIST = """
    SELECT b.id, b.account, b.booked_on, b.amount_cents, b.currency, b.debtor, b.debtor_iban, b.reference, b.text,
           b.status, c.code AS client, b.invoices, b.payment_id, b.reason
    FROM bank_line b LEFT JOIN client c ON c.id = b.client_id
"""


def list_lines(ledger: Ledger, status: str) -> Iterator[dict[str, Any]]:
    """The stored lines with what became of them, in booking order (streamed)."""
    if status != "all" and status not in STATUSES:
        raise BadInput(f"unknown status '{status}'", hint=f"use one of {', '.join(STATUSES)} or all")
    where, params = ("", ()) if status == "all" else (" WHERE b.status = ?", (status,))
    for row in ledger.rows(f"{LIST}{where} ORDER BY b.booked_on, b.id", params):
        yield {
            "line": row["id"],
            "account": row["account"],
            "booked": date.fromisoformat(row["booked_on"]),
            "amount": Money(row["amount_cents"], row["currency"]),
            "currency": row["currency"],
            "debtor": row["debtor"] or "",
            "debtor_iban": row["debtor_iban"] or "",
            "reference": row["reference"] or "",
            "text": row["text"] or "",
            "status": row["status"],
            "client": row["client"] or "",
            "invoices": row["invoices"] or "",
            "payment": row["payment_id"],
            "reason": row["reason"] or "",
        }


def _line(ledger: Ledger, line_id: int) -> tuple[Any, Line]:
    row = ledger.one("SELECT * FROM bank_line WHERE id = ?", (line_id,))
    if row is None:
        raise BadInput(f"no bank line {line_id}", hint="see 'dunner bank lines --status all'")
    line = Line(
        account=row["account"],
        booked_on=date.fromisoformat(row["booked_on"]),
        amount=Money(row["amount_cents"], row["currency"]),
        text=row["text"] or "",
        debtor=row["debtor"] or "",
        debtor_iban=row["debtor_iban"] or "",
        bank_ref=row["bank_ref"] or "",
        end_to_end=row["end_to_end"] or "",
    )
    return row, line


def match_line(ledger: Ledger, config: Config, line_id: int, invoices: list[str], client: str | None) -> dict[str, Any]:
    """Record line `line_id` as the payment of `invoices` (or of `client`'s open invoices, oldest due first)."""
    row, line = _line(ledger, line_id)
    if row["status"] == MATCHED:
        raise Conflict(f"bank line {line_id} is matched already", hint=f"'dunner bank unmatch {line_id}' first")
    if not line.credit:
        raise BadInput(f"bank line {line_id} is a debit: only money in pays invoices")
    if bool(invoices) == bool(client):
        raise BadInput("give the INVOICE numbers the line pays, or --client CODE")
    found = [get_invoice(ledger, number) for number in invoices]
    owners = {invoice.client_id for invoice in found} or {get_client(ledger, client or "").id}
    if len(owners) > 1:
        raise BadInput("these invoices are not all of one client: one transfer, one client")
    client_id = owners.pop()
    for invoice in found:
        if invoice.kind == "credit_note":
            raise BadInput(f"{invoice.number} is a credit note: it is not paid")
        if invoice.status != "issued":
            raise BadInput(f"{invoice.number} is {invoice.status.replace('_', ' ')}: nothing is owed on it")
        left = ledger.scalar(
            "SELECT COALESCE(SUM(i.amount_cents), 0) - COALESCE((SELECT SUM(a.amount_cents) FROM allocation a"
            " JOIN instalment j ON j.id = a.instalment_id WHERE j.invoice_id = :id), 0) FROM instalment i"
            " WHERE i.invoice_id = :id",
            {"id": invoice.id},
        )
        if left <= 0:
            raise BadInput(
                f"{invoice.number} is paid already",
                hint="'dunner bank match LINE --client CODE' keeps the money as the client's credit",
            )
        if invoice.currency != line.amount.currency:
            raise BadInput(f"{invoice.number} is in {invoice.currency}, the line in {line.amount.currency}")
    with ledger.transaction():
        done = record(
            ledger,
            config,
            line_id,
            line,
            Match(MATCHED, client_id, tuple(i.number for i in found), "matched by hand"),
            by="hand",
        )
    return {"line": line_id, "client": client_code(ledger, client_id), "reason": done.reason, "amount": line.amount}


def ignore_line(ledger: Ledger, line_id: int, reason: str) -> None:
    row, _ = _line(ledger, line_id)
    if row["status"] == MATCHED:
        raise Conflict(f"bank line {line_id} is matched", hint=f"'dunner bank unmatch {line_id}' first")
    if not reason.strip():
        raise BadInput("say why the line is ignored (--reason)")
    set_line(ledger, line_id, "ignored", reason=f"ignored by hand: {reason.strip()}")


def unmatch_line(ledger: Ledger, line_id: int, on: date) -> int | None:
    """Undo a match: reverse the payment the line created (dated `on`), forget the IBAN it taught.

    A line matched to a payment typed by hand only lets go of it: that payment was not the bank's to undo.
    Returns the reversing payment's id (None when nothing was reversed)."""
    row, line = _line(ledger, line_id)
    if row["status"] != MATCHED or row["payment_id"] is None:
        raise BadInput(f"bank line {line_id} is {row['status']}, not matched to a payment")
    payment = ledger.one("SELECT note, received_on FROM payment WHERE id = ?", (row["payment_id"],))
    made_here = payment is not None and (payment["note"] or "").startswith(f"bank line {line_id}")
    if made_here and on < date.fromisoformat(payment["received_on"]):
        raise BadInput(
            f"the line's payment was received on {payment['received_on']}: it is undone on that day or later"
        )
    with ledger.transaction():
        reversal = take_back(ledger, line_id, on, f"bank line {line_id} unmatched") if made_here else None
        what = (
            f"payment #{row['payment_id']} reversed by #{reversal}" if reversal else f"let go of #{row['payment_id']}"
        )
        set_line(ledger, line_id, "unmatched", client_id=None, invoices=None, payment_id=None,
                 reason=f"unmatched by hand on {on}: {what}")  # fmt: skip
        if line.debtor_iban and row["client_id"] is not None:
            _forget_iban(ledger, row["client_id"], line.debtor_iban)
    return reversal


def _forget_iban(ledger: Ledger, client_id: int, iban: str) -> None:
    """An IBAN learnt from matches is forgotten when no matched line of that client shows it any more."""
    still = ledger.scalar(
        "SELECT 1 FROM bank_line WHERE client_id = ? AND debtor_iban = ? AND status = 'matched' LIMIT 1",
        (client_id, iban),
    )
    if not still:
        ledger.execute(
            "DELETE FROM client_iban WHERE client_id = ? AND iban = ? AND source = 'learned'", (client_id, iban)
        )


def doubtful_credits(ledger: Ledger, as_of: date) -> Iterator[dict[str, Any]]:
    """Money in that dunner did not record by itself, booked by `as_of`: proposals first, then unmatched
    (the agenda lists them: until a person decides, the invoices they may pay are still chased)."""
    for row in ledger.rows(
        f"{LIST} WHERE b.status IN ('proposed', 'unmatched') AND b.amount_cents > 0 AND b.booked_on <= ?"
        " ORDER BY b.status, b.booked_on, b.id",
        (as_of.isoformat(),),
    ):
        line = row["id"]
        either = " or " in (row["reason"] or "") and " " in (row["invoices"] or "")
        if either:  # alternatives, not one transfer for all of them
            todo = f"dunner bank match {line} " + " or ".join(row["invoices"].split())
        elif row["status"] == "proposed" and row["invoices"]:
            todo = f"dunner bank match {line} {row['invoices']}"
        else:
            todo = f"dunner bank match {line} INVOICE..., or dunner bank ignore {line} --reason ..."
        yield {
            "kind": f"bank-{row['status']}",
            "client": row["client"] or "",
            "invoice": row["invoices"] or "",
            "contact": row["debtor"] or "",
            "phone": "",
            "amount": Money(row["amount_cents"], row["currency"]),
            "since": date.fromisoformat(row["booked_on"]),
            "detail": f"bank line {line}: {row['reason'] or row['text'] or ''} ({todo})",
        }
