"""Issuing invoices: lines and VAT, due dates within the law, instalment plans, deposits, gapless numbers.

An issued invoice is never edited or deleted (corrections are credit notes, see credits.py). Numbers
are claimed in the transaction that writes the invoice, so a failed creation burns no number, and
they follow issue dates within each series.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunner.core import validate
from dunner.core.errors import BadInput, Conflict
from dunner.core.invoicing import (
    Line,
    equal_instalments,
    explicit_instalments,
    has_zero_rate,
    parse_line,
    parse_rate,
    totals,
)
from dunner.core.money import Money, check_currency, parse_amount
from dunner.core.terms import due_date as terms_due_date
from dunner.core.terms import latest_legal_due
from dunner.core.vat import Exemption, chosen
from dunner.edges.config import Config
from dunner.edges.config_schema import CATEGORIES
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import Client, get_client
from dunner.ledger.invoices import credited_on
from dunner.ledger.writing import NewInvoice, Operation, write_invoice

DEFAULT_LINE = {"fr": "Prestations", "en": "Services"}
KINDS = ("invoice", "deposit", "credit_note")


def parse_discount(text: str | None) -> tuple[Decimal, int] | None:
    """Early-payment discount terms "2/10": 2 % off when paid within 10 days of the issue date."""
    if text is None or text.strip().lower() in ("", "none", "non", "0"):
        return None
    rate, sep, days = text.partition("/")
    if not sep:
        raise BadInput(f"discount '{text}' must read RATE/DAYS, e.g. 2/10 for 2 % within 10 days")
    value = parse_rate(rate, "discount rate")
    if not 0 < value < 100:
        raise BadInput("a discount rate must be above 0 and below 100 %")
    return value, validate.whole_days(days, "discount days")


def _lines(
    client: Client,
    config: Config,
    currency: str,
    amount: str | None,
    texts: list[str],
    vat: str | None,
    description: str | None,
) -> tuple[Line, ...]:
    """The invoice's lines: from --line texts, or the one-amount form."""
    franchise = config.business.vat_franchise
    if amount is not None and texts:
        raise BadInput("give an AMOUNT or --line, not both")
    if texts:
        return tuple(parse_line(t, currency, franchise=franchise) for t in texts)
    if amount is None:
        raise BadInput('give an AMOUNT, or the invoice\'s lines with --line "description;quantity;unit price;VAT"')
    text = validate.line(description, "description", max_len=500) or DEFAULT_LINE[client.language]
    if vat is not None:
        rate = parse_rate(vat)
        if franchise and rate:
            raise BadInput("the business is under the VAT franchise: no --vat")
        # with --vat, AMOUNT is before VAT (HT), like a line's unit price
        return (Line(text, Decimal(1), parse_amount(amount, currency), None if franchise else rate),)
    # an amount as it is (an invoice brought over, a VAT-free one): a single line without VAT breakdown
    return (Line(text, Decimal(1), parse_amount(amount, currency), None),)


def exemption_for(
    config: Config, client: Client, items: tuple[Line, ...], given: str | None
) -> tuple[Exemption | None, list[str]]:
    """Why the invoice's 0 % lines carry no VAT (given, else the client's), and warnings about it.

    A reason given for an invoice without 0 % lines, or under the VAT franchise (whose own mention
    covers every line), is refused; 0 % lines without a reason are issued with a warning."""
    zero = has_zero_rate(items)
    if given is None and not zero:
        return None, []
    given = given.strip() or None if given is not None else None  # blank: the client's, like an absent column
    explicit = given is not None and given.lower() != "none"
    if explicit and config.business.vat_franchise:
        raise BadInput("the business is under the VAT franchise: its mention covers every line; no --vat-exemption")
    if explicit and not zero:
        raise BadInput("--vat-exemption says why 0 % VAT lines carry none: this invoice has no 0 % line")
    key = given if given is not None else client.vat_exemption
    found = chosen(config, key) if zero else None
    notes = []
    if zero and found is None and given is None:
        notes.append(
            "0 % VAT lines without a reason: a French invoice must say why (--vat-exemption, or an import's"
            " vat_exemption column: reverse-charge, intra-eu, export or a [vat] exemptions key)"
        )
    if found is not None and found.category in ("AE", "K") and not client.vat_number:
        notes.append(
            f"{found.key} needs the client's VAT number on the invoice: {client.code} has none"
            f" (dunner edit-client {client.code} --vat-number ...)"
        )
    return found, notes


def due_date(
    issued_on: date, due_on: date | None, terms: int | None, end_of_month: bool | None, client: Client, config: Config
) -> date:
    """An explicit due date, else the issue date plus the given, client's or default terms."""
    if due_on is not None and (terms is not None or end_of_month):
        raise BadInput("give either a due date or terms, not both")
    if due_on is None:
        if terms is not None:
            days, eom = terms, bool(end_of_month)
        elif client.terms is not None:
            days, eom = client.terms, client.end_of_month
        else:
            days, eom = config.defaults.terms, bool(end_of_month)
        due_on = terms_due_date(issued_on, validate.days(days), eom)
    if due_on < issued_on:
        raise BadInput(f"due date {due_on} is before the issue date {issued_on}")
    return due_on


def _within_the_law(client: Client, config: Config, issued_on: date, last_due: date, force: bool) -> str | None:
    """French B2B caps on payment terms: refused beyond them unless forced (then noted on the invoice)."""
    if config.jurisdiction().law_for(client.law, client.kind).name != "fr-b2b":
        return None
    cap = latest_legal_due(issued_on)
    if last_due <= cap:
        return None
    if not force:
        raise BadInput(
            f"due date {last_due} is beyond the legal cap of {cap} (60 days, or 45 days end of month, from the "
            "invoice date: Code de commerce L441-10)",
            hint="shorten the terms, or --force if the contract allows it (the invoice will say so)",
        )
    return f"terms beyond the legal cap of {cap}, as agreed by contract"


def _deductions(
    ledger: Ledger, client: Client, currency: str, numbers: list[str], issued_on: date
) -> tuple[tuple[int, str, Money], ...]:
    out = []
    for number in numbers:
        row = ledger.one(
            "SELECT id, number, client_id, kind, currency, total_cents, issued_on, status FROM invoice"
            " WHERE number = ?",
            (number.strip(),),
        )
        if row is None or row["kind"] != "deposit":
            raise BadInput(f"'{number}' is not a deposit invoice")
        if row["client_id"] != client.id or row["currency"] != currency:
            raise BadInput(f"deposit {number} is not {client.code}'s in {currency}")
        if row["issued_on"] > issued_on.isoformat() or row["status"] != "issued":
            raise BadInput(f"deposit {number} cannot be deducted from an invoice issued on {issued_on}")
        if ledger.one("SELECT 1 FROM deposit_deduction WHERE deposit_id = ?", (row["id"],)):
            raise Conflict(f"deposit {number} is already deducted from another invoice")
        left = row["total_cents"] - credited_on(ledger, row["id"])  # a deposit credited in part counts for less
        if left <= 0:
            raise BadInput(f"deposit {number} is fully credited: there is nothing to deduct")
        out.append((row["id"], row["number"], Money(left, currency)))
    if len({d[0] for d in out}) != len(out):
        raise BadInput("the same deposit is deducted twice")
    return tuple(out)


def _plan(
    to_pay: Money, first_due: date, instalments: int | None, every: int | None, schedule: str | None
) -> tuple[tuple[date, Money], ...]:
    if schedule is not None and instalments is not None:
        raise BadInput("give --instalments or --schedule, not both")
    if every is not None and instalments is None:
        raise BadInput("--every goes with --instalments (equal parts every N days)")
    if not to_pay:
        if instalments is not None or schedule is not None:
            raise BadInput("the deposits deducted cover the whole invoice: there is nothing to spread over instalments")
        return ()  # settled by the deposits: nothing falls due
    if schedule is not None:
        return tuple(explicit_instalments(to_pay, schedule))
    if instalments is not None:
        return tuple(equal_instalments(to_pay, first_due, instalments, every if every is not None else 30))
    return ((first_due, to_pay),)


def _discount_terms(
    config: Config, discount: str | None, issued_on: date, plan: list[tuple[date, Money]]
) -> tuple[Decimal, int] | None:
    """The early-payment discount (--discount, else [invoice] discount), whose window ends by the first due date."""
    terms = parse_discount(discount if discount is not None else config.section("invoice").get("discount"))
    if terms and plan and issued_on + timedelta(days=terms[1]) > plan[0][0]:
        raise BadInput(
            f"the discount window ({terms[1]} days, to {issued_on + timedelta(days=terms[1])})"
            f" ends after the first due date {plan[0][0]}",
            hint="an early-payment discount rewards paying before the due date: shorten its days",
        )
    return terms if plan else None  # nothing left to pay early: no discount


def operation(
    config: Config, client: Client, category: str | None, delivery_address: str | None, order: str | None
) -> Operation:
    """The invoice's French mentions: the nature of the operation (else [defaults] category), where the
    goods went when that is not the client's address, the buyer's order reference."""
    kind = validate.choice((category or config.defaults.category).strip().lower(), CATEGORIES, "category")
    where = validate.block(delivery_address, "delivery address", max_len=500)
    if where is not None and _lines_of(where) == _lines_of(client.address):
        where = None  # the billing address: nothing to say
    return Operation(kind, where, validate.line(order, "order reference", max_len=100))


def _lines_of(text: str | None) -> list[str]:
    return [" ".join(line.split()).lower() for line in (text or "").splitlines() if line.strip()]


def _to_pay(
    ledger: Ledger, client: Client, sums: Any, deduct: list[str] | None, issued_on: date
) -> tuple[tuple[tuple[int, str, Money], ...], Money]:
    """The deposits deducted, and what is left to pay after them."""
    deductions = _deductions(ledger, client, sums.total.currency, deduct or [], issued_on)
    to_pay = sums.total - Money(sum(d[2].minor for d in deductions), sums.total.currency)
    if to_pay.minor < 0:
        raise BadInput(
            f"the deposits deducted ({sums.total - to_pay}) are more than the invoice's total ({sums.total})"
        )
    return deductions, to_pay


def prepare_invoice(
    ledger: Ledger,
    config: Config,
    client_code: str,
    amount: str | None = None,
    *,
    issued_on: date,
    lines: list[str] | None = None,
    vat: str | None = None,
    due_on: date | None = None,
    terms: int | None = None,
    end_of_month: bool | None = None,
    currency: str | None = None,
    description: str | None = None,
    number: str | None = None,
    service_on: date | None = None,
    discount: str | None = None,
    instalments: int | None = None,
    every: int | None = None,
    schedule: str | None = None,
    deduct: list[str] | None = None,
    force: bool = False,
    kind: str = "invoice",
    items: tuple[Line, ...] = (),
    vat_exemption: str | None = None,
    category: str | None = None,
    delivery_address: str | None = None,
    order: str | None = None,
) -> NewInvoice:
    """Check everything about an invoice before anything is written."""
    client = get_client(ledger, client_code)
    cur = check_currency(currency or client.currency)
    items = items or _lines(client, config, cur, amount, lines or [], vat, description)
    sums = totals(items, cur)
    deductions, to_pay = _to_pay(ledger, client, sums, deduct, issued_on)
    plan = _plan(to_pay, due_date(issued_on, due_on, terms, end_of_month, client, config), instalments, every, schedule)
    if plan and plan[0][0] < issued_on:
        raise BadInput(f"the first instalment ({plan[0][0]}) is due before the issue date {issued_on}")
    note = _within_the_law(client, config, issued_on, plan[-1][0], force) if plan else None
    terms_of_discount = _discount_terms(config, discount, issued_on, plan)
    reason, warnings = exemption_for(config, client, items, vat_exemption)
    return NewInvoice(
        client=client,
        issued_on=issued_on,
        lines=items,
        totals=sums,
        plan=plan,
        kind=kind,
        service_on=service_on,
        description=validate.line(description, "description", max_len=500),
        number=validate.line(number, "invoice number", max_len=40),
        discount=terms_of_discount,
        deductions=deductions,
        terms_note=note,
        notes=(*((note,) if note else ()), *warnings, *number_warnings(number)),
        exemption=reason,
        operation=operation(config, client, category, delivery_address, order),
    )


def number_warnings(number: str | None) -> tuple[str, ...]:
    """A number brought over that the French e-invoicing rules would refuse: said, not refused (it was issued)."""
    from dunner.core.numbering import identifier_problem

    problem = identifier_problem(number.strip()) if number else None
    return (f"{number.strip()} cannot be sent as a French e-invoice (Factur-X): {problem}",) if problem else ()


def create_invoice(
    ledger: Ledger, config: Config, client_code: str, amount: str | None = None, **options: Any
) -> NewInvoice:
    """Issue an invoice; return it with its number."""
    return write_invoice(ledger, config, prepare_invoice(ledger, config, client_code, amount, **options))


def create_deposit(
    ledger: Ledger,
    config: Config,
    client_code: str,
    amount: str,
    *,
    of: str | None = None,
    vat: str | None = None,
    description: str | None = None,
    **options: Any,
) -> NewInvoice:
    """A deposit invoice (acompte): an amount before VAT, or a percentage of an order's amount before VAT."""
    from babel.numbers import format_decimal

    from dunner.core.invoicing import discount_amount
    from dunner.edges.config import LOCALES
    from dunner.edges.formatting import format_money

    client = get_client(ledger, client_code)
    cur = check_currency(options.get("currency") or client.currency)
    what = validate.line(description, "description", max_len=300)
    if amount.strip().endswith("%"):
        rate = parse_rate(amount, "deposit percentage")
        if of is None:
            raise BadInput("a deposit as a percentage needs --of AMOUNT (the order's amount before VAT)")
        base = parse_amount(of, cur)
        net = discount_amount(base, rate)  # rate % of the base, rounded half-up like any share
        shown = format_money(base, LOCALES.get(client.language, config.defaults.babel_locale))
        percent = format_decimal(rate, locale=LOCALES.get(client.language, config.defaults.babel_locale))
        label = {"fr": f"Acompte de {percent} % sur {shown} HT", "en": f"Deposit of {percent}% on {shown} before VAT"}
    else:
        if of is not None:
            raise BadInput("--of goes with a deposit given as a percentage (e.g. 30%)")
        net = parse_amount(amount, cur)
        label = {"fr": "Acompte", "en": "Deposit"}
    franchise = config.business.vat_franchise
    if not franchise and vat is None:
        raise BadInput("a deposit needs its VAT rate (--vat), like the work it pays for")
    if franchise and vat is not None and parse_rate(vat):
        raise BadInput("the business is under the VAT franchise: no --vat")
    text = label[client.language] + (f" - {what}" if what else "")
    item = Line(text, Decimal(1), net, None if franchise else parse_rate(vat or "0"))
    new = prepare_invoice(ledger, config, client_code, None, items=(item,), description=what, kind="deposit", **options)
    return write_invoice(ledger, config, new)
