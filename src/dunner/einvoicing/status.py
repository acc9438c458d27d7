"""What the platform knows of an invoice (`dunner platform status`), what needs a person (the agenda), and
how to reach the platform from the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dunner.core.errors import ConfigError
from dunner.core.money import Money
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.einvoicing.statuses import label
from dunner.ledger.invoices import get_invoice


def connect(config: Config) -> Any:
    """A Flow Service client from `[einvoicing]` (its secret from the environment or a command)."""
    from dunner.edges.platform import FlowClient, PlatformSettings

    section = config.section("einvoicing")
    if not section.get("flow_url"):
        raise ConfigError("no [einvoicing] flow_url in the config", hint="see example.toml, [einvoicing]")
    return FlowClient(PlatformSettings.from_config(section, config.resolve))


def configured(config: Config) -> bool:
    return bool(config.section("einvoicing").get("flow_url"))


FLOW_COLUMNS = ("tracking_id", "kind", "state", "flow_id", "amount", "currency", "attempts", "error", "updated")
STATUS_COLUMNS = ("date", "status", "reason", "amount", "currency", "flow_id")
CSV_COLUMNS = ("record", "date", "tracking_id", "what", "state", "flow_id", "reason", "amount", "currency")


def invoice_status(ledger: Ledger, number: str) -> dict[str, Any]:
    """The flows dunner submitted about an invoice and every status received, oldest first."""
    invoice = get_invoice(ledger, number)
    flows = [
        {
            "tracking_id": r["tracking_id"],
            "kind": r["kind"] if r["status_code"] is None else f"status {r['status_code']}",
            "state": r["state"],
            "flow_id": r["flow_id"] or "",
            "amount": Money(r["amount_cents"], invoice.currency) if r["amount_cents"] is not None else None,
            "currency": invoice.currency if r["amount_cents"] is not None else None,
            "attempts": r["attempts"],
            "error": r["error"] or "",
            "updated": r["updated_at"],
        }
        for r in ledger.rows("SELECT * FROM platform_flow WHERE invoice_id = ? ORDER BY id", (invoice.id,))
    ]
    statuses = [_status(r, invoice.currency) for r in ledger.rows(
        "SELECT * FROM platform_status WHERE invoice_id = ? ORDER BY status_on, id", (invoice.id,)
    )]  # fmt: skip
    return {"invoice": invoice.number, "flows": flows, "statuses": statuses}


def _status(row: Any, currency: str) -> dict[str, Any]:
    cents, currency = row["amount_cents"], row["currency"] or currency
    return {
        "date": date.fromisoformat(str(row["status_on"])),
        "status": label(row["code"]),
        "reason": " ".join(p for p in (row["reason_code"], row["reason_text"]) if p),
        "amount": Money(cents, currency) if cents is not None else None,
        "currency": currency if cents is not None else None,
        "flow_id": row["flow_id"],
    }


def status_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The flows and the statuses of `invoice_status` as one list of records (for CSV): flows first."""
    flows = [
        {"record": "flow", "date": f["updated"][:10], "tracking_id": f["tracking_id"], "what": f["kind"],
         "state": f["state"], "flow_id": f["flow_id"], "reason": f["error"], "amount": f["amount"],
         "currency": f["currency"]}
        for f in found["flows"]
    ]  # fmt: skip
    statuses = [
        {"record": "status", "date": s["date"], "tracking_id": "", "what": s["status"], "state": "",
         "flow_id": s["flow_id"], "reason": s["reason"], "amount": s["amount"], "currency": s["currency"]}
        for s in found["statuses"]
    ]  # fmt: skip
    return flows + statuses


def attention(ledger: Ledger, as_of: date, going: set[str]) -> Iterator[dict[str, Any]]:
    """Agenda items: invoices the platform rejected (not issued legally), submissions left uncertain."""
    for row in ledger.rows(
        "SELECT f.tracking_id, f.state, f.kind, f.error, f.owner, f.updated_at, v.number, v.currency, v.total_cents,"
        " c.code, c.name, c.contact, c.phone, c.email FROM platform_flow f JOIN invoice v ON v.id = f.invoice_id"
        " JOIN client c ON c.id = v.client_id WHERE f.state IN ('rejected', 'sending') ORDER BY f.updated_at, f.id"
    ):
        if row["state"] == "sending" and row["owner"] in going:
            continue
        what = "the invoice" if row["kind"] == "invoice" else f"the status {row['tracking_id']}"
        detail = (
            f"the platform rejected {what}: {row['error'] or 'no reason given'}"
            + (" (not issued legally: correct and send it again)" if row["kind"] == "invoice" else "")
            if row["state"] == "rejected"
            else f"{what} may or may not have reached the platform: check there, then --resend-uncertain"
        )
        yield {
            "kind": "platform",
            "client": row["code"],
            "invoice": row["number"],
            "contact": row["contact"] or row["name"],
            "phone": row["phone"] or row["email"],
            "amount": Money(row["total_cents"], row["currency"]),
            "since": date.fromisoformat(row["updated_at"][:10]),
            "detail": detail,
        }
