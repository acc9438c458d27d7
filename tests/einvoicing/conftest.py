"""The `french` fixture: a ledger whose config reaches the local approved platform (tests/platform_cli.py)."""

from platform_cli import french  # noqa: F401
