"""The client of the approved platform (edges/platform.py) against a local platform (tests/platform_server.py) whose
every request and answer is checked against the official XP Z12-013 OpenAPI documents (the `fake_platform`
fixture fails the test on any violation)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from dunner.core.errors import BadInput, ConfigError, OperationalError
from dunner.edges.cdar import parse_cdar
from dunner.edges.platform import (
    FlowClient,
    PlatformAuthError,
    PlatformError,
    PlatformRefused,
    PlatformSettings,
    PlatformUnavailable,
    PlatformUncertain,
)
from platform_server import buyer_status, lifecycle_example, stamp

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # every byte value: the file must arrive intact


def submit(client: FlowClient, tracking_id: str = "F-2026-0001", content: bytes = PDF, **kw):
    args = {"name": f"{tracking_id}.pdf", "flow_syntax": "Factur-X", "flow_profile": "CIUS", "processing_rule": "B2B"}
    return client.submit(tracking_id=tracking_id, content=content, **(args | kw))


def flow_requests(platform, suffix: str) -> list[dict]:
    return [r for r in platform.requests if r["path"].split("?")[0].endswith(suffix)]


# ---------------------------------------------------------------------------------------------- submit


def test_a_flow_is_submitted_as_the_spec_says_and_its_flow_id_returned(fake_platform):
    client = FlowClient(fake_platform.settings())
    sent = submit(client)
    [got] = fake_platform.submitted
    assert sent.flow_id == got.flow_id and sent.flow_id in fake_platform.flows
    assert got.file == PDF
    assert got.flow_info == {
        "trackingId": "F-2026-0001",
        "name": "F-2026-0001.pdf",
        "flowSyntax": "Factur-X",
        "flowProfile": "CIUS",
        "processingRule": "B2B",
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    assert got.part_types == {"flowInfo": "application/json", "file": "application/pdf"}
    assert got.filename == "F-2026-0001.pdf"
    assert (sent.tracking_id, sent.sha256, sent.flow_syntax) == (
        "F-2026-0001",
        hashlib.sha256(PDF).hexdigest(),
        "Factur-X",
    )
    assert sent.submitted_at == fake_platform.flows[sent.flow_id].submitted_at
    [request] = flow_requests(fake_platform, "/v1/flows")
    assert request["authorization"] == "Bearer"
    assert str(uuid.UUID(request["headers"]["X-Request-Id"])) == sent.request_id


def test_a_lifecycle_status_goes_as_an_xml_part(fake_platform):
    xml = lifecycle_example("07-CDV-212")
    sent = submit(FlowClient(fake_platform.settings()), "212-17-3", xml, name="212-17-3.xml", flow_syntax="CDAR",
                  flow_profile="Basic")  # fmt: skip
    [got] = fake_platform.submitted
    assert got.part_types["file"] == "application/xml" and got.file == xml
    assert fake_platform.flows[sent.flow_id].flow_type == "CustomerInvoiceLC"


def test_a_flow_the_platform_would_refuse_is_not_sent(fake_platform):
    client = FlowClient(fake_platform.settings())
    with pytest.raises(PlatformRefused, match="longer than 36 characters"):
        submit(client, "F-" + "9" * 35)
    with pytest.raises(PlatformRefused, match="unknown flowSyntax 'PDF'"):
        submit(client, flow_syntax="PDF")
    assert fake_platform.requests == []


@pytest.mark.parametrize(
    ("status", "code", "text"),
    [
        (400, "MISSING_REQUIRED_FIELD", "Invalid request format"),
        (403, "FORBIDDEN_ACCESS", None),
        (413, "FILE_SIZE_EXCEEDED", "Provided file is too big"),
        (422, "UNPROCESSABLE_ENTITY", "Entity consistency error"),
    ],
)
def test_a_4xx_is_a_permanent_refusal_with_the_platforms_error(fake_platform, status, code, text):
    fake_platform.fail_next(status, error_code=code, message=text)
    with pytest.raises(PlatformRefused) as refused:
        submit(FlowClient(fake_platform.settings()))
    exc = refused.value
    assert (exc.status, exc.error_code, exc.error_message) == (status, code, text)
    host = f"127.0.0.1:{fake_platform.port}"
    said = f"HTTP {status} {code}" + (f": {text}" if text else "")
    assert exc.message == f"the platform at {host} refused the request (submit F-2026-0001): {said}"
    assert isinstance(exc, PlatformError) and isinstance(exc, OperationalError) and exc.exit_code == 1
    assert fake_platform.submitted == []


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_is_unavailable_and_the_next_try_goes_through(fake_platform, status):
    fake_platform.fail_next(status)
    client = FlowClient(fake_platform.settings())
    with pytest.raises(PlatformUnavailable) as down:
        submit(client)
    assert down.value.status == status and down.value.retry_after is None
    assert down.value.message.endswith(", try again later") and "\n" not in down.value.message
    assert fake_platform.submitted == []
    assert submit(client).flow_id == fake_platform.submitted[0].flow_id


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_says_when_to_come_back(fake_platform, form):
    later = datetime.now(UTC) + timedelta(seconds=120)
    fake_platform.fail_next(
        429, message="slow down", retry_after="30" if form == "seconds" else format_datetime(later, usegmt=True)
    )
    with pytest.raises(PlatformUnavailable) as throttled:
        list(FlowClient(fake_platform.settings()).search())  # (the healthcheck documents no 429)
    wait = throttled.value.retry_after
    assert wait == 30 if form == "seconds" else 100 <= wait <= 121
    assert throttled.value.status == 429 and f"retry after {wait} s" in throttled.value.message


def test_the_platform_down_is_unavailable_for_every_call(fake_platform):
    client = FlowClient(fake_platform.settings())
    client.healthcheck()  # a token is held
    fake_platform.stop()
    host = f"127.0.0.1:{fake_platform.port}"
    calls = {
        "submit F-2026-0001": lambda: submit(client),
        "search flows": lambda: list(client.search()),
        "download flow abc": lambda: client.download("abc"),
        "directory lookup 552100554": lambda: client.lookup("552100554"),
    }
    for what, call in calls.items():
        with pytest.raises(PlatformUnavailable) as down:  # refused before anything was sent: not uncertain
            call()
        assert down.value.message == f"cannot reach the platform at {host} ({what}): Connection refused"


def test_a_submission_whose_answer_is_lost_is_uncertain(fake_platform):
    """The platform took the flow but the answer came too late: it must not be submitted again blindly."""
    client = FlowClient(fake_platform.settings(timeout=0.3))
    client.healthcheck()
    fake_platform.stall_next(1.0)
    with pytest.raises(PlatformUncertain, match=r"took the request \(submit F-2026-0001\) but its answer was lost"):
        submit(client)
    assert len(fake_platform.submitted) == 1  # it did arrive
    fake_platform.stall_next(1.0)
    with pytest.raises(PlatformUnavailable, match="did not answer"):  # a search is only to be repeated
        list(client.search())


def test_a_submission_answered_with_no_flow_id_is_uncertain(fake_platform):
    fake_platform.script(202, b"<html>accepted</html>", headers={"Content-Type": "text/html"}, path="/v1/flows")
    with pytest.raises(PlatformUncertain, match="not JSON"):
        submit(FlowClient(fake_platform.settings()))
    assert len(fake_platform.violations) == 1 and "answer 202" in fake_platform.violations[0]
    fake_platform.violations.clear()  # the scripted answer broke the spec on purpose


# ---------------------------------------------------------------------------------------------- tokens


def test_an_expired_token_is_renewed_once_and_the_call_goes_through(fake_platform):
    client = FlowClient(fake_platform.settings())
    submit(client)
    fake_platform.expire_tokens()
    assert [f.tracking_id for f in client.search()] == ["F-2026-0001"]
    assert len(fake_platform.token_requests) == 2
    searches = flow_requests(fake_platform, "/v1/flows/search")
    assert len(searches) == 2  # refused once with the old token, then answered


def test_a_second_401_after_a_fresh_token_is_an_authentication_error(fake_platform):
    fake_platform.fail_next(401, error_code="INVALID_TOKEN", message="no rights", times=2)
    with pytest.raises(PlatformAuthError) as refused:
        submit(FlowClient(fake_platform.settings()))
    assert len(fake_platform.token_requests) == 2 and fake_platform.submitted == []
    assert refused.value.message.endswith(
        "refused dunner's access token (submit F-2026-0001): HTTP 401 INVALID_TOKEN: no rights"
    )


def test_a_token_is_kept_until_shortly_before_it_expires(fake_platform):
    now = [1000.0]
    fake_platform.token_lifetime = 300
    client = FlowClient(fake_platform.settings(), clock=lambda: now[0])
    client.healthcheck()
    now[0] += 250
    client.healthcheck()
    assert len(fake_platform.token_requests) == 1
    now[0] += 30  # 280 s: within the margin before expiry
    client.healthcheck()
    assert len(fake_platform.token_requests) == 2


@pytest.mark.parametrize("how", ["basic", "form"])
def test_the_token_request_is_oauth2_client_credentials(fake_platform, how):
    FlowClient(fake_platform.settings(token_auth=how, scope="flows")).healthcheck()
    assert fake_platform.token_requests == [{"auth": how, "grant_type": "client_credentials", "scope": "flows"}]


def test_bad_credentials_are_an_authentication_error_that_never_shows_the_secret(fake_platform):
    secret = "wr0ng-Secret-123"
    settings = fake_platform.settings(client_secret=secret)
    with pytest.raises(PlatformAuthError) as refused:
        submit(FlowClient(settings))
    host = f"127.0.0.1:{fake_platform.port}"
    assert (
        refused.value.message
        == f"the token endpoint at {host} gave client dunner-test no token: HTTP 401 invalid_client"
    )
    assert secret not in repr(settings) + str(refused.value) + str(refused.value.hint)
    assert fake_platform.submitted == [] and flow_requests(fake_platform, "/v1/flows") == []


def test_a_secret_a_server_echoes_is_masked(fake_platform):
    secret = fake_platform.client_secret
    body = json.dumps({"error": "invalid_client", "error_description": f"secret {secret} is\nnot valid"}).encode()
    fake_platform.script(400, body, path="/oauth/token")
    with pytest.raises(PlatformAuthError) as refused:
        FlowClient(fake_platform.settings()).healthcheck()
    assert refused.value.message.endswith("HTTP 400 invalid_client: secret *** is not valid")


def test_the_token_endpoint_down_is_unavailable(fake_platform):
    fake_platform.fail_next(503, path="/oauth/token")
    with pytest.raises(PlatformUnavailable, match=r"cannot take the request now \(token\): HTTP 503"):
        FlowClient(fake_platform.settings()).healthcheck()


def test_a_redirect_is_not_followed_with_the_credentials(fake_platform):
    fake_platform.script(302, b"", headers={"Location": "http://127.0.0.1:9/steal"}, path="/oauth/token")
    with pytest.raises(PlatformAuthError, match=r"no token: HTTP 302 to http://127\.0\.0\.1:9/steal$"):
        FlowClient(fake_platform.settings()).healthcheck()
    assert [r["path"] for r in fake_platform.requests] == ["/oauth/token"]


# ---------------------------------------------------------------------------------------------- search


def test_search_reads_every_page_oldest_first(fake_platform):
    client = FlowClient(fake_platform.settings(), page_size=3)
    ids = [fake_platform.add_incoming(lifecycle_example("05-CDV-205"), tracking_id=f"LC-{i}") for i in range(7)]
    found = list(client.search())
    assert [f.flow_id for f in found] == ids
    assert [f.updated_at for f in found] == sorted(fake_platform.flows[i].updated_at for i in ids)
    assert {(f.flow_type, f.direction, f.syntax, f.ack_status) for f in found} == {
        ("CustomerInvoiceLC", "In", "CDAR", "Ok")
    }
    bodies = [json.loads(r["body"]) for r in flow_requests(fake_platform, "/v1/flows/search")]
    assert {b["limit"] for b in bodies} == {3}
    # every page from 1 ms before the last time read (the first: from the start, the spec wants a criterion)
    times = [stamp(fake_platform.flows[ids[i]].updated_at - timedelta(milliseconds=1)) for i in (2, 4, 6)]
    assert [b["where"] for b in bodies] == [{"updatedAfter": t} for t in ["1969-12-31T23:59:59.999Z", *times]]


def test_search_loses_no_flow_that_shares_its_time_with_the_end_of_a_page(fake_platform):
    """updatedAfter is the only way to page: read strictly after the last time of a page, the flows of that same
    time that did not fit would be lost."""
    client = FlowClient(fake_platform.settings(), page_size=4)
    start = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    ids = [fake_platform.add_incoming(b"<x/>", at=start + timedelta(seconds=s)) for s in (0, 0, 1, 1, 1, 2, 2)]
    assert [f.flow_id for f in client.search()] == ids


def test_search_says_so_when_more_flows_share_a_time_than_a_page_holds(fake_platform):
    client = FlowClient(fake_platform.settings(), page_size=2)
    same = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    for _ in range(3):
        fake_platform.add_incoming(b"<x/>", at=same)
    found = client.search()
    assert len([next(found), next(found)]) == 2
    with pytest.raises(PlatformError, match=r"2 flows or more updated at 2026-12-02T08:00:00\.000Z"):
        next(found)


def test_search_starts_after_the_time_given_and_filters(fake_platform):
    client = FlowClient(fake_platform.settings())
    old = fake_platform.add_incoming(b"<x/>", at=datetime(2026, 11, 1, tzinfo=UTC))
    new = fake_platform.add_incoming(b"<x/>", at=datetime(2026, 12, 5, 10, 30, tzinfo=UTC))
    sent = submit(client)
    assert [f.flow_id for f in client.search(updated_after="2026-12-05T10:00:00Z")] == [new]
    assert {f.flow_id for f in client.search(updated_after=datetime(2026, 10, 1, tzinfo=UTC))} == {
        old,
        new,
        sent.flow_id,
    }
    found = client.search(
        directions=["Out"], flow_types=["CustomerInvoice"], tracking_id="F-2026-0001", ack_status="Ok"
    )
    assert [f.flow_id for f in found] == [sent.flow_id]


def test_a_rejected_flow_shows_its_acknowledgement_details(fake_platform):
    client = FlowClient(fake_platform.settings())
    fake_platform.reject_next_submission("InvalidSchema", "BR-FR-12: BT-49 absent")
    first = submit(client)
    again = submit(client)  # the same trackingId: the platform's duplicate check
    flows = {f.flow_id: f for f in client.search(directions=["Out"])}
    assert flows[first.flow_id].ack_status == "Error"
    assert flows[first.flow_id].ack_reason == "InvalidSchema: BR-FR-12: BT-49 absent"
    assert flows[again.flow_id].ack_reason == f"AlreadyExistingFlow: already received as {first.flow_id}"


# ---------------------------------------------------------------------------------------------- download


def test_a_lifecycle_flow_is_downloaded_and_its_cdar_parsed(fake_platform):
    refused = {"reason_code": "TX_TVA_ERR", "reason": "Taux de TVA erroné"}
    xml = buyer_status(
        210,
        "Refusée",
        invoice="F-2026-0001",
        issued_on=date(2026, 3, 2),
        status_at=datetime(2026, 3, 5, 9, 30),
        **refused,
    )
    flow_id = fake_platform.add_incoming(xml, name="F-2026-0001-210.xml")
    client = FlowClient(fake_platform.settings())
    [flow] = client.search()
    document = client.download(flow.flow_id)
    assert (document.content, document.filename, document.doc_type) == (xml, "F-2026-0001-210.xml", "Original")
    [status] = parse_cdar(document.content)
    assert (status.code, status.invoice_number, status.invoice_issued_on) == (210, "F-2026-0001", date(2026, 3, 2))
    assert (status.status_on, status.reason_code, status.reason_text) == (
        date(2026, 3, 5),
        "TX_TVA_ERR",
        "Taux de TVA erroné",
    )
    assert client.metadata(flow_id).flow_type == "CustomerInvoiceLC"
    assert "docType=Original" in flow_requests(fake_platform, f"/v1/flows/{flow_id}")[0]["path"]


def test_an_unknown_flow_is_refused(fake_platform):
    with pytest.raises(PlatformRefused) as unknown:
        FlowClient(fake_platform.settings()).download("no-such-flow")
    assert unknown.value.status == 404 and unknown.value.error_code == "MISSING_RESOURCE"
    with pytest.raises(BadInput):
        FlowClient(fake_platform.settings()).download("x" * 37)


def test_an_answer_that_is_not_json_is_unavailable_not_a_refusal(fake_platform):
    fake_platform.script(200, b"{not json", path="/v1/flows/search")
    with pytest.raises(PlatformUnavailable, match="not JSON"):
        list(FlowClient(fake_platform.settings()).search())
    assert len(fake_platform.violations) == 1
    fake_platform.violations.clear()  # broken on purpose


# ---------------------------------------------------------------------------------------------- directory


def line(address: str, siren: str = "552100554", **extra) -> dict:
    return {
        "addressingIdentifier": address,
        "siren": siren,
        "platform": {"platformType": "WK", "platformStatus": "Enabled"},
        **extra,
    }


def test_lookup_gives_the_directory_lines_of_a_siren_most_general_first(fake_platform):
    fake_platform.add_directory_line(line("552100554_COMPTA", addressingSuffix="COMPTA"))
    # (a platformStatus "Disabled" cannot be served: the spec gives the field maxLength 7)
    fake_platform.add_directory_line(
        line("552100554_OLD", routingCode={"routingIdentifier": "OLD", "administrativeStatus": "C"})
    )
    fake_platform.add_directory_line(
        line("552100554", legalUnit={"businessName": "ACME SARL", "administrativeStatus": "A"})
    )
    fake_platform.add_directory_line(
        line(
            "55210055400013_ACHATS",
            siret="55210055400013",
            routingCode={"routingIdentifier": "ACHATS", "administrativeStatus": "A"},
        )
    )
    fake_platform.add_directory_line(line("732829320", siren="732829320"))
    entries = FlowClient(fake_platform.settings()).lookup("552 100 554")
    assert [e.address for e in entries] == ["552100554", "552100554_COMPTA", "55210055400013_ACHATS", "552100554_OLD"]
    assert (entries[0].business_name, entries[0].legal_unit_active, entries[0].platform_enabled) == (
        "ACME SARL",
        True,
        True,
    )
    assert (entries[2].siret, entries[2].routing_code, entries[2].routing_active) == ("55210055400013", "ACHATS", True)
    assert entries[3].routing_active is False
    [request] = flow_requests(fake_platform, "/v1/directory-line/search")
    assert json.loads(request["body"])["filters"] == {"siren": {"op": "contains", "value": "552100554"}}


def test_lookup_reads_every_page_and_says_nothing_for_an_unknown_company(fake_platform):
    for i in range(130):
        fake_platform.add_directory_line(line(f"552100554_S{i:03}", addressingSuffix=f"S{i:03}"))
    client = FlowClient(fake_platform.settings())
    assert len(client.lookup("552100554")) == 130
    searches = flow_requests(fake_platform, "/v1/directory-line/search")
    assert [json.loads(r["body"])["ignore"] for r in searches] == [0, 100]
    assert client.lookup("732829320") == []
    with pytest.raises(BadInput, match="not a SIREN or SIRET"):
        client.lookup("55210055")


def test_legal_unit(fake_platform):
    fake_platform.legal_units["552100554"] = {
        "siren": "552100554",
        "businessName": "ACME SARL",
        "entityType": "PrivateVatRegistered",
        "administrativeStatus": "A",
    }
    client = FlowClient(fake_platform.settings())
    unit = client.legal_unit("552100554")
    assert (unit.business_name, unit.entity_type, unit.active) == ("ACME SARL", "PrivateVatRegistered", True)
    assert client.legal_unit("732829320") is None


def test_a_directory_error_is_read_from_its_problem_json(fake_platform):
    problem = {"type": "about:blank", "message": "Data validation error", "status": 422, "details": "siren"}
    fake_platform.script(422, json.dumps(problem).encode(), headers={"Content-Type": "application/problem+json"})
    with pytest.raises(PlatformRefused, match=r"HTTP 422 about:blank: Data validation error"):
        FlowClient(fake_platform.settings()).lookup("552100554")


# ---------------------------------------------------------------------------------------------- settings


def test_settings_from_the_config_resolve_the_secret_from_a_variable(fake_platform, monkeypatch):
    monkeypatch.setenv("TEST_PLATFORM_SECRET", fake_platform.client_secret)
    settings = PlatformSettings.from_config(
        fake_platform.config(timeout=12, flow_url=fake_platform.base + "/flow-service/"), str
    )
    assert settings.client_secret == fake_platform.client_secret and settings.timeout == 12
    assert settings.flow_url == fake_platform.base + "/flow-service"  # the final slash dropped
    assert fake_platform.client_secret not in repr(settings)
    FlowClient(settings).healthcheck()


def test_settings_from_the_config_run_the_secret_command_without_a_shell(fake_platform, tmp_path):
    section = fake_platform.config(
        client_secret_env=None, client_secret_command=f"printf '%s;echo no' {fake_platform.client_secret}"
    )
    assert PlatformSettings.from_config(section, str).client_secret == f"{fake_platform.client_secret};echo no"
    section["client_secret_command"] = "sh -c 'echo \"vault is locked\" >&2; exit 3' hunter2"
    with pytest.raises(OperationalError) as failed:
        PlatformSettings.from_config(section, str)
    assert failed.value.message == "the platform client secret command (sh) failed with exit status 3: vault is locked"
    assert "hunter2" not in failed.value.message


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_secret_env": None}, "[einvoicing] has no client secret"),
        (
            {"client_secret_env": "NO_SUCH_VARIABLE_HERE"},
            "the platform client secret variable NO_SUCH_VARIABLE_HERE is not set",
        ),
        ({"token_url": None, "client_id": ""}, "[einvoicing] token_url, client_id not set"),
        ({"flow_url": "http://pa.example/flow-service"}, "[einvoicing] flow_url must use https"),
        ({"directory_url": "ftp://pa.example/"}, "[einvoicing] directory_url is not an http(s) URL"),
        ({"token_auth": "digest"}, '[einvoicing] token_auth must be "basic" or "form"'),
    ],
)
def test_settings_refuse_what_cannot_work(fake_platform, monkeypatch, change, error):
    monkeypatch.setenv("TEST_PLATFORM_SECRET", "x")
    with pytest.raises((ConfigError, OperationalError)) as refused:
        PlatformSettings.from_config(fake_platform.config(**change), str)
    assert refused.value.message.startswith(error)


def test_a_ca_file_is_resolved_from_the_configs_folder(fake_platform, monkeypatch, tmp_path):
    monkeypatch.setenv("TEST_PLATFORM_SECRET", "x")
    settings = PlatformSettings.from_config(fake_platform.config(ca_file="ca.pem"), lambda p: tmp_path / p)
    assert settings.ca_file == tmp_path / "ca.pem"


def test_lookup_needs_the_directory_url(fake_platform):
    with pytest.raises(ConfigError, match="directory_url is not set"):
        FlowClient(fake_platform.settings(directory_url=None)).lookup("552100554")
