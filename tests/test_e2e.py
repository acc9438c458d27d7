"""The installed `dunner` command, run as a user runs it: a real process, a real ledger file."""

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import new_ledger

pytestmark = pytest.mark.e2e


def dunner_command() -> list[str]:
    exe = Path(sys.executable).with_name("dunner")
    return [str(exe)] if exe.exists() else [shutil.which("dunner") or "dunner"]


def run(*args: str, env: dict, input: str | None = None, check: int = 0) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*dunner_command(), *args], env=env, input=input, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == check, (result.returncode, result.stdout, result.stderr)
    return result


@pytest.fixture
def bare_env(tmp_path):
    """The environment of a user whose DUNNER_DB names a ledger not created yet."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUNNER_")}
    environ.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"),
        DUNNER_DB=new_ledger(tmp_path, "books.db"),
    )
    return environ


@pytest.fixture
def env(bare_env):
    """A user who ran `dunner init` for the ledger DUNNER_DB names."""
    run("init", env=bare_env)
    return bare_env


def test_a_month_of_work_from_the_shell(env, tmp_path):
    run("add-client", "ACME", "--name", "Acme SARL", "--email", "compta@acme.fr", "--terms", "30", env=env)
    number = run("invoice", "ACME", "1500", "--issued", "2026-04-01", env=env).stdout.strip()
    assert number == "F-2026-0001"
    run("pay", number, "500", "--on", "2026-05-20", env=env)
    out = run("aging", "--as-of", "2026-06-15", "--format", "csv", env=env).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows == [
        {
            "client": "ACME",
            "currency": "EUR",
            "credit": "0.00",
            "current": "0.00",
            "1-30": "0.00",
            "31-60": "1000.00",
            "61-90": "0.00",
            "91+": "0.00",
            "total": "1000.00",
        }
    ]
    bad = run("pay", number, "abc", env=env, check=2)
    assert bad.stderr.startswith("Error: 'abc' is not an amount") and "Traceback" not in bad.stderr


def test_python_dash_m_and_piped_csv(env):
    result = subprocess.run(
        [sys.executable, "-m", "dunner", "import", "clients", "-"],
        env=env,
        capture_output=True,
        text=True,
        input="code,name,email\nBETA,Beta,b@beta.fr\n",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "BETA,Beta,b@beta.fr" in run("export", "clients", env=env).stdout


def test_demo_runs_from_the_installed_package(bare_env, tmp_path):
    result = run("demo", "--dir", str(tmp_path / "demo"), env=bare_env)
    assert "91+" in result.stdout and "TOTAL" in result.stdout
    assert not Path(bare_env["DUNNER_DB"]).exists()


def test_packaged_files_are_installed(env, tmp_path):
    """templates/ and example.toml ship inside the package, found without the source tree."""
    code = (
        "import dunner.edges.resources as r, dunner; t = r.templates_dir(); print(dunner.__file__); "
        "print(t); print((t / 'README.md').exists()); print(len(r.example_config()) > 1000)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    package, templates, *checks = result.stdout.split()
    assert checks == ["True", "True"], result.stderr
    if "site-packages" in package:  # a normal install (CI): the files sit inside the package itself
        assert Path(templates) == Path(package).parent / "templates"
    run("--config", str(tmp_path / "c" / "dunner.toml"), "init", env=env)
    assert (tmp_path / "c" / "dunner.toml").read_text().startswith("# dunner configuration")
