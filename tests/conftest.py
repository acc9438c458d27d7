"""Every test runs in its own folder: no real config, ledger or home directory is ever touched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunner.cli import app
from dunner.edges.config import Config
from dunner.edges.storage import open_ledger
from dunner.edges.storage.ledger import Ledger
from dunner.setup.init import create_ledger
from helpers import POSTGRES, drop_test_schemas, new_ledger


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if POSTGRES:
        skip = pytest.mark.skip(reason="about the SQLite ledger file")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def postgres_schemas():
    yield
    drop_test_schemas()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    # The user's ledger, made as `dunner init` makes it: no other command creates the ledger DUNNER_DB names.
    location = new_ledger(tmp_path)
    create_ledger(location)
    monkeypatch.setenv("DUNNER_DB", location)
    monkeypatch.delenv("DUNNER_CONFIG", raising=False)
    monkeypatch.setenv("DUNNER_DEBUG", "1")  # unexpected exceptions surface with their traceback
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Run:
    """Runs dunner's command line in-process, as a user would type it."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int = 0):
        result = self.runner.invoke(app, list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result


@pytest.fixture
def dunner() -> Run:
    return Run()


@pytest.fixture
def ledger(isolated: Path) -> Ledger:
    db = open_ledger(os.environ["DUNNER_DB"])
    yield db
    db.close()


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def client(dunner: Run) -> Callable[..., None]:
    """Add a client: client("ACME", terms="30")."""

    def add(code: str, *extra: str, email: str | None = None) -> None:
        dunner(
            "add-client",
            code,
            "--name",
            f"{code} SARL",
            "--email",
            email or f"{code.lower()}@example.com",
            *extra,
        )

    return add


BUSINESS = """
[business]
name = "Atelier Test"
legal_form = "EI"
address = "12 rue des Lilas\\n69003 Lyon"
registration = "73282932000074"
vat_number = "FR44732829320"
iban = "FR76 3000 6000 0112 3456 7890 189"
bic = "AGRIFRPP"
email = "factures@atelier-test.fr"
payment_link = "https://pay.example.com/{invoice}"
"""


@pytest.fixture
def configure(isolated: Path) -> Callable[[str], Path]:
    """Write ./dunner.toml: the test business, then the sections given."""

    def write(extra: str = "") -> Path:
        path = isolated / "dunner.toml"
        path.write_text(BUSINESS + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture
def smtp():
    from mailserver import MailServer

    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_platform():
    """A local approved platform (tests/platform_server.py) whose every request and answer follows the official
    OpenAPI documents; the test fails if one did not. Skipped where the documents are absent."""
    from platform_server import NO_SPECS, SPECS, FakePlatform

    if not SPECS.is_dir():
        pytest.skip(NO_SPECS)
    server = FakePlatform().start()
    yield server
    server.stop()
    assert server.violations == []
