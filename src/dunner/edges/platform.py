"""The approved platform (PA) of the French e-invoicing reform, through the AFNOR XP Z12-013 APIs every PA exposes:
the Flow Service (submit a flow, search flows, download one, healthcheck) and the Directory Service (where a SIREN
receives its invoices). Paths, parameters and bodies follow the OpenAPI documents 1.1.0 in
`shared/specs/fr-einvoicing/xp-z12-013/`; `flow_url` and `directory_url` are the bases those paths hang from
(`https://pa.example/flow-service`).

    settings = PlatformSettings.from_config(config.section("einvoicing"), config.resolve)
    client = FlowClient(settings)
    sent = client.submit(tracking_id="F-2026-0001", name="F-2026-0001.pdf", content=pdf, flow_syntax="Factur-X",
                         flow_profile="CIUS", processing_rule="B2B")            # -> SubmittedFlow (flow_id ...)
    for flow in client.search(updated_after=last):                              # -> FlowSummary, every page
        xml = client.download(flow.flow_id).content                             # -> FlowDocument
    client.lookup("552100554")                                                  # -> [DirectoryEntry]

Every call raises one of `PlatformError`'s subclasses (edges/platform_http.py says what each means); a search or
a download can be repeated at will, a submission that raised `PlatformUncertain` cannot.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput, ConfigError
from dunner.edges import secrets
from dunner.edges.platform_answers import (
    AckDetail,
    DirectoryEntry,
    FlowDocument,
    FlowSummary,
    LegalUnit,
    SubmittedFlow,
    directory_entry,
    flow_summary,
    generality,
    parse_time,
    stamp,
    utc,
)
from dunner.edges.platform_http import (
    PlatformAuthError,
    PlatformError,
    PlatformRefused,
    PlatformUnavailable,
    PlatformUncertain,
    Session,
    host_of,
)

__all__ = [
    "AckDetail",
    "DirectoryEntry",
    "FlowClient",
    "FlowDocument",
    "FlowSummary",
    "LegalUnit",
    "PlatformAuthError",
    "PlatformError",
    "PlatformRefused",
    "PlatformSettings",
    "PlatformUnavailable",
    "PlatformUncertain",
    "SubmittedFlow",
]

# The enumerations of FlowInfo (flow-service-1.1.0.json, components.schemas).
SYNTAXES = frozenset({"CII", "UBL", "Factur-X", "CDAR", "FRR"})
PROFILES = frozenset({"Basic", "CIUS", "Extended-CTC-FR"})
RULES = frozenset({"B2B", "B2BInt", "B2C", "OutOfScope", "ArchiveOnly", "NotApplicable"})
DOC_TYPES = frozenset({"Metadata", "Original", "Converted", "ReadableView"})
MAX_ID = 36  # NotOnlyUuid: trackingId and flowId
PAGE = 100  # the most results SearchFlowParams.limit allows
DIRECTORY_PAGE = 100
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OVERLAP = timedelta(milliseconds=1)  # each search page starts a little before the last time read (see search)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class PlatformSettings:
    """How to reach the platform. `client_secret` is resolved (from a variable or a command) and never shown."""

    flow_url: str
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    directory_url: str | None = None
    timeout: float = 30  # seconds for each connection and each read
    token_auth: str = "basic"  # how the token request carries the credentials: HTTP "basic" or "form" fields
    scope: str | None = None  # an OAuth2 scope, for the platforms that want one
    ca_file: Path | None = None  # a CA to trust besides the system's (a platform's test environment)

    @classmethod
    def from_config(cls, section: dict[str, Any], resolve_path: Callable[[str], Path]) -> PlatformSettings:
        """From the `[einvoicing]` section: flow_url, directory_url, token_url, client_id, client_secret_env or
        client_secret_command, timeout (and token_auth, scope, ca_file). The secret command runs now."""
        missing = [k for k in ("flow_url", "token_url", "client_id") if not section.get(k)]
        if missing:
            raise ConfigError(f"[einvoicing] {', '.join(missing)} not set", hint="see example.toml, [einvoicing]")
        urls = {k: _base_url(section[k], k) for k in ("flow_url", "token_url", "directory_url") if section.get(k)}
        token_auth = section.get("token_auth", "basic")
        if token_auth not in ("basic", "form"):
            raise ConfigError(f'[einvoicing] token_auth must be "basic" or "form", not {token_auth!r}')
        return cls(
            flow_url=urls["flow_url"],
            token_url=urls["token_url"],
            directory_url=urls.get("directory_url"),
            client_id=str(section["client_id"]),
            client_secret=_client_secret(section),
            timeout=int(section.get("timeout", 30)),
            token_auth=token_auth,
            scope=section.get("scope") or None,
            ca_file=resolve_path(section["ca_file"]) if section.get("ca_file") else None,
        )


def _base_url(value: str, key: str) -> str:
    """A URL from the config without its final slash; https, or http on this machine only (tests, tunnels)."""
    parts = urllib.parse.urlsplit(str(value))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"[einvoicing] {key} is not an http(s) URL: {value}")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ConfigError(f"[einvoicing] {key} must use https: the credentials would cross the network in clear")
    return str(value).rstrip("/")


def _client_secret(section: dict[str, Any]) -> str:
    if section.get("client_secret_env"):
        return secrets.from_env(section["client_secret_env"], "platform client secret")
    command = secrets.split_command(section.get("client_secret_command"), "[einvoicing] client_secret_command")
    if command:
        return secrets.run_command(command, "platform client secret")
    raise ConfigError(
        "[einvoicing] has no client secret",
        hint="set client_secret_env (a variable's name) or client_secret_command (a command that prints it)",
    )


class FlowClient:
    """The Flow Service and Directory Service of one platform, with one OAuth2 token for both.

    `opener` replaces urllib's (tests); `clock` gives monotonic seconds for the token's expiry.
    """

    def __init__(
        self,
        settings: PlatformSettings,
        *,
        opener: urllib.request.OpenerDirector | None = None,
        clock: Callable[[], float] = time.monotonic,
        page_size: int = PAGE,
    ) -> None:
        self.settings = settings
        self.session = Session(settings, opener, clock)
        self.page_size = page_size

    def submit(
        self,
        *,
        tracking_id: str,
        name: str,
        content: bytes,
        flow_syntax: str,
        flow_profile: str | None,
        processing_rule: str | None,
    ) -> SubmittedFlow:
        """POST /v1/flows: flowInfo (trackingId, name, processingRule, flowSyntax, flowProfile, sha256) and the
        file. A flow the platform would refuse is refused here (`PlatformRefused`) before anything is sent."""
        info = _flow_info(tracking_id, name, content, flow_syntax, flow_profile, processing_rule)
        body, content_type = _multipart(info, name or tracking_id, content)
        url = f"{self.settings.flow_url}/v1/flows"
        what = f"submit {tracking_id}"
        reply = self.session.request("POST", url, what=what, body=body, content_type=content_type, unsafe=True)
        data = reply.json(what, host_of(url), failure=PlatformUncertain)
        flow_id = data.get("flowId") if isinstance(data, dict) else None
        if not isinstance(flow_id, str) or not flow_id:
            raise PlatformUncertain(
                f"the platform at {host_of(url)} took {tracking_id} (HTTP {reply.status}) but gave no flowId",
                hint="check on the platform before submitting it again",
                request_id=reply.request_id,
            )
        return SubmittedFlow(
            flow_id=flow_id,
            submitted_at=parse_time(data.get("submittedAt")),
            tracking_id=data.get("trackingId", tracking_id),
            name=data.get("name", name),
            sha256=data.get("sha256") or info["sha256"],
            flow_syntax=data.get("flowSyntax") or flow_syntax,
            flow_profile=data.get("flowProfile", flow_profile),
            processing_rule=data.get("processingRule", processing_rule),
            request_id=reply.request_id,
        )

    def search(
        self,
        *,
        updated_after: datetime | str | None = None,
        flow_types: list[str] | None = None,
        directions: list[str] | None = None,
        tracking_id: str | None = None,
        ack_status: str | None = None,
        processing_rules: list[str] | None = None,
    ) -> Iterator[FlowSummary]:
        """Every flow updated after `updated_after` (a datetime, an ISO 8601 string, or None for all), oldest
        first, through every page of POST /v1/flows/search.

        The API pages on updatedAfter alone, so each page starts `OVERLAP` before the last time read and
        flows already given are skipped: no flow sharing a time with the end of a page is lost (as many flows at
        one time as a page holds cannot be paged: `PlatformError`). For the same reason the first page repeats the
        flows updated at `updated_after` itself: a caller handles them idempotently.
        """
        where: dict[str, Any] = {}
        for key, value in (("flowType", flow_types), ("flowDirection", directions)):
            if value:
                where[key] = list(value)
        if processing_rules:
            where["processingRule"] = list(processing_rules)
        if tracking_id:
            where["trackingId"] = tracking_id
        if ack_status:
            where["ackStatus"] = ack_status
        cursor, seen = utc(updated_after) or EPOCH, set()
        while True:
            flows = self._search_page(where, cursor - OVERLAP)
            new = [f for f in flows if (f.flow_id, f.updated_at) not in seen]
            for flow in new:
                seen.add((flow.flow_id, flow.updated_at))
                yield flow
            if len(flows) < self.page_size:
                return
            if not new:  # a whole page within OVERLAP of the cursor: the API cannot page past it
                raise PlatformError(
                    f"the platform at {host_of(self.settings.flow_url)} has {self.page_size} flows or more updated"
                    f" at {stamp(cursor)}: its search, which pages on updatedAfter alone, cannot go past them",
                    hint="ask the platform's support; nothing after that time was read",
                )
            cursor = max(cursor, flows[-1].updated_at)

    def _search_page(self, where: dict[str, Any], after: datetime) -> list[FlowSummary]:
        url = f"{self.settings.flow_url}/v1/flows/search"
        body = {"limit": self.page_size, "where": {**where, "updatedAfter": stamp(after)}}
        what = "search flows"
        reply = self.session.request("POST", url, what=what, body=_json(body), content_type="application/json")
        data = reply.json(what, host_of(url))
        results = data.get("results", []) if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise PlatformUnavailable(f"the platform at {host_of(url)} answered {what} without a list of results")
        return sorted((flow_summary(r, host_of(url)) for r in results), key=lambda f: f.updated_at)

    def metadata(self, flow_id: str) -> FlowSummary:
        """GET /v1/flows/{flowId}?docType=Metadata: what the platform knows of one flow."""
        url = self._flow_url(flow_id, "Metadata")
        what = f"read flow {flow_id}"
        return flow_summary(self.session.request("GET", url, what=what).json(what, host_of(url)), host_of(url))

    def download(self, flow_id: str, *, doc_type: str = "Original") -> FlowDocument:
        """GET /v1/flows/{flowId}?docType=Original (or Converted, ReadableView): the file of a flow, e.g. the CDAR
        of a lifecycle status."""
        url = self._flow_url(flow_id, doc_type)
        reply = self.session.request("GET", url, what=f"download flow {flow_id}", accept="*/*")
        disposition = Message()
        disposition["Content-Disposition"] = reply.headers.get("Content-Disposition", "")
        return FlowDocument(flow_id, reply.body, reply.content_type, disposition.get_filename(), doc_type)

    def _flow_url(self, flow_id: str, doc_type: str) -> str:
        if not flow_id or len(flow_id) > MAX_ID or doc_type not in DOC_TYPES:
            raise BadInput(f"not a flow id the platform can have given: {flow_id!r} ({doc_type})")
        query = urllib.parse.urlencode({"docType": doc_type})
        return f"{self.settings.flow_url}/v1/flows/{urllib.parse.quote(flow_id, safe='')}?{query}"

    def healthcheck(self) -> None:
        """GET /v1/healthcheck: returns if the Flow Service is up, raises `PlatformError` otherwise."""
        self.session.request("GET", f"{self.settings.flow_url}/v1/healthcheck", what="healthcheck", accept="*/*")

    def lookup(self, siren: str) -> list[DirectoryEntry]:
        """The directory lines of a SIREN (or of a SIRET, 14 digits), through every page of
        POST /v1/directory-line/search; the most general first (no SIRET, suffix or routing code), lines on a
        disabled platform or a closed routing code last. [] if the company receives nothing yet."""
        number = re.sub(r"\s", "", siren or "")
        if not re.fullmatch(r"\d{9}|\d{14}", number):
            raise BadInput(f"not a SIREN or SIRET: {siren!r}", hint="9 digits (SIREN) or 14 (SIRET)")
        key = "siren" if len(number) == 9 else "siret"
        url, what = f"{self._directory()}/v1/directory-line/search", f"directory lookup {number}"
        entries: list[DirectoryEntry] = []
        ignore = 0
        while True:
            body = {"filters": {key: {"op": "contains", "value": number}}, "limit": DIRECTORY_PAGE, "ignore": ignore}
            reply = self.session.request("POST", url, what=what, body=_json(body), content_type="application/json")
            data = reply.json(what, host_of(url))
            results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(results, list):
                raise PlatformUnavailable(f"the directory at {host_of(url)} answered {what} without results")
            # "contains" would also match longer numbers: keep the lines of this very company
            entries += [e for r in results if (e := directory_entry(r)) and getattr(e, key) in (None, number)]
            ignore += len(results)
            total = data.get("totalNumberOfResults")
            if len(results) < DIRECTORY_PAGE or (isinstance(total, int) and ignore >= total):
                return sorted(entries, key=generality)

    def legal_unit(self, siren: str) -> LegalUnit | None:
        """GET /v1/siren/code-insee:{siren}: the company as the directory knows it; None if it does not."""
        if not re.fullmatch(r"\d{9}", siren or ""):
            raise BadInput(f"not a SIREN: {siren!r}", hint="9 digits")
        url, what = f"{self._directory()}/v1/siren/code-insee:{siren}", f"directory company {siren}"
        try:
            data = self.session.request("GET", url, what=what).json(what, host_of(url))
        except PlatformRefused as exc:
            if exc.status == 404:
                return None
            raise
        data = data if isinstance(data, dict) else {}
        status = data.get("administrativeStatus")
        return LegalUnit(siren, data.get("businessName"), data.get("entityType"), None if not status else status == "A")

    def _directory(self) -> str:
        if not self.settings.directory_url:
            raise ConfigError("[einvoicing] directory_url is not set", hint="the Directory Service of your platform")
        return self.settings.directory_url


def _flow_info(
    tracking_id: str, name: str, content: bytes, syntax: str, profile: str | None, rule: str | None
) -> dict[str, str]:
    """The FlowInfo part, checked against the schema's limits first: a refusal dunner can foresee is made here."""
    problems = []
    if not tracking_id or len(tracking_id) > MAX_ID:
        problems.append(f"trackingId {tracking_id!r} is empty or longer than {MAX_ID} characters")
    if len(name) > 255:
        problems.append(f"the file name is longer than 255 characters: {name[:40]}...")
    if syntax not in SYNTAXES:
        problems.append(f"unknown flowSyntax {syntax!r}")
    if profile is not None and profile not in PROFILES:
        problems.append(f"unknown flowProfile {profile!r}")
    if rule is not None and rule not in RULES:
        problems.append(f"unknown processingRule {rule!r}")
    if not content:
        problems.append("the file is empty")
    if problems:
        raise PlatformRefused(f"not submitted, the platform would refuse it: {'; '.join(problems)}")
    info = {
        "trackingId": tracking_id,
        "name": name,
        "flowSyntax": syntax,
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    if profile:
        info["flowProfile"] = profile
    if rule:
        info["processingRule"] = rule
    return info


def _multipart(info: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """multipart/form-data (RFC 7578) with the `flowInfo` JSON part and the `file` part, as createFlow wants."""
    boundary = f"dunner-{uuid.uuid4().hex}"
    while boundary.encode() in content:  # pragma: no cover - 128 random bits
        boundary = f"dunner-{uuid.uuid4().hex}"
    media = "application/pdf" if content.startswith(b"%PDF") else "application/xml"
    safe_name = re.sub(r'["\\\r\n]', "_", filename)
    file_head = f'Content-Disposition: form-data; name="file"; filename="{safe_name}"\r\nContent-Type: {media}\r\n'
    parts = [
        (b'Content-Disposition: form-data; name="flowInfo"\r\nContent-Type: application/json\r\n', _json(info)),
        (file_head.encode("utf-8"), content),
    ]
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + head + b"\r\n" + data + b"\r\n" for head, data in parts)
    return body + b"--" + boundary.encode() + b"--\r\n", f"multipart/form-data; boundary={boundary}"


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
