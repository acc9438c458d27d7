"""The error edge: one Error line, the right exit code, never a traceback."""

import pytest

from dunner.cli import app
from dunner.core.errors import OperationalError


def test_usage_error_is_one_line_and_exit_2(dunner):
    result = dunner("invoice", code=2)
    assert result.stderr.splitlines() == [
        "Error: Missing argument 'client'.",
        "Hint: see 'dunner invoice --help'",
    ]
    bad = dunner("invoice", "ACME", "10", "--terms", "abc", code=2)
    assert bad.stderr.startswith("Error: Invalid value for '--terms'") and len(bad.stderr.splitlines()) == 2


def test_unknown_command(dunner):
    result = dunner("frobnicate", code=2)
    assert result.stderr.startswith("Error: No such command 'frobnicate'")


def test_operational_errors_exit_1(dunner, monkeypatch):
    from dunner.ledger import clients

    def busy(*_a, **_k):
        raise OperationalError("the ledger is busy", hint="try again")

    monkeypatch.setattr(clients, "list_clients", busy)
    result = dunner("clients", code=1)
    assert result.stderr.splitlines() == ["Error: the ledger is busy", "Hint: try again"]


def test_unexpected_failure_without_debug(dunner, monkeypatch):
    from dunner.ledger import clients

    def boom(*_a, **_k):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(clients, "list_clients", boom)
    monkeypatch.delenv("DUNNER_DEBUG")
    result = dunner("clients", code=1)
    assert result.stderr.splitlines()[0] == "Error: unexpected failure: ZeroDivisionError: oops"
    assert "Traceback" not in result.output
    monkeypatch.setenv("DUNNER_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        dunner("clients", code=1)


def test_help_and_version(dunner):
    assert "aging" in dunner("--help").stdout
    assert dunner("--version").stdout.startswith("dunner ")
    assert app.info.name == "dunner"


@pytest.mark.parametrize("day", ["0001-02-01", "9999-12-01", "1899-12-31", "3000-01-01"])
def test_dates_out_of_range_are_refused(dunner, day):
    for command in (["aging"], ["stats"], ["forecast"], ["remind", "--dry-run"]):
        err = dunner(*command, "--as-of", day, code=2).stderr
        assert f"'{day}' is out of range: dates run from 1900 to 2999" in err and "Traceback" not in err


def test_a_postgresql_url_without_the_driver(dunner, monkeypatch):
    """psycopg is an extra: without it, a PostgreSQL URL says what to install, on one line."""
    import sys

    monkeypatch.delitem(sys.modules, "dunner.edges.storage.postgres", raising=False)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails as if not installed
    result = dunner("--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x", "clients", code=1)
    assert result.stderr.splitlines() == [
        "Error: a PostgreSQL ledger needs the psycopg driver",
        "Hint: pip install 'dunner[postgres]'",
    ]
