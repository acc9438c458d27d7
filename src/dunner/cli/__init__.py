"""The command line on top: one module per family of commands, each parsing its options, calling one use case
and rendering the result (DESIGN §1, §6).

May import every layer below it: the core, the edges and the use cases; nothing imports the CLI.
"""

import os
import sys
from collections.abc import Sequence

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
    "bank",
    "einvoice",
)
# Where each command is defined, so that running one imports its module alone (tests/test_startup.py
# checks this against the modules; a command missing here still runs, after importing them all).
COMMANDS = {
    **dict.fromkeys(["init", "demo"], "setup"),
    **dict.fromkeys(["add-client", "clients", "client"], "clients"),
    **dict.fromkeys(["invoice", "invoices"], "invoices"),
    **dict.fromkeys(
        ["deposit", "credit-note", "write-off", "write-offs", "pdf", "send", "notice", "dossier"], "documents"
    ),
    "pay": "payments",
    "aging": "aging",
    **dict.fromkeys(["remind", "claim", "agenda", "history"], "dunning"),
    **dict.fromkeys(
        ["pause", "unpause", "log-call", "promise", "dispute", "resolve", "note", "done", "edit-client"], "followup"
    ),
    **dict.fromkeys(["stats", "forecast", "report"], "insight"),
    **dict.fromkeys(["import", "export", "copy"], "transfer"),
    "bank": "bank",
    "platform": "einvoice",
}
# The root options that take a value (`dunner --db PATH aging`), and those that stop at the root.
VALUED = ("--db", "--config")
ROOT_ONLY = ("-h", "--help", "--version")

app.defer(COMMAND_MODULES)


def command_name(args: Sequence[str]) -> str | None:
    """The command a command line names, if any (None for the root's help or version)."""
    rest = iter(args)
    for arg in rest:
        if arg in ROOT_ONLY:
            return None
        if arg in VALUED:
            next(rest, None)
        elif not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    """The console script: the command named on the command line is the only one imported and built.

    The root's help lists them all, and an unknown name gets click's suggestions: both import every module.
    """
    # Belt and braces: what dunner, SQLite or a library creates in this process is private to the user,
    # whatever the umask (dunner.edges.files gives its files explicit modes too: CliRunner never runs main).
    os.umask(0o077)
    module = COMMANDS.get(command_name(sys.argv[1:]) or "")
    if module is not None:
        app.defer([module])
    app()
