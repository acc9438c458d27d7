"""Files shipped with dunner: the packaged templates/ folder and example.toml.

In a wheel they sit inside the package (pyproject force-includes them); in a source checkout or an
editable install they are found at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # the dunner package (this file is in dunner/edges)


def shipped(name: str) -> Path:
    """The path of a shipped file or folder ('templates', 'example.toml')."""
    for base in (_PACKAGE, _PACKAGE.parent.parent):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"dunner is missing its packaged {name}; reinstall it")


def templates_dir() -> Path:
    return shipped("templates")


def example_config() -> str:
    return shipped("example.toml").read_text(encoding="utf-8")
