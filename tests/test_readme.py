"""README examples are real: every `console` block is run in order and must print what it shows."""

import re
import shlex
from pathlib import Path

from helpers import flat

README = Path(__file__).resolve().parent.parent / "README.md"


def console_examples() -> list[tuple[list[str], list[str]]]:
    """(arguments, expected stdout lines) for each `$ dunner ...` line of the console blocks."""
    examples: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            if line.startswith("$ dunner "):
                examples.append((shlex.split(line)[2:], []))
            else:
                examples[-1][1].append(line.rstrip())
    return examples


MESSAGE_ID = re.compile(r"<[0-9.]+dunner@[^>]+>")


def normal(lines: list[str]) -> list[str]:
    """Message-IDs change at every run; everything else must match to the character."""
    return [MESSAGE_ID.sub("<MESSAGE-ID>", flat(line).rstrip()) for line in lines]


def test_readme_console_examples(dunner, monkeypatch):
    """With DUNNER_README_UPDATE=1 the examples' outputs are written back into the README (like cog)."""
    import os

    monkeypatch.delenv("DUNNER_DB")  # the examples name their ledger or config themselves
    examples = console_examples()
    assert len(examples) >= 10
    outputs = []
    for args, expected in examples:
        result = dunner(*args)
        outputs.append([flat(line).rstrip() for line in result.stdout.splitlines()])
        if not os.environ.get("DUNNER_README_UPDATE"):
            assert normal(result.stdout.splitlines()) == normal(expected), " ".join(args)
    if os.environ.get("DUNNER_README_UPDATE"):
        rewrite(outputs)


def rewrite(outputs: list[list[str]]) -> None:
    """Put each example's real output under its command in the README."""
    queue = iter(outputs)

    def block(found: re.Match) -> str:
        lines: list[str] = []
        for line in found[1].splitlines():
            if line.startswith("$ dunner "):
                lines += [line, *next(queue)]
        return "```console\n" + "\n".join(lines) + "\n```"

    README.write_text(
        re.sub(r"```console\n(.*?)```", block, README.read_text(encoding="utf-8"), flags=re.S), encoding="utf-8"
    )


def test_readme_opens_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[2:6] == [
        "```sh",
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/dunner demo",
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest",
        "```",
    ]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install '.[test]'" in ci and "python -m pytest" in ci
