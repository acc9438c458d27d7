"""`dunner platform status` in each format and `dunner platform lookup` against the local platform."""

from __future__ import annotations

import json

from platform_cli import rows, status_from_buyer


def test_status_shows_the_flows_and_every_status_in_each_format(french, fake_platform):
    dunner = french()
    assert "Nothing submitted to the platform." in dunner("platform", "status", "F-2026-0001").stdout
    assert rows(dunner("platform", "status", "F-2026-0001", "--format", "csv")) == []
    dunner("send", "F-2026-0001", "--via", "platform")
    fake_platform.add_incoming(status_from_buyer(207, "En_litige", "2026-02-05", reason_code="QTE", reason="Manque"))
    dunner("platform", "sync")
    dunner("pay", "F-2026-0001", "200", "--on", "2026-02-06", "--reference", "VIR-1")
    flow_id = fake_platform.submitted[0].flow_id
    shown = json.loads(dunner("platform", "status", "F-2026-0001", "--format", "json").stdout)
    assert [(f["tracking_id"], f["kind"], f["state"], f["amount"], f["currency"]) for f in shown["flows"]] == [
        ("F-2026-0001", "invoice", "acknowledged", None, None),
        ("212-1-1", "status 212", "submitted", "200.00", "EUR"),
    ]
    assert shown["statuses"][0] | {"flow_id": "x"} == {
        "date": "2026-02-05", "status": "207 En litige", "reason": "QTE Manque", "amount": None, "currency": None,
        "flow_id": "x",
    }  # fmt: skip
    csv_rows = rows(dunner("platform", "status", "F-2026-0001", "--format", "csv"))
    assert [(r["record"], r["what"], r["state"], r["amount"]) for r in csv_rows] == [
        ("flow", "invoice", "acknowledged", ""),
        ("flow", "status 212", "submitted", "200.00"),
        ("status", "207 En litige", "", ""),
    ]
    assert csv_rows[0]["flow_id"] == flow_id and csv_rows[2]["reason"] == "QTE Manque"
    table = dunner("platform", "status", "F-2026-0001").stdout
    assert "acknowledged" in table and "207 En litige" in table and "QTE Manque" in table
    unknown = dunner("platform", "status", "F-2099-0001", code=2)
    assert unknown.stderr.startswith("Error: ")


def test_lookup_stores_where_the_client_receives_its_invoices(french, fake_platform):
    dunner = french()
    fake_platform.add_directory_line({"addressingIdentifier": "552100554_COMPTA", "siren": "552100554",
                                      "addressingSuffix": "COMPTA",
                                      "platform": {"platformType": "WK", "platformStatus": "Enabled"}})  # fmt: skip
    found = dunner("platform", "lookup", "ACME")
    assert found.stdout == "ACME (SIREN 552100554) receives its invoices at 552100554_COMPTA.\n"
    [acme] = json.loads(dunner("clients", "--format", "json").stdout)
    assert acme["electronic_address"] == "552100554_COMPTA"


def test_lookup_of_a_client_outside_the_directory_or_without_siren(french, fake_platform):
    dunner = french()
    said = dunner("platform", "lookup", "ACME").stdout
    assert said == "ACME (SIREN 552100554) is not in the platform directory: its invoices cannot go through it yet.\n"
    [acme] = json.loads(dunner("clients", "--format", "json").stdout)
    assert not acme["electronic_address"]
    dunner("add-client", "JOE", "--name", "Joe", "--email", "joe@example.com", "--kind", "consumer")
    refused = dunner("platform", "lookup", "JOE", code=2)
    assert refused.stderr.startswith("Error: JOE has no SIREN to look up")
    fake_platform.stop()
    down = dunner("platform", "lookup", "ACME", code=1)
    assert down.stderr.startswith("Error: cannot reach the platform at 127.0.0.1:")


def test_without_einvoicing_the_platform_commands_say_what_is_missing(dunner, configure):
    configure()
    refused = dunner("platform", "sync", code=2)
    assert refused.stderr.splitlines()[0] == "Error: no [einvoicing] flow_url in the config"


def test_the_token_request_follows_token_auth_and_scope_from_the_config(french, fake_platform):
    dunner = french(token_auth="form", scope="flows")
    dunner("platform", "sync")
    assert fake_platform.token_requests == [{"auth": "form", "grant_type": "client_credentials", "scope": "flows"}]
