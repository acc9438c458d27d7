"""Helpers for the tests of the approved platform through the command line: a ledger configured to reach the local
platform (tests/platform_server.py, the `fake_platform` fixture), and readers of what the CLI prints."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

MAILDIR = '\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n'
ACME = (
    "--name",
    "Acme Industries SARL",
    "--email",
    "compta@acme.fr",
    "--registration",
    "552 100 554",
    "--vat-number",
    "FR96552100554",
    "--address",
    "5 avenue de la République\n75011 Paris",
    "--terms",
    "30",
)
SELLER_SIREN = "732829320"  # the test business (tests/conftest.py BUSINESS)


def einvoicing_section(platform: Any, **extra: Any) -> str:
    """`[einvoicing]` pointing at the local platform, its secret in TEST_PLATFORM_SECRET."""
    values = platform.config(**extra)
    return "\n[einvoicing]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


@pytest.fixture
def french(dunner, configure, fake_platform, monkeypatch) -> Callable[..., Any]:
    """A ledger whose config reaches the local platform, with ACME (a French company) and one invoice to it,
    F-2026-0001 (1 200.00 with VAT, services, due 2026-01-31). `french(extra, **einvoicing)` rewrites the config:
    `extra` goes at the end of its [business] section, the keywords into [einvoicing]."""
    monkeypatch.setenv("TEST_PLATFORM_SECRET", fake_platform.client_secret)

    def write(extra: str = "", **section: Any) -> Any:
        configure(extra + einvoicing_section(fake_platform, **section) + MAILDIR)
        return dunner

    write()
    dunner("add-client", "ACME", *ACME)
    dunner("invoice", "ACME", "--line", "Maquettes;1;1000;20", "--issued", "2026-01-01")
    return write


def rows(result: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def chased(dunner: Any, day: str) -> list[tuple[str, str]]:
    """What `remind --dry-run` would do as of a day: (invoice, step) planned."""
    out = dunner("remind", "--dry-run", "--as-of", day, "--format", "csv")
    return [(r["invoice"], r["step"]) for r in rows(out) if r["status"] in ("planned", "task")]


def history(dunner: Any, number: str = "F-2026-0001") -> list[dict[str, str]]:
    return rows(dunner("history", number, "--format", "csv"))


def status_from_buyer(
    code: int, label: str, day: str, *, reason_code: str | None = None, reason: str | None = None, **kw: Any
) -> bytes:
    """A CDAR the buyer's platform sends about F-2026-0001, built from the official examples."""
    from platform_server import buyer_status

    return buyer_status(
        code,
        label,
        invoice=kw.pop("invoice", "F-2026-0001"),
        issued_on=kw.pop("issued_on", date(2026, 1, 1)),
        status_at=datetime.fromisoformat(f"{day}T10:00:00"),
        seller_siren=SELLER_SIREN,
        reason_code=reason_code,
        reason=reason,
        **kw,
    )
