"""Renderings with more than one table: the client statement and the aging colours."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dunner.cli.styles import lateness_style
from dunner.edges.output import (
    Column,
    blank_zero,
    console,
    days_late,
    dump_json,
    human,
    machine,
    write_csv,
    write_table,
)

if TYPE_CHECKING:
    from dunner.ledger.statement import Statement


OPEN_COLUMNS = [
    Column("invoice"),
    Column("issued"),
    Column("due"),
    Column("amount", numeric=True),
    Column("paid", numeric=True),
    Column("outstanding", numeric=True),
    Column("days_overdue", "days late", numeric=True, show=days_late),
]
PAYMENT_COLUMNS = [
    Column("id", numeric=True),
    Column("date"),
    Column("amount", numeric=True),
    Column("method"),
    Column("reference"),
    Column("applied_to", "applied to"),
    Column("unapplied", numeric=True),
]


def _open_rows(st: Statement) -> Iterator[dict[str, Any]]:
    for i in st.open():
        yield {
            "invoice": i.number if i.seq == 1 else f"{i.number}/{i.seq}",
            "issued": i.issued_on,
            "due": i.due_on,
            "currency": i.amount.currency,
            "amount": i.amount,
            "paid": i.paid,
            "outstanding": i.outstanding,
            "days_overdue": i.days_overdue(st.as_of),
        }


def _payment_rows(st: Statement) -> Iterator[dict[str, Any]]:
    for p in st.payments():
        yield {
            "id": p.payment_id,
            "date": p.received_on,
            "currency": p.amount.currency,
            "amount": p.amount,
            "method": p.method,
            "reference": p.reference,
            "applied": p.applied,
            "unapplied": p.unapplied,
        }


def show_statement(st: Statement, fmt: str, locale: str) -> None:
    """The statement as a table, as CSV (what is open) or as JSON, the rows written as they are read."""
    if fmt == "csv":
        columns = [Column("invoice"), Column("issued"), Column("due"), Column("currency"), *OPEN_COLUMNS[3:]]
        write_csv(_open_rows(st), columns, sys.stdout)
    elif fmt == "json":
        doc = {
            "client": {k: machine(v) for k, v in st.client.as_row().items()},
            "as_of": st.as_of.isoformat(),
            "open": ({k: machine(v) for k, v in row.items()} for row in _open_rows(st)),
            "payments": (
                {
                    **{k: machine(v) for k, v in row.items() if k != "applied"},
                    "applied": [{"invoice": n, "amount": str(m)} for n, m in row["applied"]],
                }
                for row in _payment_rows(st)
            ),
            "credit": [{"currency": m.currency, "amount": str(m)} for m in st.credit],
            "balance": lambda: [{"currency": m.currency, "amount": str(m)} for m in st.balance()],
        }
        dump_json(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        _statement_table(st, locale)


def _statement_table(st: Statement, locale: str) -> None:
    c = st.client
    out = console()
    out.print(f"[bold]{c.name}[/] ({c.code}) - statement as of {st.as_of.isoformat()}")
    details = [c.contact, c.email, c.phone, f"terms {c.terms} days" if c.terms is not None else None]
    out.print(" · ".join(d for d in details if d))
    write_table(
        _open_rows(st),
        OPEN_COLUMNS,
        locale=locale,
        title="Open invoices",
        row_style=lambda r: lateness_style(r["days_overdue"]),
        empty="No open invoices.",
    )
    payments = [
        {**row, "applied_to": ", ".join(f"{n} {human(m, locale)}" for n, m in row["applied"])}
        for row in _payment_rows(st)
    ]
    write_table(payments, PAYMENT_COLUMNS, locale=locale, title="Payments", empty="No payments.")
    if st.credit:
        out.print("Unapplied credit: " + ", ".join(human(m, locale) for m in st.credit))
    balance = ", ".join(human(m, locale) for m in st.balance()) or human(0, locale)
    out.print(f"[bold]Balance due: {balance}[/]")


def show_receipt(receipt: Any, locale: str) -> None:
    """Say what a payment did, on stdout: where the money went and what stays as credit."""
    import typer

    parts = [
        f"{human(a.amount, locale)} to {a.number}{'' if a.seq == 1 else f'/{a.seq}'}"
        + (" (now paid)" if not a.still_due else f" ({human(a.still_due, locale)} still due)")
        for a in receipt.applied
    ]
    typer.echo(
        f"Payment #{receipt.payment_id} of {human(receipt.amount, locale)} from {receipt.client} "
        f"on {receipt.received_on}: " + ("; ".join(parts) if parts else "nothing was open") + "."
    )
    for number, amount, terms, note in receipt.discounts:
        typer.echo(
            f"Early-payment discount of {human(amount, locale)} granted on {number} ({terms}) by credit note"
            f" {note}: now paid."
        )
    if receipt.unapplied:
        typer.echo(
            f"{human(receipt.unapplied, locale)} more than was owed stays as {receipt.client}'s credit "
            f"(credit now {human(receipt.client_credit, locale)})."
        )


def show_aging(ledger: Any, as_of: Any, by: str, buckets: Any, fmt: str, locale: str, chart: bool = False) -> None:
    from dunner.edges.output import emit
    from dunner.ledger import aging

    if by == "invoice":
        rows = aging.aging_by_invoice(ledger, as_of, buckets)
        columns = [
            Column(
                k,
                numeric=k in ("days_overdue", "outstanding"),
                show=days_late if k == "days_overdue" else None,
            )
            for k in aging.INVOICE_COLUMNS
        ]
        emit(
            fmt,
            rows,
            columns,
            locale=locale,
            title=f"Aging by invoice as of {as_of}",
            row_style=lambda r: lateness_style(r["days_overdue"]),
            empty="Nothing is owed.",
        )
        if chart:
            _aging_chart(list(aging.aging_by_client(ledger, as_of, buckets)), buckets, locale)
        return
    names = aging.client_columns(buckets)
    columns = [
        Column(
            k,
            numeric=k not in ("client", "currency"),
            show=blank_zero(locale) if k not in ("client", "currency", "total") else None,
        )
        for k in names
    ]
    rows = aging.aging_by_client(ledger, as_of, buckets)
    if fmt != "table":
        emit(fmt, rows, columns, locale=locale)
        return
    listed = list(rows)
    styles = {name: lateness_style(low) for name, low in zip(buckets.names, buckets.lows, strict=True)}
    emit(
        fmt,
        [*listed, *aging.currency_totals(listed, buckets)],
        columns,
        locale=locale,
        title=f"Aging by client as of {as_of}",
        cell_style=lambda row, col: styles.get(col.key) if col.key in styles and row[col.key] else None,
        row_style=lambda r: "bold" if r["client"] == "TOTAL" else None,
        empty="Nothing is owed.",
    )
    if chart:
        _aging_chart(listed, buckets, locale)


def _aging_chart(rows: list[dict[str, Any]], buckets: Any, locale: str) -> None:
    from dunner.cli.render_insight import show_aging_chart
    from dunner.ledger.aging import currency_totals

    show_aging_chart(currency_totals(rows, buckets), buckets, locale)


def show_run(report: Any, fmt: str, locale: str) -> None:
    """What `remind` did, one row per action; warnings and uncertain sends on stderr."""
    import typer

    from dunner.dunning.runs import COLUMNS
    from dunner.edges.output import emit

    styles = {
        "sent": "green",
        "failed": "bold red",
        "task": "yellow",
        "planned": "cyan",
        "skipped": "dim",
        "cancelled": "dim",
        "held": "magenta",
    }
    columns = [Column(k, numeric=k == "amount") for k in COLUMNS]
    title = "Reminders (dry run: nothing sent or recorded)" if report.dry_run else "Reminders"
    emit(
        fmt,
        (a.as_row() for a in report.actions),
        columns,
        locale=locale,
        title=title,
        cell_style=lambda row, col: styles.get(row["status"]) if col.key == "status" else None,
        empty="Nothing to do today.",
    )
    for note in report.bank:
        typer.echo(f"Bank: {note}.", err=True)
    if report.platform is not None:
        from dunner.cli.einvoice import say_sync

        say_sync(report.platform)
    if report.platform_problem:
        typer.echo(f"Warning: {report.platform_problem}.", err=True)
    for warning in report.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if report.uncertain:
        typer.echo(
            f"Warning: {len(report.uncertain)} reminder(s) were left 'sending' by an interrupted run and may or may "
            f"not have gone out: {'; '.join(report.uncertain)}. 'dunner remind --resend-uncertain' sends them "
            "again under the same Message-ID (a mail reader that got the first copy shows one message).",
            err=True,
        )


CLAIM_COLUMNS = [
    Column("from"),
    Column("to"),
    Column("days", numeric=True),
    Column("rate", "rate %", numeric=True),
    Column("base", numeric=True),
    Column("amount", "interest", numeric=True),
]


def show_claim(result: Any, as_of: Any, fmt: str, locale: str) -> None:
    """A claim: JSON with amounts as strings, or a table of its periods and totals."""
    import typer

    from dunner.dunning.claims import rate_text

    claim = result.claim
    periods = [
        {"from": p.start, "to": p.end, "days": p.days, "rate": rate_text(p.rate), "base": p.base, "amount": amount}
        for p, amount in zip(claim.periods, claim.amounts, strict=True)
    ]
    if fmt == "json":
        json.dump(_claim_document(result, as_of, periods), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif fmt == "csv":
        write_csv(periods, CLAIM_COLUMNS, sys.stdout)
    else:
        _claim_table(result, as_of, periods, locale)
    for warning in claim.warnings:
        typer.echo(f"Warning: {warning}", err=True)


def _claim_document(result: Any, as_of: Any, periods: list[dict[str, Any]]) -> dict[str, Any]:
    claim = result.claim
    return {
        "invoice": result.number,
        "currency": claim.currency,
        "as_of": as_of.isoformat(),
        "law": result.law.name,
        "principal": str(claim.principal),
        "interest": str(claim.interest),
        "indemnity": str(claim.indemnity),
        "total": str(claim.total),
        "instalments": [
            {
                "instalment": o.seq,
                "due_on": o.due_on.isoformat(),
                "amount": str(o.amount),
                "paid": str(o.paid + o.credit),
                "due": str(o.due),
            }
            for o in result.owed
        ],
        "periods": [{k: machine(v) for k, v in p.items()} for p in periods],
        "warnings": list(claim.warnings),
    }


def _claim_table(result: Any, as_of: Any, periods: list[dict[str, Any]], locale: str) -> None:
    claim = result.claim
    write_table(
        periods,
        CLAIM_COLUMNS,
        locale=locale,
        title=f"Claim on {result.number} as of {as_of} ({result.law.title})",
        empty="No interest: nothing was late.",
    )
    out = console()
    for label, money in (
        ("Principal", claim.principal),
        ("Interest", claim.interest),
        ("Indemnity", claim.indemnity),
        ("Total", claim.total),
    ):
        out.print(f"{label:<10} {human(money, locale):>16}", style="bold" if label == "Total" else None)


def show_agenda(rows: Any, as_of: Any, fmt: str, locale: str) -> None:
    from dunner.dunning.agenda import COLUMNS
    from dunner.edges.output import emit

    styles = {
        "pre-due-call": "green",
        "call": "yellow",
        "letter": "magenta",
        "promise": "cyan",
        "broken-promise": "red",
        "check": "bold red",
        "bank-proposed": "blue",
        "bank-unmatched": "blue",
        "platform": "bold red",
    }
    emit(
        fmt,
        rows,
        [Column(k, numeric=k == "amount") for k in COLUMNS],
        locale=locale,
        title=f"Agenda for {as_of}",
        row_style=lambda r: styles.get(r["kind"]),
        empty="Nothing on the agenda.",
    )


def show_issued(new: Any, locale: str) -> None:
    """The new number on stdout (for scripts); what was issued, and any warning, on stderr."""
    import typer

    typer.echo(new.number)
    kind = {"deposit": "Deposit invoice", "credit_note": "Credit note"}.get(new.kind, "Invoice")
    parts = [f"{kind} {new.number} to {new.client.code}: {human(new.total, locale)}"]
    if new.totals.vat:
        parts.append(f"incl. VAT {human(new.totals.vat, locale)}")
    if new.deductions:
        parts.append(f"deposits {human(new.prepaid, locale)} deducted")
    if new.plan:
        dues = ", ".join(f"{human(amount, locale)} on {day}" for day, amount in new.plan)
        parts.append(f"due {dues}" if len(new.plan) > 1 else f"due {new.plan[0][0]}")
    typer.echo(", ".join(parts) + ".", err=True)
    for note in new.notes:
        typer.echo(f"Warning: {note}", err=True)
