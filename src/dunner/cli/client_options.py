"""The options that describe a client, shared by add-client and edit-client (STYLE §2)."""

from __future__ import annotations

from typing import Annotated

import typer

from dunner.cli.options import whole_option

Opt = typer.Option

Name = Annotated[str | None, Opt("--name", help="Legal or trading name.")]
Email = Annotated[str | None, Opt("--email", help="Where reminders go; several addresses separated by commas.")]
Contact = Annotated[str | None, Opt("--contact", help="The person who releases payments.")]
Phone = Annotated[str | None, Opt("--phone", help="Phone number for calls.")]
Kind = Annotated[str | None, Opt("--kind", help="business or consumer (default from config).")]
Registration = Annotated[str | None, Opt("--registration", help="SIREN/SIRET or company number.")]
VatNumber = Annotated[str | None, Opt("--vat-number", help="Intra-EU VAT number.")]
Address = Annotated[str | None, Opt("--address", help="Postal address (may span lines).")]
Language = Annotated[str | None, Opt("--language", help="fr or en: language of their documents.")]
Currency = Annotated[str | None, Opt("--currency", help="Default currency of their invoices.")]
Terms = Annotated[int | None, whole_option("--terms", "Payment terms in days (default from config).", metavar="DAYS")]
CreditLimit = Annotated[str | None, Opt("--credit-limit", help="Most you will let them owe.")]
Country = Annotated[str | None, Opt("--country", help="ISO country code (default: the business's).")]
EndOfMonth = Annotated[
    bool | None, Opt("--end-of-month/--not-end-of-month", help="Their terms run to the end of the month.")
]
Profile = Annotated[
    str | None, Opt("--profile", help="Dunning profile, e.g. gentle or firm (edit: empty for the rules').")
]
Law = Annotated[str | None, Opt("--law", help="Late-payment law profile, e.g. fr-b2b, uk, de-b2b.")]
Iban = Annotated[
    list[str] | None,
    Opt("--iban", help="An account they pay from (checked; repeat for several): their transfers match by it."),
]
ElectronicAddress = Annotated[
    str | None,
    Opt(
        "--electronic-address",
        help="Where they receive e-invoices (the platforms' directory): their SIREN, or SIREN_ROUTINGCODE"
        " (default: their SIREN).",
        metavar="ADDRESS",
    ),
]
VatExemption = Annotated[
    str | None,
    Opt(
        "--vat-exemption",
        help="Why their 0 % VAT lines carry none: reverse-charge, intra-eu, export or a [vat] exemptions key"
        " (none: no reason).",
        metavar="KEY",
    ),
]


def given(values: dict[str, object]) -> dict[str, object]:
    """The client fields among a command's parameters (every column of a client but its code)."""
    from dunner.ledger.clients import CLIENT_COLUMNS

    return {k: values[k] for k in CLIENT_COLUMNS if k != "code"}
