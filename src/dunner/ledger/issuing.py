"""Issuing invoices: lines and VAT, due dates within the law, instalment plans, deposits, gapless numbers.

An issued invoice is never edited or deleted (corrections are credit notes, see credits.py). Numbers
are claimed in the transaction that writes the invoice, so a failed creation burns no number, and
they follow issue dates within each series.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunner.core import validate
from dunner.core.errors import BadInput, Conflict
from dunner.core.invoicing import (
    Line,
    Totals,
    equal_instalments,
    explicit_instalments,
    has_zero_rate,
    parse_line,
    parse_rate,
    totals,
)
from dunner.core.money import Money, check_currency, parse_amount
from dunner.core.numbering import NumberPattern
from dunner.core.terms import due_date as terms_due_date
from dunner.core.terms import latest_legal_due
from dunner.core.vat import COLUMNS as EXEMPTION_COLUMNS
from dunner.core.vat import Exemption, chosen, stored
from dunner.edges.clock import utc_now
from dunner.edges.config import Config, check_business
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import Client, get_client
from dunner.ledger.invoices import credited_on

DEFAULT_LINE = {"fr": "Prestations", "en": "Services"}
KINDS = ("invoice", "deposit", "credit_note")


@dataclass(frozen=True)
class NewInvoice:
    """An invoice checked and ready to be written; `number` is None until one is assigned."""

    client: Client
    issued_on: date
    lines: tuple[Line, ...]
    totals: Totals
    plan: tuple[tuple[date, Money], ...]  # the instalments: what falls due when (total minus deposits)
    kind: str = "invoice"
    service_on: date | None = None
    description: str | None = None
    number: str | None = None
    discount: tuple[Decimal, int] | None = None  # (rate %, days from issue)
    deductions: tuple[tuple[int, str, Money], ...] = ()  # deposits deducted: (id, number, amount)
    related_invoice_id: int | None = None
    terms_note: str | None = None
    notes: tuple[str, ...] = field(default=())  # warnings for the person issuing it
    exemption: Exemption | None = None  # why the 0 % lines carry no VAT

    @property
    def total(self) -> Money:
        return self.totals.total

    @property
    def prepaid(self) -> Money:
        if not self.deductions:
            return Money(0, self.total.currency)
        return Money(sum(m.minor for _, _, m in self.deductions), self.total.currency)

    @property
    def due_on(self) -> date:
        """The first due date (the issue date when the deposits settled everything)."""
        return self.plan[0][0] if self.plan else self.issued_on


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


# -- numbering --------------------------------------------------------------------------------------


def pattern_for(config: Config, kind: str) -> NumberPattern:
    """Credit notes have their own series; invoices and deposits share one (French practice)."""
    return config.credit_note_pattern if kind == "credit_note" else config.number_pattern


def bump_series(ledger: Ledger, pattern: NumberPattern, numbers: Iterable[tuple[str, date]]) -> None:
    """Numbers brought over that follow our pattern move their series counter (and last date) past them."""
    highest: dict[str, tuple[int, str]] = {}
    for number, issued in numbers:
        matched = pattern.match(number)
        if matched:
            series, seq = matched
            seen = highest.get(series, (0, ""))
            highest[series] = (max(seq, seen[0]), max(issued.isoformat(), seen[1]))
    ledger.executemany(
        "INSERT INTO number_series (series, last_seq, last_issued_on) VALUES (?, ?, ?) ON CONFLICT (series)"
        " DO UPDATE SET last_seq = MAX(number_series.last_seq, excluded.last_seq),"
        " last_issued_on = MAX(COALESCE(number_series.last_issued_on, ''), excluded.last_issued_on)",
        [(series, seq, day) for series, (seq, day) in highest.items()],
    )


def foreign_number(config: Config, kind: str, number: str) -> str | None:
    """Why `number` cannot be brought over as a `kind`: it follows the other series' pattern."""
    other = "invoice" if kind == "credit_note" else "credit_note"
    if pattern_for(config, other).match(number) and not pattern_for(config, kind).match(number):
        return f"'{number}' is numbered like a {other.replace('_', ' ')}, in the other series"
    return None


def _continues(ledger: Ledger, pattern: NumberPattern, number: str, issued_on: date) -> None:
    """A number of a series dunner already numbers must continue it: no gap, no going back in time.

    Earlier numbers of the series (brought over after the fact) are let in: they fill the past.
    """
    matched = pattern.match(number)
    if not matched:
        return
    series, seq = matched
    last = ledger.one("SELECT last_seq, last_issued_on FROM number_series WHERE series = ?", (series,))
    if last is None or seq <= last["last_seq"]:
        return
    previous = pattern.format(issued_on, last["last_seq"])
    if seq > last["last_seq"] + 1:
        raise BadInput(
            f"{number} would leave a gap: the last number of its series is {previous}",
            hint="leave --number out to take the next one, or bring the numbers in between over first",
        )
    if last["last_issued_on"] and last["last_issued_on"] > issued_on.isoformat():
        raise BadInput(
            f"numbers follow issue dates: {previous} was issued on {last['last_issued_on']}, after {issued_on}"
        )


def claim_number(ledger: Ledger, config: Config, kind: str, number: str | None, issued_on: date) -> str:
    """The next number of the series (which must not go back in time), or the user's own (which must be new).

    Called inside the transaction that writes the invoice, so a failed creation burns no number.
    """
    pattern = pattern_for(config, kind)
    if number is not None:
        if ledger.one("SELECT 1 FROM invoice WHERE number = ?", (number,)):
            raise Conflict(f"invoice number '{number}' is already used")
        foreign = foreign_number(config, kind, number)
        if foreign:
            raise BadInput(foreign)
        _continues(ledger, pattern, number, issued_on)
        bump_series(ledger, pattern, [(number, issued_on)])
        return number
    series = pattern.series(issued_on)
    last = ledger.one("SELECT last_seq, last_issued_on FROM number_series WHERE series = ?", (series,))
    if last is not None and last["last_issued_on"] and last["last_issued_on"] > issued_on.isoformat():
        raise BadInput(
            f"numbers follow issue dates: {pattern.format(issued_on, last['last_seq'])} was issued on"
            f" {last['last_issued_on']}, after {issued_on}",
            hint="issue it on that date or later, or bring an existing invoice over with --number",
        )
    seq = ledger.scalar(
        "INSERT INTO number_series (series, last_seq, last_issued_on) VALUES (?, 1, ?) ON CONFLICT (series)"
        " DO UPDATE SET last_seq = number_series.last_seq + 1, last_issued_on = excluded.last_issued_on"
        " RETURNING last_seq",
        (series, issued_on.isoformat()),
    )
    number = pattern.format(issued_on, seq)
    if ledger.one("SELECT 1 FROM invoice WHERE number = ?", (number,)):
        raise Conflict(
            f"the next number of series {series}, {number}, is already used",
            hint="an invoice was brought over with --number outside the series counter; give --number",
        )
    return number


# -- writing ----------------------------------------------------------------------------------------

INVOICE_INSERT = (
    "id",
    "number",
    "client_id",
    "kind",
    "issued_on",
    "currency",
    "net_cents",
    "vat_cents",
    "total_cents",
    "description",
    "related_invoice_id",
    "created_at",
    "service_on",
    "discount_rate",
    "discount_days",
    "prepaid_cents",
    "terms_note",
    "parties_id",
    *EXEMPTION_COLUMNS,
)
# Nullable columns without a default, left out of a bulk insert where no row sets them (db.insert_rows).
INVOICE_OPTIONAL = (
    "description",
    "related_invoice_id",
    "discount_rate",
    "discount_days",
    "terms_note",
    *EXEMPTION_COLUMNS,
)


def insert_invoices(
    ledger: Ledger, config: Config, items: list[tuple[str, NewInvoice]], parties_ids: dict[int, int] | None = None
) -> list[int]:
    """Write checked invoices with their lines, instalments and deductions, in bulk; return their ids.

    `parties_ids`: the parties snapshots already written in this transaction, by client (see parties.store).
    """
    from dunner.ledger import parties

    check_business(config)  # its identity is frozen into the invoices: a bad SIREN would stay there for ever
    snapshots = parties.store(ledger, config, [new.client for _, new in items], parties_ids)
    first = ledger.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM invoice")
    now = utc_now()
    ids = list(range(first, first + len(items)))
    pairs = list(zip(ids, items, strict=True))
    ledger.insert_rows(
        "invoice",
        INVOICE_INSERT,
        [
            (
                i,
                number,
                new.client.id,
                new.kind,
                new.issued_on.isoformat(),
                new.total.currency,
                new.totals.net.minor,
                new.totals.vat.minor,
                new.total.minor,
                new.description,
                new.related_invoice_id,
                now,
                (new.service_on or new.issued_on).isoformat(),
                str(new.discount[0]) if new.discount else None,
                new.discount[1] if new.discount else None,
                new.prepaid.minor,
                new.terms_note,
                snapshots[new.client.id],
                *stored(new.exemption),
            )
            for i, (number, new) in pairs
        ],
        optional=INVOICE_OPTIONAL,
    )
    ledger.reset_ids("invoice")  # the ids were given: a server-side sequence must move past them
    ledger.insert_rows(
        "invoice_line",
        ("invoice_id", "position", "description", "quantity", "unit_price_cents", "vat_rate", "net_cents"),
        [
            (
                i,
                pos,
                line.description,
                str(line.quantity),
                line.unit_price.minor,
                None if line.vat_rate is None else str(line.vat_rate),
                line.net.minor,
            )
            for i, (_, new) in pairs
            for pos, line in enumerate(new.lines, start=1)
        ],
        optional=("vat_rate",),
    )
    ledger.executemany(
        "INSERT INTO instalment (invoice_id, seq, due_on, amount_cents) VALUES (?, ?, ?, ?)",
        [
            (i, seq, day.isoformat(), amount.minor)
            for i, (_, new) in pairs
            for seq, (day, amount) in enumerate(new.plan, start=1)
        ],
    )
    ledger.executemany(
        "INSERT INTO deposit_deduction (invoice_id, deposit_id, amount_cents) VALUES (?, ?, ?)",
        [(i, deposit_id, amount.minor) for i, (_, new) in pairs for deposit_id, _, amount in new.deductions],
    )
    return ids


def write_invoice(ledger: Ledger, config: Config, new: NewInvoice) -> NewInvoice:
    """Number and write a checked invoice; return it with its number."""
    with ledger.transaction():
        number = claim_number(ledger, config, new.kind, new.number, new.issued_on)
        insert_invoices(ledger, config, [(number, new)])
    return replace(new, number=number)


# -- preparing --------------------------------------------------------------------------------------


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
) -> NewInvoice:
    """Check everything about an invoice before anything is written."""
    client = get_client(ledger, client_code)
    cur = check_currency(currency or client.currency)
    items = items or _lines(client, config, cur, amount, lines or [], vat, description)
    sums = totals(items, cur)
    deductions = _deductions(ledger, client, cur, deduct or [], issued_on)
    prepaid = Money(sum(d[2].minor for d in deductions), cur)
    to_pay = sums.total - prepaid
    if to_pay.minor < 0:
        raise BadInput(f"the deposits deducted ({prepaid}) are more than the invoice's total ({sums.total})")
    first_due = due_date(issued_on, due_on, terms, end_of_month, client, config)
    plan = _plan(to_pay, first_due, instalments, every, schedule)
    if plan and plan[0][0] < issued_on:
        raise BadInput(f"the first instalment ({plan[0][0]}) is due before the issue date {issued_on}")
    note = _within_the_law(client, config, issued_on, plan[-1][0], force) if plan else None
    terms_of_discount = parse_discount(discount if discount is not None else config.section("invoice").get("discount"))
    if terms_of_discount and plan and issued_on + timedelta(days=terms_of_discount[1]) > plan[0][0]:
        raise BadInput(
            f"the discount window ({terms_of_discount[1]} days, to {issued_on + timedelta(days=terms_of_discount[1])})"
            f" ends after the first due date {plan[0][0]}",
            hint="an early-payment discount rewards paying before the due date: shorten its days",
        )
    if terms_of_discount and not plan:
        terms_of_discount = None  # nothing left to pay early
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
        notes=(*((note,) if note else ()), *warnings),
        exemption=reason,
    )


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
