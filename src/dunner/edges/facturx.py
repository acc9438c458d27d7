"""Factur-X (EN 16931 profile): the invoice as CII XML, checked against its schema, embedded in the PDF.

The `factur-x` library writes the XML from business terms (BT-n), checks it against the bundled XSD
and embeds it as a PDF attachment with the Factur-X metadata. Amounts are passed as exact strings
(the library would format floats itself); credit notes keep positive amounts (type 381).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput, OperationalError
from dunner.core.identifiers import siren_of
from dunner.core.money import Money

LEVEL = "en16931"
TYPE_CODES = {"invoice": "380", "deposit": "386", "credit_note": "381"}
FRANCHISE = ("TVA non applicable, art. 293 B du CGI", "VATEX-FR-FRANCHISE")
_ADDRESS = ("name", "country_code", "postcode", "city", "addr_l1", "addr_l2", "addr_l3")
_POSTCODE_CITY = re.compile(r"(\d{4,5})\s+(.+)")


def _amount(money: Money) -> str:
    return str(money.amount)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _party(name: str, lines: list[str], country: str, registration: str | None, vat: str | None) -> dict[str, Any]:
    party: dict[str, Any] = {"name": name, "country_code": country}
    rest = list(lines)
    if rest and rest[-1].strip().lower() in ("france", "belgique", "belgium", "germany", "deutschland", "uk"):
        rest.pop()  # the country is given as a code
    if rest and (found := _POSTCODE_CITY.fullmatch(rest[-1].strip())):
        party["postcode"], party["city"] = found[1], found[2]
        rest.pop()
    for key, line in zip(("addr_l1", "addr_l2", "addr_l3"), rest, strict=False):
        party[key] = line
    siren = siren_of(registration)
    if siren:
        party["legal_identifier"], party["legal_identifier_schemeid"] = siren, "0002"
    if vat:
        party["vat_identifier"] = vat.replace(" ", "")
    return party


def _lines(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(ctx["lines"], start=1):
        if line["vat_rate"] is None and not ctx["franchise"]:
            raise BadInput(
                f"line '{line['description']}' of {ctx['invoice']['number']} has no VAT rate: Factur-X needs one",
                hint="such lines come from the one-amount form without --vat",
            )
        price, quantity = line["unit_price"], line["quantity"]
        if price.minor < 0:  # EN 16931 forbids a negative price: a negative quantity says the same
            price, quantity = -price, -quantity
        out.append(
            {
                "BT-126": str(n),
                "BT-153": line["description"],
                "BT-129": _number(quantity),
                "BT-130": "C62",
                "BT-146": _amount(price),
                "BT-131": _amount(line["net"]),
                "BT-151": "E" if ctx["franchise"] else ("S" if line["vat_rate"] else _zero_category(ctx)),
                "BT-152": "0" if ctx["franchise"] else _number(line["vat_rate"]),
            }
        )
    return out


def _vat_breakdown(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    if ctx["franchise"]:
        return [
            {
                "BT-116": _amount(ctx["net"]),
                "BT-117": "0.00",
                "BT-118": "E",
                "BT-119": "0",
                "BT-120": FRANCHISE[0],
                "BT-121": FRANCHISE[1],
            }
        ]
    out = []
    exemption = ctx["invoice"].get("vat_exemption")
    for v in ctx["vat_lines"]:
        entry = {
            "BT-116": _amount(v["base"]),
            "BT-117": _amount(v["vat"]),
            "BT-118": "S" if v["rate"] else _zero_category(ctx),
            "BT-119": _number(v["rate"]),
        }
        if not v["rate"] and exemption:  # BR-AE-10, BR-IC-10, BR-G-10, BR-E-10: say why there is no VAT
            entry["BT-120"] = exemption["text"]
            if exemption["code"]:
                entry["BT-121"] = exemption["code"]
        out.append(entry)
    return out


def _zero_category(ctx: dict[str, Any]) -> str:
    """A 0 % line's category: the exemption's (reverse charge AE, intra-EU K, export G...), else zero-rated Z."""
    exemption = ctx["invoice"].get("vat_exemption")
    return exemption["category"] if exemption else "Z"


def _notes(ctx: dict[str, Any]) -> list[dict[str, str]]:
    law, notes = ctx["law"], []
    if ctx["franchise"]:
        notes.append({"BT-21": "AAI", "BT-22": FRANCHISE[0]})
    if ctx["invoice"]["kind"] == "credit_note":
        return notes
    if law["indemnity"]:
        notes.append(
            {
                "BT-21": "PMT",
                "BT-22": f"Indemnité forfaitaire pour frais de recouvrement : {law['indemnity']}"
                f" {law['indemnity'].currency}.",
            }
        )
    rate = f" ({_number(law['rate'])} %)" if law["rate"] else ""
    notes.append({"BT-21": "PMD", "BT-22": f"Pénalités de retard : {law['title']}{rate}."})
    discount = ctx["discount"]
    notes.append(
        {
            "BT-21": "AAB",
            "BT-22": (
                f"Escompte de {_number(discount['rate'])} % pour paiement au plus tard le {discount['deadline']}."
                if discount
                else "Pas d'escompte pour paiement anticipé."
            ),
        }
    )
    return notes


def data(ctx: dict[str, Any]) -> dict[str, Any]:
    """The EN 16931 business terms of the invoice view (see services/documents.py)."""
    invoice, business, client = ctx["invoice"], ctx["business"], ctx["client"]
    seller = _party(
        business["name"],
        business["address_lines"],
        business["country"],
        business["registration"],
        business["vat_number"],
    )
    if ctx["franchise"] and business["siren"]:
        seller["tax_identifier"] = business["siren"]  # BR-E-02: an exempt seller still needs a tax identifier
    if business["email"]:
        seller["contacts"] = [{"email": business["email"]}]
    buyer = _party(
        client["name"], client["address_lines"], client["country"], client["registration"], client["vat_number"]
    )
    doc: dict[str, Any] = {
        "BT-1": invoice["number"],
        "BT-2": invoice["issued_on"],
        "BT-3": TYPE_CODES[invoice["kind"]],
        "BT-5": invoice["currency"],
        "BT-72": invoice["service_on"],  # the library writes an empty, invalid delivery element without it
        "BG-1": _notes(ctx),
        "BG-4": seller,
        "BG-7": buyer,
        "BG-25": _lines(ctx),
        "BG-23": _vat_breakdown(ctx),
        "BT-106": _amount(ctx["net"]),
        "BT-109": _amount(ctx["net"]),
        "BT-110": _amount(ctx["vat"]),
        "BT-112": _amount(ctx["total"]),
        "BT-115": _amount(ctx["to_pay"]),
    }
    exemption = invoice.get("vat_exemption")
    if exemption and exemption["category"] == "K":  # BR-IC-12: an intra-EU supply names where it went
        doc["BG-13"] = {k: v for k, v in buyer.items() if k in _ADDRESS}
    if ctx["prepaid"]:
        doc["BT-113"] = _amount(ctx["prepaid"])
    if invoice["related"]:
        doc["BG-3"] = [{"BT-25": invoice["related"]["number"], "BT-26": invoice["related"]["issued_on"]}]
    if ctx["due_on"]:
        doc["BT-9"] = ctx["due_on"]
        plan = ctx["instalments"]
        doc["BT-20"] = (
            "Échéances : " + ", ".join(f"{i['due_on']} {_amount(i['amount'])}" for i in plan)
            if len(plan) > 1
            else f"Paiement au plus tard le {ctx['due_on']}."
        )
    payment = ctx["payment"]
    if payment["iban"] and invoice["kind"] != "credit_note":
        doc.update({"BT-81": "58", "BT-84": payment["iban"].replace(" ", ""), "BT-83": payment["reference"]})
        if payment["bic"]:
            doc["BT-86"] = payment["bic"]
    return doc


def invoice_xml(view: Any) -> bytes:
    """The CII XML of an invoice view, checked against the Factur-X EN 16931 schema."""
    import facturx

    content = data(view.context)  # what dunner cannot express (a line without VAT rate) is bad input, said so
    try:
        return facturx.generate_cii_xml(content, level=LEVEL, check_xsd=True, check_schematron=False)
    except Exception as exc:  # the library raises plain exceptions for invalid data
        raise OperationalError(f"Factur-X XML for {view.invoice.number} is not valid: {exc}") from None


def embed(pdf: bytes, xml: bytes) -> bytes:
    """The PDF with the XML attached as factur-x.xml and the Factur-X metadata."""
    import facturx

    return facturx.generate_from_binary(pdf, xml, flavor="factur-x", level=LEVEL, check_xsd=True)


def check(xml: bytes) -> bool:
    """True if `xml` validates against the Factur-X EN 16931 XSD (raises with the reason otherwise)."""
    import facturx

    return facturx.xml_check_xsd(xml, flavor="factur-x", level=LEVEL)
