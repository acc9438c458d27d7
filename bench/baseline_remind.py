"""The baselines (the limits) of the two `remind` rows: the same job with sqlite3, jinja2 and mailbox alone.

    python bench/baseline_remind.py choose LEDGER AS_OF
    python bench/baseline_remind.py deliver LEDGER AS_OF TEMPLATES MAILDIR

`choose` runs one SQL query that picks, for every open instalment, the first step of the standard
policy whose day has come and that the ledger has not recorded, and writes them as CSV. It leaves out
what dunner checks besides (disputes, promises, pauses, the client's credit, the gap between overdue
steps, a skip versus a send): it is the floor, not an equivalent program.

`deliver` takes the same rows and, for each email step, renders the same template files in the same
sandboxed Jinja environment (babel for amounts and dates), builds the same multipart message (text and
HTML, threading headers) and adds it to a Maildir. It records nothing in the ledger.

It imports nothing from dunner, so its start-up is Python's, sqlite3's, jinja2's and babel's alone.
"""

from __future__ import annotations

import csv
import mailbox
import sqlite3
import sys
from datetime import date, timedelta
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any

# dunner's built-in standard profile (policy.BUILTIN["standard"]); tests/test_bench.py keeps them equal.
STEPS = [
    ("courtesy", -5, "email"),
    ("due-today", 0, "email"),
    ("reminder-1", 7, "email"),
    ("call", 14, "call"),
    ("reminder-2", 21, "email"),
    ("formal-notice", 30, "email"),
    ("handoff", 45, "letter"),
]
DONE = "('sent', 'skipped', 'task', 'done')"
BUSINESS = {"name": "Atelier Bench", "email": "factures@bench.example", "legal_form": "", "phone": ""}


def due_steps(conn: sqlite3.Connection, as_of: date) -> sqlite3.Cursor:
    """One query: the open instalments with the step now due for each, in client order."""
    values = ", ".join(
        f"({pos}, '{name}', {offset}, '{(as_of - timedelta(days=offset)).isoformat()}')"
        for pos, (name, offset, _) in enumerate(STEPS)
    )
    sql = f"""
        WITH steps (pos, name, offset_days, cutoff) AS (VALUES {values})
        SELECT * FROM (
            SELECT c.code, c.name, c.email, c.contact, c.language, v.number, v.issued_on, v.currency, i.seq, i.due_on,
                   i.amount_cents, COALESCE((SELECT SUM(a.amount_cents) FROM allocation a
                       WHERE a.instalment_id = i.id AND a.applied_on <= :as_of), 0) AS paid_cents,
                   (SELECT s.name FROM steps s
                    WHERE i.due_on <= s.cutoff
                      AND (s.offset_days > 0 OR (s.offset_days = 0 AND i.due_on = :as_of)
                           OR (s.offset_days < 0 AND i.due_on > :as_of))
                      AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.instalment_id = i.id AND r.step = s.name
                                      AND r.status IN {DONE})
                    ORDER BY s.pos LIMIT 1) AS step
            FROM instalment i JOIN invoice v ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id
            WHERE v.issued_on <= :as_of AND (v.status = 'issued' OR v.status_on > :as_of)
              AND i.due_on <= :horizon
            LIMIT -1 OFFSET 0
        ) WHERE amount_cents > paid_cents AND step IS NOT NULL
        ORDER BY lower(code), due_on, number, seq
    """
    horizon = as_of - timedelta(days=min(offset for _, offset, _ in STEPS))
    return conn.execute(sql, {"as_of": as_of.isoformat(), "horizon": horizon.isoformat()})


def amount(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def choose(ledger: str, as_of: date) -> None:
    out = csv.writer(sys.stdout)
    out.writerow(["client", "invoice", "step", "amount"])
    for row in due_steps(sqlite3.connect(ledger), as_of):
        out.writerow([row[0], row[5], row[-1], amount(row[10] - row[11])])


def environment(templates: str) -> Any:
    from babel.dates import format_date
    from babel.numbers import format_currency
    from jinja2 import FileSystemLoader, StrictUndefined, pass_context, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = pass_context(
        lambda ctx, value: format_currency(value, ctx["currency"], locale=ctx["locale"])
    )
    env.filters["date"] = pass_context(lambda ctx, value, style="long": format_date(value, style, locale=ctx["locale"]))
    return env


def context(row: sqlite3.Row, as_of: date) -> dict:
    """What the templates of the standard steps read, for a message about one instalment."""
    due_on, issued_on = date.fromisoformat(row["due_on"]), date.fromisoformat(row["issued_on"])
    total, paid = Decimal(row["amount_cents"]).scaleb(-2), Decimal(row["paid_cents"]).scaleb(-2)
    number = row["number"] if row["seq"] == 1 else f"{row['number']}/{row['seq']}"
    invoice = {
        "number": number,
        "issued_on": issued_on,
        "due_on": due_on,
        "days_late": (as_of - due_on).days,
        "total": total,
        "paid": paid,
        "due": total - paid,
        "link": None,
    }
    return {
        "locale": "fr_FR" if row["language"] == "fr" else "en_GB",
        "language": row["language"],
        "as_of": as_of,
        "subject": "",
        "business": BUSINESS,
        "client": {"code": row["code"], "name": row["name"], "contact": row["contact"], "email": row["email"]},
        "greeting": row["contact"] or ("Madame, Monsieur" if row["language"] == "fr" else "Sir or Madam"),
        "invoices": [invoice],
        "total_due": total - paid,
        "to_pay": total - paid,
        "currency": row["currency"],
        "claim": None,
        "deadline": as_of + timedelta(days=8),
        "payment": {"iban": "", "bic": "", "reference": row["number"], "links": [], "qr": False, "qr_cid": ""},
    }


def deliver(ledger: str, as_of: date, templates: str, folder: str) -> None:
    env = environment(templates)
    box = mailbox.Maildir(folder, create=True)
    policy = SMTP.clone(cte_type="7bit")
    conn = sqlite3.connect(ledger)
    conn.row_factory = sqlite3.Row
    channel = {name: how for name, _, how in STEPS}
    local, domain = BUSINESS["email"].split("@")
    sent = 0
    for row in due_steps(conn, as_of):
        if channel[row["step"]] != "email":
            continue
        ctx = context(row, as_of)
        base = f"mail/{row['language']}/{row['step']}"
        subject = " ".join(env.get_template(f"{base}.subject.txt").render(ctx).split())
        ctx["subject"] = subject
        msg = EmailMessage(policy=policy)
        msg["From"] = Address(BUSINESS["name"], local, domain)
        msg["To"] = [Address(row["name"], *addr.strip().split("@", 1)) for addr in row["email"].split(",")]
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(idstring="bench", domain=domain)
        root = f"<invoice.{row['number']}@{domain}>"
        msg["In-Reply-To"] = root
        msg["References"] = root
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(env.get_template(f"{base}.txt").render(ctx))
        msg.add_alternative(env.get_template(f"{base}.html").render(ctx), subtype="html")
        box.add(msg)
        sent += 1
    print(f"{sent} messages", file=sys.stderr)


if __name__ == "__main__":
    what, ledger, day = sys.argv[1:4]
    if what == "choose":
        choose(ledger, date.fromisoformat(day))
    else:
        deliver(ledger, date.fromisoformat(day), *sys.argv[4:6])
