"""What the platform's answers hold (edges/platform.py): the flows, files and directory lines as plain dataclasses,
and their reading from the JSON of the XP Z12-013 APIs (schemas Flow, FullFlowInfo, directory lines). Every field the
schemas leave optional may be None; an answer without what a caller cannot do without is the platform's fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dunner.edges.platform_http import PlatformUnavailable


@dataclass(frozen=True)
class SubmittedFlow:
    """The platform's answer to a submission (FullFlowInfo): the flowId, when it was taken, what it recorded."""

    flow_id: str
    submitted_at: datetime | None
    tracking_id: str | None
    name: str | None
    sha256: str  # the platform's if it said one, else the one dunner sent
    flow_syntax: str
    flow_profile: str | None
    processing_rule: str | None
    request_id: str  # the X-Request-Id of the submission


@dataclass(frozen=True)
class AckDetail:
    level: str  # Error | Warning
    item: str
    reason_code: str  # ReasonCodeEnum (AlreadyExistingFlow, InvalidSchema...) or a platform's own code
    reason_message: str


@dataclass(frozen=True)
class FlowSummary:
    """A flow as the search (or `metadata`) gives it (schema Flow). `direction` "Out" is a flow dunner sent,
    "In" one the platform delivers (lifecycle statuses: flow_type CustomerInvoiceLC)."""

    flow_id: str
    updated_at: datetime  # updatedAt (submittedAt if absent), UTC: the position of the flow in the search
    tracking_id: str | None = None
    flow_type: str | None = None
    direction: str | None = None
    syntax: str | None = None
    profile: str | None = None
    processing_rule: str | None = None
    submitted_at: datetime | None = None
    ack_status: str | None = None  # Pending | Ok | Error
    ack_details: tuple[AckDetail, ...] = ()

    @property
    def ack_reason(self) -> str | None:
        """The acknowledgement's details in one line ("AlreadyExistingFlow: ..."), errors first; None if none."""
        details = sorted(self.ack_details, key=lambda d: d.level != "Error")
        text = "; ".join(": ".join(p for p in (d.reason_code, d.reason_message) if p) for d in details)
        return text or None


@dataclass(frozen=True)
class FlowDocument:
    """A flow's file (GET /v1/flows/{flowId}?docType=...): its bytes, their media type and file name."""

    flow_id: str
    content: bytes = field(repr=False)
    content_type: str
    filename: str | None
    doc_type: str


@dataclass(frozen=True)
class DirectoryEntry:
    """A directory line: where invoices to a SIREN (or one of its SIRETs, routing codes) are to be addressed."""

    address: str  # addressingIdentifier: the electronic address (BT-49, scheme 0225)
    siren: str | None = None
    siret: str | None = None
    suffix: str | None = None  # addressingSuffix
    routing_code: str | None = None  # routingCode.routingIdentifier
    routing_code_type: str | None = None
    routing_code_name: str | None = None
    routing_active: bool | None = None  # routingCode.administrativeStatus A
    platform_type: str | None = None  # WK (a PA) | DFH
    platform_enabled: bool | None = None  # platform.platformStatus Enabled
    business_name: str | None = None
    legal_unit_active: bool | None = None  # legalUnit.administrativeStatus A


@dataclass(frozen=True)
class LegalUnit:
    """A company in the directory (GET /v1/siren/code-insee:{siren})."""

    siren: str
    business_name: str | None
    entity_type: str | None  # Public | PrivateVatRegistered
    active: bool | None


def utc(value: datetime | str | None) -> datetime | None:
    """A time as aware UTC; a string is ISO 8601; a naive time is taken as UTC."""
    if value is None or value == "":
        return None
    when = datetime.fromisoformat(value.strip().upper()) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def stamp(when: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as the API's examples write it: 2026-12-03T17:21:38.241Z."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    try:
        return utc(value) if isinstance(value, str) else None
    except ValueError:
        return None


def flow_summary(data: Any, host: str) -> FlowSummary:
    """A FlowSummary from a Flow object; one without a flowId or a time cannot be followed: the answer is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("flowId"), str):
        raise PlatformUnavailable(f"the platform at {host} listed a flow without a flowId")
    updated = parse_time(data.get("updatedAt")) or parse_time(data.get("submittedAt"))
    if updated is None:
        raise PlatformUnavailable(f"the platform at {host} listed flow {data['flowId']} without a time")
    ack = data.get("acknowledgement") if isinstance(data.get("acknowledgement"), dict) else {}
    details = tuple(
        AckDetail(
            str(d.get("level", "")),
            str(d.get("item", "")),
            str(d.get("reasonCode", "")),
            str(d.get("reasonMessage", "")),
        )
        for d in ack.get("details") or []
        if isinstance(d, dict)
    )
    return FlowSummary(
        flow_id=data["flowId"],
        updated_at=updated,
        tracking_id=data.get("trackingId"),
        flow_type=data.get("flowType"),
        direction=data.get("flowDirection"),
        syntax=data.get("flowSyntax"),
        profile=data.get("flowProfile"),
        processing_rule=data.get("processingRule"),
        submitted_at=parse_time(data.get("submittedAt")),
        ack_status=ack.get("status"),
        ack_details=details,
    )


def directory_entry(line: Any) -> DirectoryEntry | None:
    """A DirectoryEntry from a directory line; None for a line without an address (nothing to send to)."""
    if not isinstance(line, dict) or not line.get("addressingIdentifier"):
        return None
    routing = line.get("routingCode") if isinstance(line.get("routingCode"), dict) else {}
    platform = line.get("platform") if isinstance(line.get("platform"), dict) else {}
    unit = line.get("legalUnit") if isinstance(line.get("legalUnit"), dict) else {}
    return DirectoryEntry(
        address=str(line["addressingIdentifier"]),
        siren=line.get("siren"),
        siret=line.get("siret"),
        suffix=line.get("addressingSuffix"),
        routing_code=routing.get("routingIdentifier"),
        routing_code_type=routing.get("routingIdentifierType"),
        routing_code_name=routing.get("routingCodeName"),
        routing_active=_flag(routing.get("administrativeStatus"), "A"),
        platform_type=platform.get("platformType"),
        platform_enabled=_flag(platform.get("platformStatus"), "Enabled"),
        business_name=unit.get("businessName"),
        legal_unit_active=_flag(unit.get("administrativeStatus"), "A"),
    )


def _flag(value: Any, yes: str) -> bool | None:
    return None if value is None else value == yes


def generality(entry: DirectoryEntry) -> tuple[bool, bool, int, str]:
    """Sort key: open lines before closed ones (platform disabled, routing code closed), an active company first,
    then the least specific address (the SIREN's own before a SIRET's, a suffix's or a routing code's)."""
    closed = entry.platform_enabled is False or entry.routing_active is False
    specific = sum(1 for v in (entry.siret, entry.suffix, entry.routing_code) if v)
    return closed, entry.legal_unit_active is False, specific, entry.address
