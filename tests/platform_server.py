"""A local approved platform on 127.0.0.1 for the tests: the AFNOR XP Z12-013 Flow Service and Directory Service,
and an OAuth2 client-credentials token endpoint (which the standard leaves to each platform).

Every request to the two services is checked against the official OpenAPI documents with openapi-core, and so is
every answer before it leaves; what fails is kept in `violations` (the `fake_platform` fixture asserts there are
none). The copies of the documents differ from the official ones in two places only, both said in SPEC_PATCHES.

Tests script it:
    platform.fail_next(503)                          the next call answers 503 (or 429 with retry_after=..., 500...)
    platform.reject_next_submission("InvalidSchema") the next flow is taken, then acknowledged Error
    platform.expire_tokens()                         every token given so far is refused (401)
    platform.stall_next(1.0)                         the next answer waits (a client timeout), the work is done
    platform.drop_next("/v1/flows")                  the next such request is done, then the connection is closed
                                                     without an answer (a crash between submit and record)
    platform.add_incoming(xml, tracking_id=...)      a lifecycle flow (CDAR) delivered to dunner
    platform.add_directory_line({...})               what the Directory Service knows
and read what it got: `submitted` (flowInfo, file, part types), `requests`, `token_requests`.
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import hashlib
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from helpers import fr_einvoicing_specs, no_specs_reason

SPECS = fr_einvoicing_specs()
NO_SPECS = no_specs_reason()
FLOW_SPEC = SPECS / "xp-z12-013" / "flow-service-1.1.0.json"
DIRECTORY_SPEC = SPECS / "xp-z12-013" / "directory-service-1.1.0.json"
LIFECYCLE = SPECS / "examples" / "lifecycle"
CDAR_XSD = SPECS / "cdar-d22b" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
FLOW_BASE, DIRECTORY_BASE, TOKEN_PATH = "/flow-service", "/directory-service", "/oauth/token"
# The published documents as served here: (1) `servers` are https production templates, replaced by this server's
# own base path; (2) ReasonCode is `oneOf: [ReasonCodeEnum, string]`, so every standard reason code matches both
# branches and is invalid: `anyOf`, as its description ("a predefined set ... + ability to extend") means.
SPEC_PATCHES = ("servers: the local base path", "ReasonCode: oneOf -> anyOf")
EPOCH = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RFC3339 = "%Y-%m-%dT%H:%M:%S.%f"


@cache
def openapi(which: str) -> Any:
    """The OpenAPI document of the flow or directory service, patched as SPEC_PATCHES says."""
    from openapi_core import OpenAPI

    spec = json.loads((FLOW_SPEC if which == "flow" else DIRECTORY_SPEC).read_text(encoding="utf-8"))
    spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": FLOW_BASE if which == "flow" else DIRECTORY_BASE}]
    reason = spec["components"]["schemas"].get("ReasonCode", {})
    if "oneOf" in reason:
        reason["anyOf"] = reason.pop("oneOf")
    return OpenAPI.from_dict(spec)


class _OARequest:
    """An http.server request as openapi-core's Request protocol wants it."""

    def __init__(self, method: str, host: str, target: str, headers: Any, body: bytes) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        parts = urllib.parse.urlsplit(target)
        self.host_url, self.path, self.method, self.body = f"http://{host}", parts.path, method.lower(), body or None
        self.headers = Headers(list(headers.items()))
        self.content_type = (self.headers.get("Content-Type") or "").lower()
        query = ImmutableMultiDict(urllib.parse.parse_qsl(parts.query))
        self.parameters = RequestParameters(query=query, header=self.headers, cookie=ImmutableMultiDict(), path={})


class _OAResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        from werkzeug.datastructures import Headers

        self.status_code, self.data, self.headers = status, body, Headers(list(headers.items()))
        self.content_type = (self.headers.get("Content-Type") or "").lower()


@dataclass
class StoredFlow:
    flow_id: str
    tracking_id: str | None
    flow_type: str
    direction: str
    syntax: str
    content: bytes
    name: str
    submitted_at: datetime
    updated_at: datetime
    processing_rule: str = "B2B"
    profile: str | None = None
    ack: str = "Ok"
    details: list[dict[str, str]] = field(default_factory=list)

    def as_flow(self) -> dict[str, Any]:
        """The schema `Flow`."""
        flow: dict[str, Any] = {
            "submittedAt": stamp(self.submitted_at),
            "updatedAt": stamp(self.updated_at),
            "flowId": self.flow_id,
            "flowType": self.flow_type,
            "processingRule": self.processing_rule,
            "processingRuleSource": "Input",
            "flowDirection": self.direction,
            "flowSyntax": self.syntax,
            "acknowledgement": {"status": self.ack, **({"details": self.details} if self.details else {})},
        }
        if self.tracking_id:
            flow["trackingId"] = self.tracking_id
        if self.profile:
            flow["flowProfile"] = self.profile
        return flow


@dataclass
class Submission:
    """What a POST /v1/flows carried: the flowInfo JSON, the file, each part's media type, the file name."""

    flow_info: dict[str, Any]
    file: bytes
    part_types: dict[str, str]
    filename: str | None
    flow_id: str


@dataclass
class Scripted:
    status: int
    body: bytes
    headers: dict[str, str]
    path: str  # answers the first request whose path contains this


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime(RFC3339)[:-3] + "Z"


class FakePlatform:
    """The server; `start()` it, point `settings()` at it, `stop()` it (the network goes down)."""

    client_id = "dunner-test"
    client_secret = "s3cret-Test-Secret"

    def __init__(self) -> None:
        self.flows: dict[str, StoredFlow] = {}
        self.submitted: list[Submission] = []
        self.requests: list[dict[str, Any]] = []
        self.token_requests: list[dict[str, str]] = []
        self.violations: list[str] = []
        self.tokens: set[str] = set()
        self.token_lifetime = 3600
        self.scripted: list[Scripted] = []
        self.rejections: list[dict[str, str]] = []
        self.stalls: list[tuple[float, str]] = []
        self.drops: list[str] = []
        self.directory_lines: list[dict[str, Any]] = []
        self.legal_units: dict[str, dict[str, Any]] = {}
        self.now, self.tick = EPOCH, timedelta(seconds=1)
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ life
    def start(self, port: int = 0) -> FakePlatform:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self, **extra: Any) -> dict[str, Any]:
        """An `[einvoicing]` section pointing here (the secret in TEST_PLATFORM_SECRET, for from_config tests)."""
        return {
            "flow_url": self.base + FLOW_BASE,
            "directory_url": self.base + DIRECTORY_BASE,
            "token_url": self.base + TOKEN_PATH,
            "client_id": self.client_id,
            "client_secret_env": "TEST_PLATFORM_SECRET",
            "timeout": 5,
            **extra,
        }

    def settings(self, **overrides: Any) -> Any:
        from dunner.edges.platform import PlatformSettings

        values = {
            "flow_url": self.base + FLOW_BASE,
            "directory_url": self.base + DIRECTORY_BASE,
            "token_url": self.base + TOKEN_PATH,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "timeout": 5,
        }
        return PlatformSettings(**(values | overrides))

    # ------------------------------------------------------------------ scripting
    def fail_next(
        self,
        status: int,
        *,
        error_code: str | None = None,
        message: str | None = None,
        retry_after: str | int | None = None,
        times: int = 1,
        path: str = "/v1/",
    ) -> None:
        """The next `times` requests whose path contains `path` answer `status` with the spec's Error body."""
        body = {"errorCode": error_code or {429: "TOO_MANY_REQUESTS", 503: "RESOURCE_ERROR"}.get(status, f"E{status}")}
        if message:  # the spec's own examples send null here, which its schema forbids: left out instead
            body["errorMessage"] = message
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.script(status, json.dumps(body).encode(), headers=headers, times=times, path=path)

    def script(
        self, status: int, body: bytes, *, headers: dict[str, str] | None = None, times: int = 1, path: str = "/v1/"
    ) -> None:
        """The next `times` requests whose path contains `path` get this answer, whatever it is (JSON by default)."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        with self.lock:
            self.scripted += [Scripted(status, body, headers, path) for _ in range(times)]

    def reject_next_submission(self, reason_code: str = "InvalidSchema", message: str = "not a valid invoice") -> None:
        self.rejections.append({"level": "Error", "item": "file", "reasonCode": reason_code, "reasonMessage": message})

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def stall_next(self, seconds: float, path: str = "") -> None:
        """The next answer (to a request whose path ends with `path`) is written `seconds` late (the request itself
        is handled at once)."""
        with self.lock:
            self.stalls.append((seconds, path))

    def drop_next(self, path: str) -> None:
        """The next request whose path ends with `path` is handled, then the connection is closed unanswered."""
        with self.lock:
            self.drops.append(path)

    def clock(self) -> datetime:
        with self.lock:
            self.now += self.tick
            return self.now

    def add_incoming(
        self,
        content: bytes,
        *,
        tracking_id: str | None = None,
        flow_type: str = "CustomerInvoiceLC",
        syntax: str = "CDAR",
        at: datetime | None = None,
        name: str | None = None,
    ) -> str:
        """A flow the platform delivers to dunner (direction In), e.g. a lifecycle status; returns its flowId."""
        when = at or self.clock()
        flow = StoredFlow(
            str(uuid.uuid4()), tracking_id, flow_type, "In", syntax, content, name or "status.xml", when, when
        )
        with self.lock:
            self.flows[flow.flow_id] = flow
        return flow.flow_id

    def acknowledge(self, flow_id: str, status: str = "Ok", details: list[dict[str, str]] | None = None) -> None:
        with self.lock:
            flow = self.flows[flow_id]
            flow.ack, flow.details, flow.updated_at = status, details or [], self.clock()

    def add_directory_line(self, line: dict[str, Any]) -> None:
        self.directory_lines.append(line)

    # ------------------------------------------------------------------ handling
    def handle(self, h: _Handler, method: str) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        path = urllib.parse.urlsplit(h.path).path
        self.requests.append(
            {
                "method": method,
                "path": h.path,
                "headers": {k: ("***" if k.lower() == "authorization" else v) for k, v in h.headers.items()},
                "authorization": (h.headers.get("Authorization") or "").split(" ")[0],
                "body": body,
            }
        )
        if path == TOKEN_PATH:
            status, headers, payload = self._scripted(path) or self._token(h, body)
            return self._write(h, status, headers, payload, None)
        which = "flow" if path.startswith(FLOW_BASE) else "directory" if path.startswith(DIRECTORY_BASE) else None
        if which is None:
            return self._write(h, 404, {"Content-Type": "text/plain"}, b"no such service", None)
        request = _OARequest(method, h.headers.get("Host", self.base[7:]), h.path, h.headers, body)
        result = openapi(which).unmarshal_request(request)
        if result.errors:
            self.violations.append(f"{method} {h.path}: request: {'; '.join(map(_why, result.errors))}")
            answer = self._error(400, "MISSING_REQUIRED_FIELD", "; ".join(map(_why, result.errors)), which)
        else:
            answer = self._scripted(path) or self._authorized(h, path, which) or self._route(request, result, body)
        with self.lock:
            dropped = next((d for d in self.drops if path.endswith(d)), None)
            if dropped is not None:
                self.drops.remove(dropped)
        if dropped is not None:  # the work is done; the answer never leaves
            h.close_connection = True
            return None
        self._write(h, *answer, (which, request))

    def _scripted(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        with self.lock:
            for i, s in enumerate(self.scripted):
                if s.path in path:
                    del self.scripted[i]
                    return s.status, s.headers, s.body
        return None

    def _authorized(self, h: _Handler, path: str, which: str) -> tuple[int, dict[str, str], bytes] | None:
        if path.endswith("/v1/healthcheck"):
            return None  # the spec documents no 401 there
        scheme, _, token = (h.headers.get("Authorization") or "").partition(" ")
        with self.lock:
            if scheme == "Bearer" and token in self.tokens:
                return None
        return self._error(401, "INVALID_TOKEN", "the access token is unknown or expired", which)

    def _route(self, request: _OARequest, result: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        method, path = request.method.upper(), request.path
        which = "flow" if path.startswith(FLOW_BASE) else "directory"
        local = path.removeprefix(FLOW_BASE if which == "flow" else DIRECTORY_BASE)
        if local == "/v1/healthcheck":
            return 200, {}, b""
        if which == "flow" and method == "POST" and local == "/v1/flows":
            return self._submit(request.content_type, result, body)
        if which == "flow" and method == "POST" and local == "/v1/flows/search":
            return self._search(json.loads(body))
        if which == "flow" and method == "GET" and local.startswith("/v1/flows/"):
            flow_id = urllib.parse.unquote(local.removeprefix("/v1/flows/"))
            return self._get(flow_id, result.parameters.query.get("docType", "Metadata"))
        if which == "directory" and method == "POST" and local == "/v1/directory-line/search":
            return self._directory_search(json.loads(body))
        if which == "directory" and method == "GET" and local.startswith("/v1/siren/code-insee:"):
            unit = self.legal_units.get(local.removeprefix("/v1/siren/code-insee:"))
            if unit is None:
                return self._error(404, "MISSING_RESOURCE", "no such SIREN", which)
            return 200, {"Content-Type": "application/json"}, json.dumps(unit).encode()
        return self._error(404, "MISSING_RESOURCE", f"not served here: {method} {local}", which)

    def _submit(self, content_type: str, result: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """POST /v1/flows: the flow is kept and acknowledged (Ok, or Error for a queued rejection, a second flow
        with the same trackingId, or a sha256 that is not the file's)."""
        parts = _multipart_parts(content_type, body)
        info, file = result.body["flowInfo"], result.body["file"]
        for name, expected in (("flowInfo", {"application/json"}), ("file", {"application/pdf", "application/xml"})):
            if parts.get(name, ("", None))[0] not in expected:  # openapi-core does not check the encoding
                self.violations.append(f"POST /v1/flows: part {name} is {parts.get(name, ('absent',))[0]}")
        raw_info = json.loads(parts["flowInfo"][1]) if "flowInfo" in parts else dict(info)
        when, flow_id = self.clock(), str(uuid.uuid4())
        with self.lock:
            details = [self.rejections.pop(0)] if self.rejections else []
            same = [f for f in self.flows.values() if f.direction == "Out" and f.tracking_id == info.get("trackingId")]
            if same:
                details.append(_detail("trackingId", "AlreadyExistingFlow", f"already received as {same[0].flow_id}"))
            if info.get("sha256") and info["sha256"] != hashlib.sha256(file).hexdigest():
                details.append(_detail("sha256", "ChecksumMismatch", "the file's sha256 is not the one given"))
            syntax = info["flowSyntax"]
            self.flows[flow_id] = StoredFlow(
                flow_id,
                info.get("trackingId"),
                "CustomerInvoiceLC" if syntax == "CDAR" else "CustomerInvoice",
                "Out",
                syntax,
                file,
                info.get("name") or "flow",
                when,
                when,
                processing_rule=info.get("processingRule", "B2B"),
                profile=info.get("flowProfile"),
                ack="Error" if details else "Ok",
                details=details,
            )
            self.submitted.append(
                Submission(
                    dict(raw_info),
                    file,
                    {k: v[0] for k, v in parts.items()},
                    parts.get("file", ("", "", None))[2],
                    flow_id,
                )
            )
        answer = {"flowId": flow_id, "submittedAt": stamp(when), **raw_info}
        return 202, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _search(self, params: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        where, limit = params["where"], params.get("limit", 25)
        after = _parse(where.get("updatedAfter"))
        before = _parse(where.get("updatedBefore"))
        lists = {"flowType": "flow_type", "flowDirection": "direction", "processingRule": "processing_rule"}
        with self.lock:
            found = [
                f
                for f in self.flows.values()
                if (after is None or f.updated_at > after)
                and (before is None or f.updated_at < before)
                and all(getattr(f, attr) in where[key] for key, attr in lists.items() if key in where)
                and where.get("trackingId") in (None, f.tracking_id)
                and where.get("ackStatus") in (None, f.ack)
            ]
            found.sort(key=lambda f: f.updated_at)
            results = [f.as_flow() for f in found[:limit]]
        answer = {"limit": limit, "filters": where, "results": results}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _get(self, flow_id: str, doc_type: str) -> tuple[int, dict[str, str], bytes]:
        flow = self.flows.get(flow_id)
        if flow is None or doc_type in ("Converted", "ReadableView"):
            return self._error(404, "MISSING_RESOURCE", "Requested resource is Not Found", "flow")
        if doc_type == "Metadata":
            return 200, {"Content-Type": "application/json"}, json.dumps(flow.as_flow()).encode()
        # the spec's pattern "attachment;filename=*" refuses the usual "attachment; filename=...": written its way
        disposition = f"attachment;filename={flow.name}"
        return 200, {"Content-Type": "application/octet-stream", "Content-Disposition": disposition}, flow.content

    def _directory_search(self, params: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        filters, limit, ignore = params.get("filters", {}), params.get("limit", 50), params.get("ignore", 0)

        def matches(line: dict[str, Any]) -> bool:
            for key, test in filters.items():
                value = line.get(key) if key != "routingIdentifier" else line.get("routingCode", {}).get(key)
                if value is None or (
                    test["value"] not in value if test.get("op") == "contains" else test["value"] != value
                ):
                    return False
            return True

        found = [line for line in self.directory_lines if matches(line)]
        answer = {"search": params, "totalNumberOfResults": len(found), "results": found[ignore : ignore + limit]}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _error(self, status: int, code: str, message: str, which: str) -> tuple[int, dict[str, str], bytes]:
        if which == "directory":  # the Directory Service's errors are problem+json (its `default` response)
            problem = {"type": "about:blank", "message": message, "status": status, "details": code}
            return status, {"Content-Type": "application/problem+json"}, json.dumps(problem).encode()
        error = {"errorCode": code, "errorMessage": message}
        return status, {"Content-Type": "application/json"}, json.dumps(error).encode()

    def _token(self, h: _Handler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """RFC 6749 §4.4 client credentials; the client authenticates with HTTP Basic or form fields."""
        form = dict(urllib.parse.parse_qsl(body.decode("ascii", "replace")))
        scheme, _, value = (h.headers.get("Authorization") or "").partition(" ")
        if scheme == "Basic":
            user, _, secret = base64.b64decode(value).decode().partition(":")
            given, how = (urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(secret)), "basic"
        else:
            given, how = (form.get("client_id", ""), form.get("client_secret", "")), "form"
        self.token_requests.append(
            {"auth": how, "grant_type": form.get("grant_type", ""), "scope": form.get("scope", "")}
        )
        json_type = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        if h.headers.get_content_type() != "application/x-www-form-urlencoded":
            return 400, json_type, b'{"error": "invalid_request", "error_description": "form-encoded body expected"}'
        if form.get("grant_type") != "client_credentials":
            return 400, json_type, b'{"error": "unsupported_grant_type"}'
        if given != (self.client_id, self.client_secret):
            return 401, {**json_type, "WWW-Authenticate": "Basic"}, b'{"error": "invalid_client"}'
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens.add(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime}
        return 200, json_type, json.dumps(answer).encode()

    def _write(self, h: _Handler, status: int, headers: dict[str, str], payload: bytes, check: Any) -> None:
        if check is not None:
            which, request = check
            try:
                openapi(which).validate_response(request, _OAResponse(status, headers, payload))
            except Exception as exc:  # any failure of the answer to follow the document
                self.violations.append(f"{request.method.upper()} {request.path}: answer {status}: {_why(exc)}")
        path = urllib.parse.urlsplit(h.path).path
        with self.lock:
            stall = next((x for x in self.stalls if path.endswith(x[1])), None)
            if stall is not None:
                self.stalls.remove(stall)
        if stall is not None:
            time.sleep(stall[0])
        try:
            h.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(payload))}.items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(payload)
        except OSError:  # the client gave up waiting (a stalled answer)
            pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.fake.handle(self, "GET")  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.server.fake.handle(self, "POST")  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


def _multipart_parts(content_type: str, body: bytes) -> dict[str, tuple[str, bytes, str | None]]:
    """name -> (media type, bytes, file name) of each part of a multipart/form-data body, read independently of
    openapi-core (which does not check the parts' media types)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (part.get_content_type(), part.get_payload(decode=True), part.get_filename())
    return parts


def _detail(item: str, code: str, message: str) -> dict[str, str]:
    return {"level": "Error", "item": item, "reasonCode": code, "reasonMessage": message}


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _why(error: BaseException) -> str:
    cause = error.__cause__ or getattr(error, "schema_errors", None)
    return f"{type(error).__name__}: {cause or error}"


# ---------------------------------------------------------------------------------------------- statuses


def lifecycle_example(name: str) -> bytes:
    """An official lifecycle example by the start of its status part ("05-CDV-205")."""
    found = [p for p in LIFECYCLE.glob(f"UC1_F202500003_{name}*.xml") if ("POUR_PPF" in p.name) == ("POUR_PPF" in name)]
    return sorted(found)[0].read_bytes()


def buyer_status(
    code: int,
    label: str,
    *,
    invoice: str,
    issued_on: date,
    status_at: datetime,
    seller_siren: str = "100000009",
    reason_code: str | None = None,
    reason: str | None = None,
    amount: Decimal | None = None,
    paid_on: date | None = None,
) -> bytes:
    """A status the buyer sets (205, 206, 207, 208, 210, 211...), built from the official 205 "Approuvée" (or the
    211 when it carries an amount): the same structure with this invoice, code, time, reason and amount. The reason
    goes in ReferenceReferencedDocument/SpecifiedDocumentStatus/ReasonCode and Reason, the place the D22B schema
    gives it (the examples have none)."""
    ns = {"rsm": _RSM, "ram": _RAM, "udt": _UDT, "qdt": _QDT}
    template = "06-CDV-211" if amount is not None else "05-CDV-205"
    root = etree.fromstring(lifecycle_example(template), etree.XMLParser(remove_comments=True))
    text = {
        "rsm:ExchangedDocument/ram:ID": f"{invoice}_{code}_{status_at:%Y%m%d%H%M%S}#380_{issued_on:%Y%m%d}",
        "rsm:ExchangedDocument/ram:Name": f"{invoice}-CDV-{code}",
        "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString": f"{status_at:%Y%m%d%H%M%S}",
        "rsm:AcknowledgementDocument/ram:IssueDateTime/udt:DateTimeString": f"{status_at:%Y%m%d%H%M%S}",
    }
    ref_text = {
        "ram:IssuerAssignedID": invoice,
        "ram:FormattedIssueDateTime/qdt:DateTimeString": f"{issued_on:%Y%m%d}",
        "ram:ProcessConditionCode": str(code),
        "ram:ProcessCondition": label,
        "ram:IssuerTradeParty/ram:GlobalID": seller_siren,
    }
    for path, value in text.items():
        root.find(path, ns).text = value
    ref = root.find("rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", ns)
    for path, value in ref_text.items():
        ref.find(path, ns).text = value
    root.find("rsm:ExchangedDocument/ram:RecipientTradeParty/ram:GlobalID", ns).text = seller_siren
    status = ref.find("ram:SpecifiedDocumentStatus", ns)
    if amount is not None:
        characteristic = status.find("ram:SpecifiedDocumentCharacteristic", ns)
        characteristic.find("ram:ValueAmount", ns).text = f"{amount:.2f}"
        characteristic.find("ram:ValueDateTime/udt:DateTimeString", ns).text = f"{paid_on or status_at:%Y%m%d}"
    if reason_code or reason:
        if status is None:
            status = etree.SubElement(ref, f"{{{_RAM}}}SpecifiedDocumentStatus")
        for tag, value in reversed([("ReasonCode", reason_code), ("Reason", reason)]):
            if value:
                element = etree.Element(f"{{{_RAM}}}{tag}")
                element.text = value
                status.insert(0, element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
