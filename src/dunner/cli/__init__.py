"""The command line: thin commands over the services (DESIGN §1, §6)."""

from __future__ import annotations

from importlib import import_module

from dunner.cli.app import app

# Each module registers its commands on `app`; this order is the order of `dunner --help`.
COMMAND_MODULES = (
    "setup",
    "clients",
    "invoices",
    "documents",
    "payments",
    "aging",
    "dunning",
    "followup",
    "insight",
    "transfer",
)
for _module in COMMAND_MODULES:
    import_module(f"dunner.cli.{_module}")


def main() -> None:
    app()
