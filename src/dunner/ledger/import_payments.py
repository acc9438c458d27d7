"""Importing payments: each applied as 'dunner pay' applies it; a reference already recorded is not recorded twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from dunner.core import validate
from dunner.core.errors import RowError
from dunner.core.money import check_currency, parse_amount
from dunner.edges.csvio import Record
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import Client, list_clients
from dunner.ledger.importing import Importer, lookup_client


def _payment_parser(run: Importer, clients: dict[str, Client]) -> Callable[[validate.Checker, dict[str, str]], Any]:
    from dunner.ledger.invoices import get_invoice
    from dunner.ledger.payments import NewPayment
    from dunner.ledger.settling import METHODS

    def parse(chk: validate.Checker, raw: dict[str, str]) -> NewPayment | None:
        client = chk("client", lookup_client, clients, raw["client"])
        invoice = chk("invoice", get_invoice, run.ledger, raw["invoice"]) if raw.get("invoice") else None
        if invoice is not None and client is not None and invoice.client_id != client.id:
            chk.problems.append(("invoice", f"invoice {invoice.number} is not {client.code}'s"))
        default = invoice.currency if invoice else client.currency if client else None
        currency = (
            chk("currency", check_currency, raw.get("currency") or default) if default or raw.get("currency") else None
        )
        if invoice is not None and currency is not None and currency != invoice.currency:
            chk.problems.append(("currency", f"invoice {invoice.number} is in {invoice.currency}"))
        amount = chk("amount", parse_amount, raw["amount"], currency) if currency else None
        received = chk("date", run.date, raw["date"])
        method = chk("method", validate.choice, raw.get("method") or "transfer", METHODS, "method")
        reference = chk("reference", validate.line, raw.get("reference"), "reference", max_len=100)
        note = chk("note", validate.line, raw.get("note"), "note", max_len=500)
        if chk.problems or client is None or amount is None or received is None or method is None:
            return None
        return NewPayment(client, amount, received, method, reference, invoice, note)

    return parse


def import_payments(run: Importer, records: Iterator[Record]) -> None:
    from dunner.ledger.payments import write_payment

    clients = {c.code.lower(): c for c in list_clients(run.ledger)}
    parse = _payment_parser(run, clients)
    by_reference: dict[tuple[int, str], int] = {}
    in_file: Counter[tuple[int, str, int, str]] = Counter()
    fresh = []
    for record in records:
        new = run.check(record, parse)
        if new is None:
            continue
        if new.reference is not None:
            key = (new.client.id, new.reference)
            if key in by_reference:
                run.errors.append(
                    RowError(
                        record.line,
                        "reference",
                        f"reference {new.reference} already on line {by_reference[key]}",
                    )
                )
                continue
            by_reference[key] = record.line
            is_new = _new_by_reference(run, record.line, new)
        else:
            same = (new.client.id, new.received_on.isoformat(), new.amount.minor, new.amount.currency)
            in_file[same] += 1
            is_new = in_file[same] > _recorded_without_reference(run.ledger, same)
        if is_new:
            fresh.append((new.received_on, record.line, new))
        elif is_new is False:
            run.report.unchanged += 1
    if run.errors:
        return
    for _, _, new in sorted(fresh, key=lambda item: item[:2]):
        write_payment(run.ledger, run.config, new)
    run.report.added += len(fresh)


def _new_by_reference(run: Importer, line: int, new: Any) -> bool | None:
    """True if the reference is new; False if the same payment is recorded; None (an error) if it differs."""
    old = run.ledger.one(
        "SELECT received_on, amount_cents, currency FROM payment WHERE client_id = ? AND reference = ?",
        (new.client.id, new.reference),
    )
    if old is None:
        return True
    if (old["received_on"], old["amount_cents"], old["currency"]) == (
        new.received_on.isoformat(),
        new.amount.minor,
        new.amount.currency,
    ):
        return False
    run.errors.append(RowError(line, "reference", f"a different payment with reference {new.reference} is recorded"))
    return None


def _recorded_without_reference(ledger: Ledger, key: tuple[int, str, int, str]) -> int:
    return ledger.scalar(
        "SELECT COUNT(*) FROM payment WHERE client_id = ? AND received_on = ? AND amount_cents = ?"
        " AND currency = ? AND reference IS NULL",
        key,
    )
