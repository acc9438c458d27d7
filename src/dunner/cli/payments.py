"""The pay command: money received, applied oldest due first."""

from typing import Annotated

import typer

from dunner.cli.app import app
from dunner.cli.options import date_option
from dunner.cli.state import state

Opt = typer.Option


@app.command("pay")
def pay(
    ctx: typer.Context,
    args: Annotated[
        list[str],
        typer.Argument(help="INVOICE AMOUNT, or just AMOUNT with --client.", metavar="[INVOICE] AMOUNT"),
    ],
    client: Annotated[
        str | None, Opt("--client", help="Apply to this client's open invoices, oldest due first.")
    ] = None,
    on: Annotated[str | None, date_option("--on", "Date received (default today).")] = None,
    method: Annotated[str, Opt("--method", help="transfer, card, cheque, cash, direct_debit or other.")] = "transfer",
    reference: Annotated[str | None, Opt("--reference", help="Bank or cheque reference (unique per client).")] = None,
    currency: Annotated[
        str | None, Opt("--currency", help="Currency of the payment (default: invoice's or client's).")
    ] = None,
    note: Annotated[str | None, Opt("--note", help="A note kept with the payment.")] = None,
) -> None:
    """Record a payment for an invoice, or for a client's open invoices.

    Money beyond what is owed stays as the client's credit, and dunner says so.

    Example: dunner pay F-2026-0007 600 --on 2026-03-02 --reference VIR-88123
    """
    from dunner.cli.render import show_receipt
    from dunner.core.errors import BadInput
    from dunner.ledger.payments import record_payment

    wanted = 1 if client else 2
    if len(args) != wanted:
        raise BadInput("give INVOICE AMOUNT, or AMOUNT with --client")
    shared = state(ctx)
    receipt = record_payment(
        shared.ledger,
        shared.config,
        args[-1],
        invoice=None if client else args[0],
        client=client,
        received_on=shared.as_of(on),
        method=method,
        reference=reference,
        currency=currency,
        note=note,
    )
    show_receipt(receipt, shared.locale)
    from dunner.cli.einvoice import report_received

    report_received(shared)
