"""The agenda: what a person has to do today (calls, letters, promises to check, sends to verify, and the
bank credits dunner could not match by itself)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from dunner.core.money import Money
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.balances import ACTIVE, INSTALMENTS, PAID
from dunner.ledger.settling import METHOD_CREDIT_NOTE

COLUMNS = ["kind", "client", "invoice", "contact", "phone", "amount", "since", "detail"]
# A task (a call, a letter) is worth doing while its instalment is owed as of :as_of: not once it is
# paid in full (credit notes and discounts are allocated like payments), voided or written off.
TASK_OWED = f"({ACTIVE} AND i.amount_cents > {PAID})"


def _open_cents(ledger: Ledger, invoice_id: int, as_of: date) -> int:
    return ledger.scalar(
        f"SELECT COALESCE(SUM(i.amount_cents - {PAID}), 0) FROM instalment i WHERE i.invoice_id = :invoice_id",
        {"as_of": as_of.isoformat(), "invoice_id": invoice_id},
    )


def agenda(ledger: Ledger, as_of: date, config: Config | None = None) -> Iterator[dict[str, Any]]:
    """Tasks from `remind` not yet done, pre-due calls for large invoices, promises due or broken, sends to check."""
    day = as_of.isoformat()
    # a send of a run still going (a concurrent remind) is a delivery in progress, not one to check
    going = ledger.running(r[0] for r in ledger.all("SELECT owner FROM reminder WHERE status = 'sending'") if r[0])
    for row in ledger.rows(
        "SELECT r.step, r.channel, r.status, r.acted_on, r.error, r.owner, v.id AS invoice_id, v.number, v.currency,"
        " c.code, c.name, c.contact, c.phone, c.email FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
        " JOIN invoice v ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id"
        " WHERE r.status IN ('task', 'sending', 'rejected') AND r.acted_on <= :as_of"
        f" AND (r.status <> 'task' OR {TASK_OWED})"
        " ORDER BY r.acted_on, c.code, v.number",
        {"as_of": day},
    ):
        if row["status"] == "sending" and row["owner"] in going:
            continue
        kind = row["channel"] if row["status"] == "task" else "check"
        detail = {
            "task": f"step {row['step']}",
            "sending": f"step {row['step']}: the run stopped while sending; did it go out?",
            "rejected": f"step {row['step']} refused by the mail server: {row['error']}",
        }[row["status"]]
        yield _item(
            kind,
            row,
            Money(_open_cents(ledger, row["invoice_id"], as_of), row["currency"]),
            date.fromisoformat(row["acted_on"]),
            detail,
        )
    if config is not None:
        yield from _pre_due_calls(ledger, config, as_of)
    yield from _promises(ledger, as_of)
    from dunner.bank.lines import doubtful_credits
    from dunner.einvoicing.status import attention

    yield from doubtful_credits(ledger, as_of)
    owners = [r[0] for r in ledger.all("SELECT owner FROM platform_flow WHERE state = 'sending'") if r[0]]
    yield from attention(ledger, as_of, ledger.running(owners))


def close_settled_tasks(
    ledger: Ledger, as_of: date, client: str | None = None, uncertain: Iterable[tuple[int, str | None]] = ()
) -> list[dict[str, Any]]:
    """Close the open tasks whose instalment is no longer owed as of `as_of`; `remind` calls it (it writes).

    `agenda` already leaves them out by itself (it only reads, so a past date shows that day's tasks);
    here each is kept as `cancelled` with why, for `dunner history`, and the scheduler counts it as
    done. So are the `uncertain` sends (id, owner as seen) of such instalments: nobody needs to know any
    more whether they went out. Returns one row per row closed, in the shape of a `remind` action."""
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "credit": METHOD_CREDIT_NOTE}
    only = ""
    if client:
        only, params["client"] = " AND lower(c.code) = lower(:client)", client
    pairs = sorted((i, o or "") for i, o in uncertain)
    left = " OR ".join(f"(r.id = :u{n} AND COALESCE(r.owner, '') = :o{n})" for n in range(len(pairs)))
    for n, (row_id, owner) in enumerate(pairs):
        params[f"u{n}"], params[f"o{n}"] = row_id, owner
    wanted = "r.status = 'task' AND r.acted_on <= :as_of" + (f" OR r.status = 'sending' AND ({left})" if left else "")
    wanted = f"({wanted})"
    closed = []
    with ledger.transaction():
        for row in ledger.all(
            "SELECT r.id, r.step, r.channel, r.status AS was, v.number, i.seq, v.status, v.status_on, c.code, EXISTS ("
            "  SELECT 1 FROM allocation a JOIN payment p ON p.id = a.payment_id"
            "  WHERE a.instalment_id = i.id AND a.applied_on <= :as_of AND p.method = :credit) AS credited"
            " FROM reminder r JOIN instalment i ON i.id = r.instalment_id JOIN invoice v ON v.id = i.invoice_id"
            " JOIN client c ON c.id = v.client_id"
            f" WHERE {wanted} AND v.issued_on <= :as_of AND NOT {TASK_OWED}{only}"
            " ORDER BY c.code, v.number, i.seq, r.step",
            params,
        ):
            if row["status"] != "issued" and row["status_on"] <= params["as_of"]:
                why = row["status"].replace("_", " ")  # written off, void
            else:
                why = "credited" if row["credited"] else "paid in full"
            detail = f"no longer needed: {why}"
            if row["was"] == "sending":
                detail += " (whether the interrupted send went out stays unknown)"
            ledger.execute(
                "UPDATE reminder SET status = 'cancelled', error = ?, updated_at = ?, acted_on = ? WHERE id = ?",
                (detail, utc_now(), params["as_of"], row["id"]),
            )
            label = row["number"] if row["seq"] == 1 else f"{row['number']}/{row['seq']}"
            closed.append(
                {"client": row["code"], "invoice": label, "step": row["step"], "channel": row["channel"]}
                | {"status": "cancelled", "detail": detail}
            )
    return closed


def _item(kind: str, row: Any, amount: Money, since: date, detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "client": row["code"],
        "invoice": row["number"],
        "contact": row["contact"] or row["name"],
        "phone": row["phone"] or row["email"],
        "amount": amount,
        "since": since,
        "detail": detail,
    }


def _promises(ledger: Ledger, as_of: date) -> Iterator[dict[str, Any]]:
    """The latest promise of each invoice: falling due today, or broken (past and still unpaid)."""
    day = as_of.isoformat()
    for row in ledger.rows(
        "SELECT e.invoice_id, e.promise_on, v.number, v.currency, c.code, c.name, c.contact, c.phone, c.email"
        " FROM event e JOIN invoice v ON v.id = e.invoice_id JOIN client c ON c.id = v.client_id"
        " WHERE e.kind = 'promise' AND e.happened_on <= ? AND e.promise_on <= ? AND e.id = ("
        "   SELECT MAX(id) FROM event x"
        "   WHERE x.invoice_id = e.invoice_id AND x.kind = 'promise' AND x.happened_on <= ?)"
        " ORDER BY e.promise_on, c.code",
        (day, day, day),
    ):
        owed = _open_cents(ledger, row["invoice_id"], as_of)
        if owed <= 0:
            continue
        promised = date.fromisoformat(row["promise_on"])
        kind = "promise" if promised == as_of else "broken-promise"
        detail = "payment promised for today" if promised == as_of else f"promised for {promised}, still unpaid"
        yield _item(kind, row, Money(owed, row["currency"]), promised, detail)


DEFAULT_CALL_DAYS_BEFORE = 7


def _pre_due_calls(ledger: Ledger, config: Config, as_of: date) -> Iterator[dict[str, Any]]:
    """A call to the billing contact before a large invoice falls due, so it is in the next payment run.

    Large: an invoice (or deposit) asking at least `[agenda] call_amount` (its total less the deposits
    it deducts), in its own currency.
    The call is listed from `call_days_before` days before each open instalment's due date to the
    due date itself, and leaves the agenda once a call on that invoice is logged in that time.
    """
    section = config.section("agenda")
    threshold = section.get("call_amount")
    if threshold is None:
        return
    before = section.get("call_days_before", DEFAULT_CALL_DAYS_BEFORE)
    for row in ledger.rows(
        f"""SELECT o.*, c.code, c.name, c.contact, c.phone, c.email,
            v.total_cents - v.prepaid_cents AS asked_cents FROM ({INSTALMENTS}) o
        JOIN invoice v ON v.id = o.invoice_id JOIN client c ON c.id = o.client_id
        WHERE v.kind IN ('invoice', 'deposit') AND o.amount_cents > o.paid_cents
          AND o.due_on >= :as_of AND o.due_on <= :horizon
          AND NOT EXISTS (SELECT 1 FROM event e WHERE e.invoice_id = o.invoice_id AND e.kind = 'call'
                          AND e.happened_on >= date(o.due_on, :window) AND e.happened_on <= :as_of)
        ORDER BY o.due_on, c.code, o.number, o.seq""",
        {
            "as_of": as_of.isoformat(),
            "horizon": (as_of + timedelta(days=before)).isoformat(),
            "window": f"-{before} days",
        },
    ):
        if Money(row["asked_cents"], row["currency"]).amount < threshold:  # deposits deducted are not asked
            continue
        due = date.fromisoformat(row["due_on"])
        part = "" if row["seq"] == 1 else f" (instalment {row['seq']})"
        when = "today" if due == as_of else f"on {due}"
        detail = f"large invoice due {when}{part}: check it is in the next payment run"
        if not row["phone"]:
            detail += "; no phone number on file"
        owed = Money(row["amount_cents"] - row["paid_cents"], row["currency"])
        yield _item("pre-due-call", row, owed, due - timedelta(days=before), detail)
