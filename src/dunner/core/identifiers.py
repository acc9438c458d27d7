"""Registration, VAT and bank identifiers, checked with python-stdnum (checksums, formats, country rules).

A number with a bad checksum is refused; a registration number that is not French (not 9 or 14
digits) is kept as typed, since company numbers elsewhere have no common checksum.
"""

from __future__ import annotations

import re

from dunner.core.errors import BadInput

EU_VAT_PREFIXES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "XI",
    }
)


def _check(module: object, value: str, what: str) -> str:
    from stdnum.exceptions import ValidationError

    try:
        return module.validate(value)  # type: ignore[attr-defined]
    except ValidationError as exc:
        reason = "has a bad checksum" if type(exc).__name__ == "InvalidChecksum" else f"is not valid ({exc})"
        raise BadInput(f"{what} '{value}' {reason}") from None


def registration(value: str) -> str:
    """A SIREN (9 digits) or SIRET (14 digits) is checked (Luhn) and kept compact; other numbers as typed."""
    digits = re.sub(r"[\s.-]", "", value)
    if digits.isdigit() and len(digits) in (9, 14):
        from stdnum.fr import siren, siret

        return _check(siren if len(digits) == 9 else siret, digits, "SIREN" if len(digits) == 9 else "SIRET")
    return value.strip()


def siren_of(value: str | None) -> str | None:
    """The SIREN (first 9 digits) of a French registration number, if it is one."""
    digits = re.sub(r"[\s.-]", "", value or "")
    return digits[:9] if digits.isdigit() and len(digits) in (9, 14) else None


ADDRESS = re.compile(r"[A-Za-z0-9+\-_.]{1,125}")  # BR-FR-23, BR-FR-25: the directory's addresses (scheme 0225)


def electronic_address(value: str, registration: str | None) -> str:
    """Where a French business receives its e-invoices: its address in the platforms' directory.

    The SIREN itself, or the SIREN followed by a SIRET or a routing code ("552100554_COMPTA"); always
    the client's own SIREN first, when it has one."""
    text = value.strip()
    if not ADDRESS.fullmatch(text):
        raise BadInput(
            f"electronic address '{value}' is not a directory address",
            hint="a SIREN, or a SIREN and a routing code such as 552100554_COMPTA: letters, digits and + - _ ."
            " (125 characters at most)",
        )
    siren = siren_of(registration)
    if siren and not text.startswith(siren):
        raise BadInput(f"electronic address '{value}' does not start with the client's SIREN {siren}")
    return text


def vat_number(value: str) -> str:
    """An EU (or UK) VAT number is checked for its country's format and check digits; others kept."""
    compact = re.sub(r"[\s.-]", "", value).upper()
    prefix = compact[:2]
    if prefix in EU_VAT_PREFIXES:
        from stdnum.eu import vat

        return _check(vat, compact, "VAT number")
    if prefix == "GB":
        from stdnum.gb import vat as gb_vat

        return "GB" + _check(gb_vat, compact, "VAT number")
    return value.strip()


def iban(value: str) -> str:
    from stdnum import iban as iban_module

    return iban_module.format(_check(iban_module, value, "IBAN"))


def bic(value: str) -> str:
    from stdnum import bic as bic_module

    return _check(bic_module, value, "BIC")
