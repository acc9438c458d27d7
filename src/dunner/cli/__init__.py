"""The command line: thin commands over the services (DESIGN §1, §6)."""

from __future__ import annotations

from dunner.cli import aging, clients, invoices, payments, setup, transfer  # noqa: F401 - registers commands in help order
from dunner.cli.app import app


def main() -> None:
    app()
