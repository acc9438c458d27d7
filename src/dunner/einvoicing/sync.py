"""`dunner platform sync` (and the start of `remind`): what the platform says since the last sync.

1. Pages through the flows updated since the last sync (`POST /v1/flows/search`, updatedAfter).
2. A flow dunner sent: its acknowledgement. `Ok` is recorded; `Error` on an invoice means the platform
   rejected it, so it is not legally issued: said loudly and put on the agenda.
3. A lifecycle flow about dunner's invoices: downloaded (`GET /v1/flows/{flowId}`), its CDAR parsed, each
   status recorded once with its effect (einvoicing/statuses.py).
4. The payments to report (212 Encaissée) are submitted (einvoicing/reports.py).
Where it got to is saved after each flow, so an interrupted sync starts again from there and nothing a
status says is lost: a flow is counted as read only once its statuses are in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.storage.ledger import Ledger
from dunner.einvoicing.flows import Outcome
from dunner.einvoicing.reports import report_payments
from dunner.einvoicing.statuses import Applied, apply_status

LIFECYCLE_TYPES = frozenset({"CustomerInvoiceLC"})  # statuses of the invoices dunner's user issues
DUPLICATE = "AlreadyExistingFlow"  # the platform's own duplicate check: the tracking id has a flow already


@dataclass
class SyncReport:
    flows: int = 0
    acknowledged: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # tracking id, why
    statuses: list[Applied] = field(default_factory=list)
    reported: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def last_sync(ledger: Ledger) -> str | None:
    return ledger.scalar("SELECT updated_after FROM platform_sync WHERE id = 1")


def _save(ledger: Ledger, updated_at: datetime) -> None:
    from dunner.edges.platform_answers import stamp

    ledger.execute(
        "INSERT INTO platform_sync (id, updated_after, synced_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET updated_after = excluded.updated_after, synced_at = excluded.synced_at",
        (stamp(updated_at), utc_now()),
    )


def sync(ledger: Ledger, config: Config, flows: Any, on: date) -> SyncReport:
    """Read what changed on the platform since the last sync, then report the payments received."""
    from dunner.core.errors import BadInput

    report = SyncReport()
    days = config.section("einvoicing").get("payment_sent_days", 7)
    for flow in flows.search(updated_after=last_sync(ledger)):
        statuses: list[Any] = []
        if flow.flow_type in LIFECYCLE_TYPES and flow.direction == "In":
            try:  # read before the transaction: no lock is held while the network answers
                statuses = _statuses(flows, flow.flow_id)
            except BadInput as exc:  # a malformed CDAR: said, and the sync stops here to read it again later
                report.problems.append(f"flow {flow.flow_id} from the platform was not read: {exc.message}")
                break
        with ledger.transaction():
            if flow.direction == "Out" and flow.tracking_id and _ours(ledger, flow.tracking_id):
                _acknowledgement(ledger, flow, on, report)
            report.statuses += [apply_status(ledger, flow.flow_id, s, config, payment_sent_days=days) for s in statuses]
            report.flows += 1
            _save(ledger, flow.updated_at)
    if not report.problems:
        report.reported = report_payments(ledger, config, flows)
    return report


def _ours(ledger: Ledger, tracking_id: str) -> bool:
    return bool(ledger.scalar("SELECT 1 FROM platform_flow WHERE tracking_id = ?", (tracking_id,)))


def _statuses(flows: Any, flow_id: str) -> list[Any]:
    from dunner.edges.cdar import parse_cdar

    return parse_cdar(flows.download(flow_id).content)


def _acknowledgement(ledger: Ledger, flow: Any, on: date, report: SyncReport) -> None:
    """What the platform says of a flow dunner sent. Several flows may share one tracking id (a submission whose
    answer was lost, then submitted again): the one the platform took counts, the duplicates it refused do not."""
    row = ledger.one(
        "SELECT f.state, f.kind, f.flow_id, f.invoice_id, v.client_id FROM platform_flow f"
        " JOIN invoice v ON v.id = f.invoice_id WHERE f.tracking_id = ?",
        (flow.tracking_id,),
    )
    ack, other = flow.ack_status, row["flow_id"] is not None and row["flow_id"] != flow.flow_id
    duplicate = bool(flow.ack_details) and all(d.reason_code == DUPLICATE for d in flow.ack_details)
    if ack == "Ok" and row["state"] in ("submitted", "sending", "failed", "refused"):
        ledger.execute(
            "UPDATE platform_flow SET state = 'acknowledged', flow_id = ?, error = NULL, updated_at = ?"
            " WHERE tracking_id = ?",
            (flow.flow_id, utc_now(), flow.tracking_id),
        )
        report.acknowledged.append(flow.tracking_id)
    elif ack == "Error" and not other and not duplicate and row["state"] != "rejected":
        _rejected(ledger, row, flow, on, report)


def _rejected(ledger: Ledger, row: Any, flow: Any, on: date, report: SyncReport) -> None:
    from dunner.einvoicing.statuses import not_delivered

    why = flow.ack_reason or "no reason given"
    ledger.execute(
        "UPDATE platform_flow SET state = 'rejected', flow_id = ?, error = ?, updated_at = ? WHERE tracking_id = ?",
        (flow.flow_id, why[:500], utc_now(), flow.tracking_id),
    )
    if row["kind"] == "invoice":
        not_delivered(ledger, row["client_id"], row["invoice_id"], on, f"the platform rejected the invoice: {why}")
    report.rejected.append((flow.tracking_id, why))
