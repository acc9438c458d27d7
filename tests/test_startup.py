"""Start-up: a data command imports its own command module and what it uses, never the heavy libraries.

The benchmark (docs/benchmarks.md) times `dunner aging --format csv` against a plain sqlite3 script;
these tests keep what it measured from coming back unnoticed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dunner.cli import COMMAND_MODULES, COMMANDS, app, command_name

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "jinja2", "babel", "rich", "fpdf", "segno", "lxml", "facturx", "stdnum")
RUN = """
import json, sys
sys.argv = ["dunner", *sys.argv[1:]]
from dunner.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded(*args: str) -> tuple[str, list[str]]:
    """Run the console script's main() in a fresh interpreter: its output and every module it imported."""
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, timeout=60)
    report = json.loads(done.stderr.splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return done.stdout, report["modules"]


@pytest.fixture
def small_ledger(dunner, client, tmp_path: Path) -> str:
    client("ACME", "--terms", "30")
    dunner("invoice", "ACME", "1200", "--issued", "2026-01-05")
    return os.environ["DUNNER_DB"]


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_aging_as_csv_imports_no_heavy_library(small_ledger):
    out, modules = loaded("--db", small_ledger, "aging", "--format", "csv", "--as-of", "2026-03-01")
    assert out.splitlines()[1].startswith("ACME,EUR,0.00,0.00,1200.00,")  # it did run
    assert heavy(modules) == []
    assert [m for m in modules if m.startswith("dunner.cli.")] == [
        "dunner.cli.aging",
        "dunner.cli.app",
        "dunner.cli.options",
        "dunner.cli.render",
        "dunner.cli.state",
        "dunner.cli.styles",
    ]


def test_help_imports_every_command_and_no_heavy_library():
    out, modules = loaded("--help")
    assert all(f"  {name} " in out for name in COMMANDS)
    assert heavy(modules) == []
    assert {f"dunner.cli.{m}" for m in COMMAND_MODULES} <= set(modules)


def test_a_command_named_after_the_root_options_is_the_only_one_built(small_ledger, tmp_path):
    out, modules = loaded("--config", str(tmp_path / "none.toml"), "--db", small_ledger, "clients", "--help")
    assert "Usage: dunner clients" in out
    assert [m for m in modules if m.split(".")[-1] in COMMAND_MODULES] == ["dunner.cli.clients"]


def test_every_command_is_mapped_to_its_module():
    where = {c.name: c.callback.__module__.removeprefix("dunner.cli.") for c in app.registered_commands}
    for group in app.registered_groups:  # `dunner bank ...`: the group is where its commands are
        modules = {c.callback.__module__ for c in group.typer_instance.registered_commands}
        assert len(modules) == 1, group.name
        where[group.typer_instance.info.name] = modules.pop().removeprefix("dunner.cli.")
    assert where == COMMANDS


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["aging", "--format", "csv"], "aging"),
        (["--db", "x.db", "--config", "c.toml", "remind", "--dry-run"], "remind"),
        (["--db=x.db", "pay", "F-1", "10"], "pay"),
        (["--help", "aging"], None),
        (["-h"], None),
        (["--version"], None),
        (["--db", "aging"], None),  # the value of --db, not a command
        ([], None),
    ],
)
def test_the_command_a_command_line_names(args, name):
    assert command_name(args) == name
