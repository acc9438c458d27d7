"""The options that describe an invoice, shared by invoice and deposit (STYLE §2)."""

from __future__ import annotations

from typing import Annotated

import typer

from dunner.cli.options import date_option, whole_option

Opt = typer.Option

Lines = Annotated[
    list[str] | None, Opt("--line", help='A line "description;quantity;unit price;VAT rate" (repeat).', metavar="LINE")
]
Vat = Annotated[str | None, Opt("--vat", help="VAT rate of the one-amount form (AMOUNT is then before VAT).")]
Number = Annotated[str | None, Opt("--number", help="Bring an existing invoice over with its own number.")]
Issued = Annotated[str | None, date_option("--issued", "Issue date (default today).")]
ServiceDate = Annotated[str | None, date_option("--service-date", "When the work was done (default: issue date).")]
Due = Annotated[str | None, date_option("--due", "Due date.")]
Terms = Annotated[int | None, whole_option("--terms", "Days from the issue date to the due date.", metavar="DAYS")]
EndOfMonth = Annotated[bool, Opt("--end-of-month", help="Terms run to the end of the month (fin de mois).")]
Instalments = Annotated[int | None, whole_option("--instalments", "Split into N equal instalments.")]
Every = Annotated[int | None, whole_option("--every", "Days between instalments (default 30).", metavar="DAYS")]
Schedule = Annotated[str | None, Opt("--schedule", help="Explicit plan DATE=AMOUNT,...,DATE (last = the rest).")]
Discount = Annotated[str | None, Opt("--discount", help="Early-payment discount RATE/DAYS, e.g. 2/10; none.")]
Deduct = Annotated[list[str] | None, Opt("--deduct", help="A deposit invoice to deduct (repeat).", metavar="DEPOSIT")]
Currency = Annotated[str | None, Opt("--currency", help="ISO 4217 code (default: the client's).")]
Description = Annotated[str | None, Opt("--description", help="What the invoice is for.")]
Force = Annotated[bool, Opt("--force", help="Accept terms beyond the legal caps (they are noted).")]
VatExemption = Annotated[
    str | None,
    Opt("--vat-exemption", help="Why its 0 % VAT lines carry none (default: the client's; none).", metavar="KEY"),
]
Category = Annotated[
    str | None,
    Opt("--category", help="What it bills: goods, services or mixed (default [defaults] category).", metavar="KIND"),
]
DeliveryAddress = Annotated[
    str | None, Opt("--delivery-address", help="Where the goods went, when not to the client's address.")
]
Order = Annotated[str | None, Opt("--order", help="The client's order reference (purchase order).", metavar="REF")]
