"""Every command is documented: help text ending with an example, and a README mention."""

import re
from pathlib import Path

from typer.main import get_command

from dunner.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> dict:
    """Every command by the name a user types: 'pay', and a group's commands as 'bank import'."""
    found = {}
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        found[name] = command
        for sub, inner in getattr(command, "commands", {}).items():
            found[f"{name} {sub}"] = inner
    return found


def test_every_command_has_help_ending_with_an_example():
    for name, command in commands().items():
        text = (command.help or "").strip()
        assert text, name
        assert re.search(r"Example: dunner .+$", text), name


def test_every_command_is_in_the_readme():
    for name in commands():
        assert f"dunner {name}" in README, name


def test_every_option_is_in_the_readme():
    for name, command in commands().items():
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in README, f"{name} {opt}"
