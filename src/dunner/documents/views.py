"""What an invoice document shows: one view of an issued invoice for its PDF, its Factur-X XML and its email.

The view holds data, not wording: the templates phrase the mandatory mentions, so a user can reword
them. `missing_mentions` says what the law requires that the configuration or the client lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.identifiers import siren_of
from dunner.core.invoicing import discount_amount, totals
from dunner.core.law import MissingRate
from dunner.core.money import Money, minor_units
from dunner.core.vat import from_row
from dunner.documents.balance import balance, payment
from dunner.edges.config import LOCALES, Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger import parties
from dunner.ledger.clients import Client, get_client
from dunner.ledger.invoices import Invoice, get_invoice, invoice_lines

TITLES = {
    "fr": {"invoice": "Facture", "deposit": "Facture d'acompte", "credit_note": "Avoir"},
    "en": {"invoice": "Invoice", "deposit": "Deposit invoice", "credit_note": "Credit note"},
}


# Commercial companies, which print their share capital and their trade register (RCS) city.
COMPANIES = frozenset({"SARL", "EURL", "SAS", "SASU", "SA", "SNC", "SCA", "SCS", "SELARL", "SELAS", "SELAFA"})


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    client: Client
    context: dict[str, Any]  # what the templates see (see the README's template section)

    @property
    def language(self) -> str:
        return self.client.language


def _address(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _law(config: Config, client: Client, issued: dict[str, Any], due_on: date | None, total: Money) -> dict[str, Any]:
    """Late-payment terms to print: the law, the rate for the due date's half-year, the fixed indemnity.

    The law, its margin, any contractual rate and the indemnity are those the invoice was issued with
    (`issued`, its snapshot); the reference rate is a published fact, read from the rate tables.
    """
    from dunner.core.latefees import half_year_start

    laws = config.jurisdiction()
    law = laws.law_for(client.law, client.kind)
    if issued.get("name") in laws.laws:
        law = replace(
            laws.law(issued["name"]),
            margin=Decimal(issued["margin"]),
            indemnity=tuple(
                (None if below is None else Decimal(below), Decimal(amount)) for below, amount in issued["indemnity"]
            ),
            currency=issued["currency"],
        )
        laws = replace(laws, contractual_rate=None if issued["contractual"] is None else Decimal(issued["contractual"]))
    rate = None
    if due_on is not None and (law.table or laws.contractual_rate is not None):
        try:
            rate = laws.rate_for(law, half_year_start(due_on))[0]
        except (MissingRate, BadInput):
            rate = None  # a future half-year, a rate below the floor: the formula is printed, not the figure
    fixed = law.indemnity_for(total.amount)  # the mention names the law's sum, in the law's currency
    return {
        "name": law.name,
        "title": law.named(client.language),
        "rate": rate,
        "margin": law.margin,
        "contractual": laws.contractual_rate,
        "indemnity": Money(int(fixed.scaleb(minor_units(law.currency))), law.currency)
        if fixed and law.currency
        else None,
        "consumer": issued.get("consumer", client.kind == "consumer"),
    }


def invoice_view(
    ledger: Ledger, config: Config, number: str, as_of: date | None = None, *, qr: bool = True
) -> InvoiceView:
    """Everything an invoice's documents show, from the ledger and the configuration.

    Printed as of a date, it also says what is still owed then (`balance`) and asks that in its QR code
    (without `qr`, a view only checked, never printed: no QR code is made)."""
    invoice = get_invoice(ledger, number)
    row = ledger.one("SELECT * FROM invoice WHERE id = ?", (invoice.id,))
    client = get_client(ledger, ledger.scalar("SELECT code FROM client WHERE id = ?", (invoice.client_id,)))
    lines = invoice_lines(ledger, invoice)
    sums = totals(lines, invoice.currency)
    plan = [
        (date.fromisoformat(r["due_on"]), Money(r["amount_cents"], invoice.currency))
        for r in ledger.all(
            "SELECT due_on, amount_cents FROM instalment WHERE invoice_id = ? ORDER BY seq", (invoice.id,)
        )
    ]
    language = client.language
    issued = parties.load(ledger, row["parties_id"])
    business, buyer = _parties(config, client, issued)
    amounts = _amounts(ledger, invoice, row, sums)
    context = {
        "locale": LOCALES.get(language, config.defaults.babel_locale),
        "language": language,
        "business": business,
        "client": buyer,
        "invoice": _invoice(ledger, invoice, row, language, config.defaults.category),
        "lines": [
            {
                "description": ln.description,
                "quantity": ln.quantity.normalize(),
                "unit_price": ln.unit_price,
                "vat_rate": ln.vat_rate,
                "net": ln.net,
            }
            for ln in lines
        ],
        "vat_lines": [{"rate": v.rate, "base": v.base, "vat": v.vat} for v in sums.by_rate],
        **amounts,
        "instalments": [{"seq": n, "due_on": day, "amount": amount} for n, (day, amount) in enumerate(plan, 1)],
        "due_on": plan[0][0] if plan else None,
        "law": _law(
            config,
            client,
            {**issued.get("law", {}), "consumer": buyer["kind"] == "consumer"},
            plan[0][0] if plan else invoice.issued_on,
            sums.total,
        ),
        "franchise": bool(business["vat_franchise"]),
    }
    owing = balance(ledger, invoice, row, as_of) if as_of is not None else None
    context["balance"] = owing
    context["payment"] = payment(config, invoice, row, owing["asked"] if owing else amounts["to_pay"], qr=qr)
    return InvoiceView(invoice, client, context)


def _parties(config: Config, client: Client, issued: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seller and the buyer as the invoice was issued, completed from today's configuration and client."""
    business = parties.merged(
        issued.get("business", {}), {k: getattr(config.business, k) for k in config.business.__dataclass_fields__}
    )
    buyer = parties.merged(
        issued.get("client", {}),
        {
            "code": client.code,
            "name": client.name,
            "contact": client.contact,
            "email": client.email,
            "kind": client.kind,
            "registration": client.registration,
            "vat_number": client.vat_number,
            "address": client.address,
            "country": client.country,
        },
    )
    capital = Decimal(business["capital"]) if business["capital"] else None
    currency = config.defaults.currency
    return (
        {
            **business,
            "address_lines": _address(business["address"]),
            "siren": siren_of(business["registration"]),
            "capital": Money(int(capital.scaleb(minor_units(currency))), currency) if capital else None,
        },
        {
            **buyer,
            "siren": siren_of(buyer["registration"]),
            "address_lines": _address(buyer["address"]),
            "electronic_address": client.electronic_address,  # where it receives e-invoices today, not frozen
        },
    )


def _invoice(ledger: Ledger, invoice: Invoice, row: Any, language: str, category: str) -> dict[str, Any]:
    """The invoice's own mentions: title, number, dates, object, VAT exemption, the invoice a credit note credits,
    the nature of the operation (else today's [defaults] category), where the goods went, the buyer's order."""
    reason = from_row(row)  # why the 0 % lines carry no VAT, as issued
    related = (
        ledger.one("SELECT number, issued_on FROM invoice WHERE id = ?", (row["related_invoice_id"],))
        if row["related_invoice_id"]
        else None
    )
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "title": TITLES[language][invoice.kind],
        "issued_on": invoice.issued_on,
        "service_on": date.fromisoformat(row["service_on"] or row["issued_on"]),
        "description": row["description"],
        "currency": invoice.currency,
        "terms_note": row["terms_note"],
        "vat_exemption": {
            "key": reason.key,
            "category": reason.category,
            "code": reason.code,
            "text": reason.mention(language),
        }
        if reason
        else None,
        "related": {"number": related["number"], "issued_on": date.fromisoformat(related["issued_on"])}
        if related
        else None,
        "status": invoice.status,
        "category": row["category"] or category,
        "delivery_address": _address(row["delivery_address"]),
        "order": row["order_ref"],
    }


def _amounts(ledger: Ledger, invoice: Invoice, row: Any, sums: Any) -> dict[str, Any]:
    """The totals, the deposits deducted, the net to pay and the early-payment discount."""
    deductions = [
        {
            "number": r["number"],
            "issued_on": date.fromisoformat(r["issued_on"]),
            "amount": Money(r["amount_cents"], invoice.currency),
        }
        for r in ledger.all(
            "SELECT v.number, v.issued_on, d.amount_cents FROM deposit_deduction d JOIN invoice v"
            " ON v.id = d.deposit_id WHERE d.invoice_id = ? ORDER BY v.issued_on",
            (invoice.id,),
        )
    ]
    prepaid = Money(row["prepaid_cents"], invoice.currency)
    to_pay = Money(sums.total.minor - prepaid.minor, invoice.currency)
    discount = None
    if row["discount_rate"]:
        rate = Decimal(row["discount_rate"])
        discount = {
            "rate": rate,
            "days": row["discount_days"],
            "deadline": invoice.issued_on + timedelta(days=row["discount_days"]),
            "amount": discount_amount(to_pay, rate),
        }
    return {
        "net": sums.net,
        "vat": sums.vat,
        "total": sums.total,
        "deductions": deductions,
        "prepaid": prepaid,
        "to_pay": to_pay,
        "discount": discount,
    }


def missing_mentions(view: InvoiceView) -> list[str]:
    """What French law requires on the invoice that is not known yet, each with where to set it."""
    ctx = view.context
    business, client = ctx["business"], ctx["client"]
    missing = [
        f"the business's {label} ([business] {key})"
        for key, label in (
            ("name", "name"),
            ("legal_form", "legal form (EI for a sole trader)"),
            ("address", "address"),
            ("registration", "SIREN or SIRET"),
        )
        if not business[key]
    ]
    if business["legal_form"].strip().upper() in COMPANIES:  # Code de commerce R123-237 and R123-238
        missing += [
            f"the company's {label} ([business] {key})"
            for key, label in (("capital", "share capital"), ("rcs", "trade register (RCS) city"))
            if not business[key]
        ]
    if not ctx["franchise"] and not business["vat_number"]:
        missing.append("the business's VAT number ([business] vat_number), or vat_franchise = true")
    if not ctx["franchise"] and any(line["vat_rate"] is None for line in ctx["lines"]):
        missing.append(
            "the VAT rate of every line (this invoice was issued as one amount without VAT: credit it and issue it"
            " again with --vat, or set vat_franchise = true if the business is under the franchise)"
        )
    if not client["address_lines"]:
        missing.append(f"{view.client.code}'s address (dunner edit-client {view.client.code} --address ...)")
    exemption = ctx["invoice"]["vat_exemption"]
    if exemption and exemption["category"] in ("AE", "K") and not client["vat_number"]:
        missing.append(
            f"{view.client.code}'s VAT number, required with {exemption['key']}"
            f" (dunner edit-client {view.client.code} --vat-number ...)"
        )
    if client["kind"] == "business" and not client["registration"]:
        missing.append(
            f"{view.client.code}'s SIREN or company number (dunner edit-client {view.client.code} --registration ...)"
        )
    return missing


def check_complete(view: InvoiceView) -> None:
    missing = missing_mentions(view)
    if missing:
        raise BadInput(
            f"{view.invoice.number} would lack mandatory mentions: {'; '.join(missing)}",
            hint="complete them, then run the command again (the invoice itself stays as issued)",
        )
