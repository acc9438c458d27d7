"""Factur-X (EN 16931 profile): the invoice as CII XML, checked against its schema, embedded in the PDF.

The `factur-x` library writes the XML from business terms (BT-n) and checks it against the bundled XSD.
Amounts are passed as exact strings (the library would format floats itself); credit notes keep positive
amounts (type 381). The PDF/A-3 writer (edges.pdf) embeds the XML as `factur-x.xml` with the Factur-X
XMP schema below, in the same pass that writes the PDF.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput, OperationalError
from dunner.core.identifiers import siren_of
from dunner.core.money import Money
from dunner.core.numbering import identifier_problem
from dunner.edges.pdf import Attachment
from dunner.edges.xmp import Extension

LEVEL = "en16931"
TYPE_CODES = {"invoice": "380", "deposit": "386", "credit_note": "381"}
FRANCHISE = ("TVA non applicable, art. 293 B du CGI", "VATEX-FR-FRANCHISE")
_ADDRESS = ("name", "country_code", "postcode", "city", "addr_l1", "addr_l2", "addr_l3")
_POSTCODE_CITY = re.compile(r"(\d{4,5})\s+(.+)")
FILENAME = "factur-x.xml"
# The Factur-X 1.0 XMP schema, declared for PDF/A with the values of an EN 16931 invoice.
SCHEMA = Extension(
    name="Factur-X PDFA Extension Schema",
    namespace="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    prefix="fx",
    properties=(
        ("DocumentFileName", "The name of the embedded XML document", FILENAME),
        ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER", "INVOICE"),
        ("Version", "The actual version of the standard applying to the embedded XML document", "1.0"),
        ("ConformanceLevel", "The conformance level of the embedded XML document", "EN 16931"),
    ),
)


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


# The French rules (BR-FR-05) want these three notes on every document, credit notes and consumers' included:
# recovery costs (PMT), late-payment penalties (PMD), early-payment discount or its absence (AAB).
NOTE_CODES = ("PMT", "PMD", "AAB")
CATEGORY_LETTERS = {"goods": "B", "services": "S", "mixed": "M"}  # BT-23: biens, services, mixte
# BT-8, when VAT falls due: on delivery for goods, on payment for services unless the business opted to pay it
# on debits (then on the invoice date); the Factur-X profile takes 5, 29 and 72 only.
VAT_DUE = {"goods": "29", "services": "72", "mixed": "72"}


def _notes(ctx: dict[str, Any], wording: dict[str, str]) -> list[dict[str, str]]:
    notes = [{"BT-21": "AAI", "BT-22": FRANCHISE[0]}] if ctx["franchise"] else []
    notes += [{"BT-21": code, "BT-22": wording[code]} for code in NOTE_CODES]
    business = ctx["business"]
    if business["capital"]:
        notes.append({"BT-21": "REG", "BT-22": _capital(business)})
    if business["rcs"] and business["siren"]:
        notes.append({"BT-21": "ABL", "BT-22": _rcs(business)})
    return notes


def _rcs(business: dict[str, Any]) -> str:
    siren = business["siren"]
    return f"RCS {business['rcs']} {siren[:3]} {siren[3:6]} {siren[6:]}"


def _capital(business: dict[str, Any]) -> str:
    capital = business["capital"]
    form = f"{business['legal_form']} " if business["legal_form"] else ""
    return f"{form}au capital de {_number(capital.amount)} {capital.currency}"


def business_process(ctx: dict[str, Any]) -> str:
    """BT-23, the billing framework: goods, services or both, and the case (1 an invoice, 4 a final invoice
    after deposits; a deposit stays a 1, BR-FR-CO-08)."""
    invoice = ctx["invoice"]
    case = "4" if invoice["kind"] == "invoice" and ctx["deductions"] else "1"
    return CATEGORY_LETTERS[invoice["category"]] + case


def _address_of(party: dict[str, Any], chosen: str | None = None) -> dict[str, str]:
    """BT-34 / BT-49, where a party receives e-invoices: its directory address (SIREN-based, scheme 0225),
    else, outside the French directory, its email (scheme EM)."""
    address = chosen or party["siren"]
    if address:
        return {"einvoicing_addr": address, "einvoicing_addr_schemeid": "0225"}
    email = (party.get("email") or "").split(",")[0].strip()
    return {"einvoicing_addr": email, "einvoicing_addr_schemeid": "EM"} if email else {}


def _seller(ctx: dict[str, Any]) -> dict[str, Any]:
    business = ctx["business"]
    seller = _party(
        business["name"],
        business["address_lines"],
        business["country"],
        business["registration"],
        business["vat_number"],
    )
    seller.update(_address_of(business))
    if ctx["franchise"] and business["siren"]:
        seller["tax_identifier"] = business["siren"]  # BR-E-02: an exempt seller still needs a tax identifier
    if business["email"]:
        seller["contacts"] = [{"email": business["email"]}]
    legal = [_capital(business)] if business["capital"] else []
    if business["rcs"] and business["siren"]:
        legal.append(_rcs(business))
    if legal:
        seller["legal_info"] = " - ".join(legal)  # BT-33
    return seller


def _buyer(ctx: dict[str, Any]) -> dict[str, Any]:
    client = ctx["client"]
    buyer = _party(
        client["name"], client["address_lines"], client["country"], client["registration"], client["vat_number"]
    )
    buyer.update(_address_of(client, client["electronic_address"]))
    return buyer


def _delivery(ctx: dict[str, Any], buyer: dict[str, Any]) -> dict[str, Any] | None:
    """BG-13, where the goods went: the delivery address when it differs; an intra-EU supply names it anyway."""
    invoice, client = ctx["invoice"], ctx["client"]
    if invoice["delivery_address"]:
        place = _party(client["name"], invoice["delivery_address"], client["country"], None, None)
        return {k: v for k, v in place.items() if k in _ADDRESS}
    exemption = invoice.get("vat_exemption")
    if exemption and exemption["category"] == "K":  # BR-IC-12: an intra-EU supply names where it went
        return {k: v for k, v in buyer.items() if k in _ADDRESS}
    return None


def _preceding(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """BG-3, the invoices this one refers to: the invoice a credit note corrects, the deposits a final invoice
    deducts (BT-25, BT-26)."""
    invoice = ctx["invoice"]
    if invoice["related"]:
        return [{"BT-25": invoice["related"]["number"], "BT-26": invoice["related"]["issued_on"]}]
    return [{"BT-25": d["number"], "BT-26": d["issued_on"]} for d in ctx["deductions"]]


def _vat_due(ctx: dict[str, Any]) -> str | None:
    if ctx["franchise"]:
        return None
    category = ctx["invoice"]["category"]
    return "5" if ctx["business"]["vat_on_debits"] and category != "goods" else VAT_DUE[category]


def data(ctx: dict[str, Any], wording: dict[str, str]) -> dict[str, Any]:
    """The EN 16931 business terms of the invoice view (documents/views.py), with the French ones; `wording`
    holds the text of the PMT, PMD and AAB notes, as the templates phrase them."""
    invoice = ctx["invoice"]
    buyer = _buyer(ctx)
    doc: dict[str, Any] = {
        "BT-1": invoice["number"],
        "BT-2": invoice["issued_on"],
        "BT-3": TYPE_CODES[invoice["kind"]],
        "BT-5": invoice["currency"],
        "BT-23": business_process(ctx),
        "BT-72": invoice["service_on"],  # the library writes an empty, invalid delivery element without it
        "BG-1": _notes(ctx, wording),
        "BG-4": _seller(ctx),
        "BG-7": buyer,
        "BG-25": _lines(ctx),
        "BG-23": _vat_breakdown(ctx),
        "BT-106": _amount(ctx["net"]),
        "BT-109": _amount(ctx["net"]),
        "BT-110": _amount(ctx["vat"]),
        "BT-112": _amount(ctx["total"]),
        "BT-115": _amount(ctx["to_pay"]),
    }
    optional = {
        "BG-13": _delivery(ctx, buyer),
        "BT-113": _amount(ctx["prepaid"]) if ctx["prepaid"] else None,
        "BG-3": _preceding(ctx),
        "BT-13": invoice["order"],
        "BT-8": _vat_due(ctx),
    }
    doc.update({key: value for key, value in optional.items() if value})
    doc.update(_payment_terms(ctx))
    return doc


def _payment_terms(ctx: dict[str, Any]) -> dict[str, Any]:
    """When and how to pay: the due date and plan (BT-9, BT-20), the account to pay to (BG-16)."""
    doc: dict[str, Any] = {}
    if ctx["due_on"]:
        doc["BT-9"] = ctx["due_on"]
        plan = ctx["instalments"]
        doc["BT-20"] = (
            "Échéances : " + ", ".join(f"{i['due_on']} {_amount(i['amount'])}" for i in plan)
            if len(plan) > 1
            else f"Paiement au plus tard le {ctx['due_on']}."
        )
    payment = ctx["payment"]
    if payment["iban"] and ctx["invoice"]["kind"] != "credit_note":
        doc.update({"BT-81": "58", "BT-84": payment["iban"].replace(" ", ""), "BT-83": payment["reference"]})
        if payment["bic"]:
            doc["BT-86"] = payment["bic"]
    return doc


def invoice_xml(view: Any, wording: dict[str, str]) -> bytes:
    """The CII XML of an invoice view, checked against the Factur-X EN 16931 schema; `wording`: see data()."""
    import facturx

    problem = identifier_problem(view.invoice.number)
    if problem:
        raise BadInput(f"{view.invoice.number} cannot be a French e-invoice (Factur-X): {problem}")
    content = data(view.context, wording)  # what dunner cannot express (a line without VAT rate) is bad input
    try:
        return facturx.generate_cii_xml(content, level=LEVEL, check_xsd=True, check_schematron=False)
    except Exception as exc:  # the library raises plain exceptions for invalid data
        raise OperationalError(f"Factur-X XML for {view.invoice.number} is not valid: {exc}") from None


def attachment(xml: bytes) -> Attachment:
    """The XML as the PDF/A-3 associated file of a Factur-X invoice: the data of the invoice the PDF shows."""
    return Attachment(FILENAME, xml, "text/xml", "Factur-X XML file", "Data", SCHEMA)


def check(xml: bytes) -> bool:
    """True if `xml` validates against the Factur-X EN 16931 XSD (raises with the reason otherwise)."""
    import facturx

    return facturx.xml_check_xsd(xml, flavor="factur-x", level=LEVEL)
