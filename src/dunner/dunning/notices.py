"""The formal notice (mise en demeure) as a letter, and the dossier an agency or a court asks for."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.money import Money
from dunner.core.payment import grouped_reference, invoice_reference, transfer_text
from dunner.documents.views import _address
from dunner.dunning.claims import claim_context, claim_invoice, demand, line_context
from dunner.dunning.followup import log_notice
from dunner.edges.config import LOCALES, Config
from dunner.edges.qr import data_uri, epc_png
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import open_instalments
from dunner.ledger.clients import Client, get_client
from dunner.ledger.invoices import get_invoice
from dunner.ledger.owed import snapshot


@dataclass(frozen=True)
class Notice:
    client: Client
    numbers: list[str]
    total: Money
    deadline: date
    pdf: bytes
    context: dict[str, Any]


def _overdue(ledger: Ledger, client: Client, currency: str, as_of: date) -> list[str]:
    rows = open_instalments(ledger, as_of, client_id=client.id, currency=currency)
    return list(dict.fromkeys(r.number for r in rows if r.due_on < as_of))


def notice_context(ledger: Ledger, config: Config, number: str, as_of: date, days: int) -> dict[str, Any]:
    """The letter's contents: both parties, the overdue instalments of the client (this invoice's first), the claim.

    The list, its total and the claim come from one `Demand`, like a claiming reminder's."""
    invoice = get_invoice(ledger, number)
    client = get_client(ledger, ledger.scalar("SELECT code FROM client WHERE id = ?", (invoice.client_id,)))
    numbers = _overdue(ledger, client, invoice.currency, as_of)
    if invoice.number not in numbers:
        raise BadInput(f"{invoice.number} is not overdue as of {as_of}: no formal notice")
    numbers = [invoice.number, *(n for n in numbers if n != invoice.number)]
    result = demand(ledger, config, client.id, invoice.currency, as_of, invoices=numbers)
    claim = claim_context(result, client.language)
    business = config.business
    rf = invoice_reference(invoice.number, invoice.id) if len(numbers) == 1 else ""
    return {
        "locale": LOCALES.get(client.language, config.defaults.babel_locale),
        "language": client.language,
        "as_of": as_of,
        "deadline": as_of + timedelta(days=days),
        "business": {
            **{k: getattr(business, k) for k in business.__dataclass_fields__},
            "address_lines": _address(business.address),
        },
        "client": {
            "name": client.name,
            "code": client.code,
            "contact": client.contact,
            "kind": client.kind,
            "address_lines": _address(client.address),
            "registration": client.registration,
        },
        "invoices": [line_context(line, as_of) for line in result.lines],
        "total_due": result.principal,
        "claim": claim,
        "payment": {
            "iban": business.iban,
            "bic": business.bic,
            "reference": transfer_text(numbers),
            "rf": grouped_reference(rf) if rf else "",  # one invoice: its ISO 11649 reference
            "qr": _qr(config, result.total, numbers, rf) if business.iban and invoice.currency == "EUR" else None,
        },
    }


def _qr(config: Config, total: Money, numbers: list[str], rf: str) -> str:
    business = config.business
    return data_uri(epc_png(business.name, business.iban, business.bic, total, transfer_text(numbers), rf))


def render_notice(config: Config, context: dict[str, Any]) -> bytes:
    from dunner.documents.printing import check_identifiers, render_document

    check_identifiers(config)
    language = context["language"]
    title = ("Mise en demeure" if language == "fr" else "Formal notice") + f" - {context['client']['name']}"
    return render_document(config, language, "notice", context, title=title, created=context["as_of"])


def formal_notice(ledger: Ledger, config: Config, number: str, as_of: date, days: int | None = None) -> Notice:
    """The formal notice letter as a PDF; logged in each invoice's history."""
    from dunner.core.policy import NOTICE_DAYS
    from dunner.documents.printing import check_identifiers

    check_identifiers(config)
    business = config.business
    if not (business.name and business.address):
        raise BadInput("a formal notice needs your name and address", hint="set [business] name and address")
    wait = days if days is not None else config.section("dunning").get("notice_days", NOTICE_DAYS)
    context = notice_context(ledger, config, number, as_of, wait)
    if not context["client"]["address_lines"]:
        code = context["client"]["code"]
        raise BadInput(f"a formal notice needs {code}'s address", hint=f"dunner edit-client {code} --address ...")
    pdf = render_notice(config, context)
    client = get_client(ledger, context["client"]["code"])
    total = context["claim"]["total"]
    with ledger.transaction():
        for number in dict.fromkeys(inv["invoice"] for inv in context["invoices"]):
            invoice = get_invoice(ledger, number)
            text = f"mise en demeure: {total} by {context['deadline']}"
            log_notice(ledger, client.id, invoice.id, as_of, text, context["deadline"])
    numbers = list(dict.fromkeys(i["invoice"] for i in context["invoices"]))
    return Notice(client, numbers, total, context["deadline"], pdf, context)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    from dunner.edges.output import csv_cell

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def dossier(ledger: Ledger, config: Config, code: str, as_of: date) -> tuple[bytes, list[str]]:
    """A zip for a collection agency or a court: invoices, reminders, notice, claim, history, summary."""
    from dunner.core.filenames import distinct_filenames
    from dunner.documents.printing import check_identifiers, invoice_pdf
    from dunner.dunning.history import COLUMNS as HISTORY
    from dunner.dunning.history import history

    check_identifiers(config)  # before the loop below, which turns a document's own problem into a note
    client = get_client(ledger, code)
    opened = open_instalments(ledger, as_of, client_id=client.id)
    numbers = list(dict.fromkeys(r.number for r in opened))
    if not numbers:
        raise BadInput(f"{client.code} owes nothing as of {as_of}: no dossier")
    notes: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, name in zip(numbers, distinct_filenames(numbers, ".pdf"), strict=True):
            try:
                archive.writestr(f"factures/{name}", invoice_pdf(ledger, config, number, as_of=as_of))
            except BadInput as exc:
                notes.append(f"{number}: no PDF ({exc.message})")
        archive.writestr("relances.csv", _csv(_reminders(ledger, client), REMINDER_COLUMNS))
        archive.writestr("historique.csv", _csv(history(ledger, client.code)[1], HISTORY))
        overdue = [n for n in numbers if any(r.number == n and r.due_on < as_of for r in opened)]
        claim_rows: list[dict[str, Any]] = []
        for number in overdue:
            claim_rows += _claim_rows(claim_invoice(ledger, config, number, as_of))
        archive.writestr("decompte.csv", _csv(claim_rows, CLAIM_COLUMNS))
        days = [
            date.fromisoformat(r["happened_on"])
            for r in ledger.all(
                "SELECT DISTINCT happened_on FROM event WHERE client_id = ? AND kind = 'formal_notice'"
                " AND happened_on <= ? ORDER BY happened_on",
                (client.id, as_of.isoformat()),
            )
        ]
        notice_day = days[-1] if days else None
        context = None
        # the notice as it was sent; if that invoice was not yet overdue then (a notice about another debt),
        # the notice dunner would write today
        for day in dict.fromkeys(d for d in (notice_day, as_of) if d is not None) if overdue else ():
            try:
                context = notice_context(
                    ledger, config, overdue[0], day, config.section("dunning").get("notice_days", 8)
                )
                break
            except BadInput:
                continue
        if context is not None:
            if context["client"]["address_lines"]:
                archive.writestr("mise-en-demeure.pdf", render_notice(config, context))
            else:
                notes.append("no formal notice: the client's address is missing")
        owed = {
            currency: sum(o.due.minor for o in snapshot(ledger, client.id, currency, as_of).owed.values())
            for currency in dict.fromkeys(r.amount.currency for r in opened)
        }
        archive.writestr("resume.txt", _summary(config, client, as_of, owed, claim_rows, days, notes))
    return buffer.getvalue(), notes


REMINDER_COLUMNS = ["invoice", "step", "channel", "status", "date", "message_id", "recipients", "detail"]
CLAIM_COLUMNS = ["invoice", "item", "from", "to", "days", "rate", "base", "amount"]


def _reminders(ledger: Ledger, client: Client) -> list[dict[str, Any]]:
    return [
        {
            "invoice": r["number"],
            "step": r["step"],
            "channel": r["channel"],
            "status": r["status"],
            "date": r["acted_on"],
            "message_id": r["message_id"],
            "recipients": r["recipients"],
            "detail": r["error"],
        }
        for r in ledger.all(
            "SELECT v.number, r.* FROM reminder r JOIN instalment i ON i.id = r.instalment_id JOIN invoice v"
            " ON v.id = i.invoice_id WHERE v.client_id = ? AND r.status IN ('sent', 'task', 'done')"
            " ORDER BY r.acted_on, r.id",
            (client.id,),
        )
    ]


def _claim_rows(result: Any) -> list[dict[str, Any]]:
    claim = result.claim
    rows = [{"invoice": result.number, "item": "principal", "amount": claim.principal}]
    rows += [
        {
            "invoice": result.number,
            "item": "interest",
            "from": p.start,
            "to": p.end,
            "days": p.days,
            "rate": p.rate.normalize(),
            "base": p.base,
            "amount": amount,
        }
        for p, amount in zip(claim.periods, claim.amounts, strict=True)
    ]
    rows.append({"invoice": result.number, "item": "indemnity", "amount": claim.indemnity})
    rows.append({"invoice": result.number, "item": "total", "amount": claim.total})
    return rows


def _summary(
    config: Config,
    client: Client,
    as_of: date,
    owed: dict[str, int],
    claim_rows: list[dict[str, Any]],
    notices: list[date],
    notes: list[str],
) -> str:
    business = config.business
    totals = [r for r in claim_rows if r["item"] == "total"]
    noticed = "pas encore envoyée"
    if notices:
        noticed = notices[0].isoformat() + (
            f" (rappelée le {', '.join(d.isoformat() for d in notices[1:])})" if notices[1:] else ""
        )
    lines = [
        f"Dossier de recouvrement - {client.name} ({client.code}) - au {as_of.isoformat()}",
        "",
        f"Créancier : {business.name}{f' ({business.legal_form})' if business.legal_form else ''}"
        f"{f', {business.registration}' if business.registration else ''}",
        f"Débiteur : {client.name}{f', {client.registration}' if client.registration else ''}",
        f"Adresse du débiteur : {' / '.join(_address(client.address)) or 'inconnue'}",
        "",
        "Restant dû : " + ", ".join(f"{Money(c, cur)} {cur}" for cur, c in owed.items()),
        "Réclamé avec pénalités et indemnités : "
        + (", ".join(f"{r['invoice']} {r['amount']}" for r in totals) or "rien d'échu"),
        f"Mise en demeure : {noticed}",
        "",
        "Pièces : factures/ (les factures), relances.csv (relances envoyées et appels), mise-en-demeure.pdf,",
        "decompte.csv (principal, intérêts par période, indemnité), historique.csv (toute la chronologie).",
    ]
    if notes:
        lines += ["", "À noter :", *(f"- {n}" for n in notes)]
    return "\n".join(lines) + "\n"
