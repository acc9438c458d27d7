"""The Typer application and its one error edge (STYLE §6)."""

import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo

from dunner import __version__
from dunner.cli.options import ConfigOption, DbOption
from dunner.cli.state import State
from dunner.core.errors import DunnerError


def _fail(message: str, hint: str | None, code: int) -> int:
    typer.echo(f"Error: {message}", err=True)
    if hint:
        typer.echo(f"Hint: {hint}", err=True)
    return code


def _usage_error(exc: Exception) -> int:
    """Typer's own usage errors (a missing argument, a bad choice) as one `Error:` line, exit 2."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "dunner"
    return _fail(exc.format_message(), f"see '{command} --help'", 2)  # type: ignore[attr-defined]


def run(group: TyperGroup, args: Sequence[str] | None, prog_name: str | None, **extra: Any) -> int:
    """Run the command line and turn every failure into an exit code and a line on stderr."""
    try:
        result = TyperGroup.main(group, args=args, prog_name=prog_name, standalone_mode=False, **extra)
        return result if isinstance(result, int) else 0
    except DunnerError as exc:
        return _fail(exc.message, exc.hint, exc.exit_code)
    except typer.Abort:
        return _fail("aborted", None, 1)
    except BrokenPipeError:
        # The reader went away (`dunner aging | head`): stop quietly.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the dead stream for interpreter exit
        return 1
    except Exception as exc:
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            return _usage_error(exc)
        if os.environ.get("DUNNER_DEBUG"):
            raise
        return _fail(f"unexpected failure: {type(exc).__name__}: {exc}", "set DUNNER_DEBUG=1 for the traceback", 1)


class DunnerGroup(TyperGroup):
    """Typer's group with dunner's error edge, used by the console script and by CliRunner alike."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = run(self, args, prog_name, **extra)
        if standalone_mode:
            sys.exit(code)
        return code


class Root(typer.Typer):
    """The root app. Each command module registers its commands when it is imported, which is deferred
    until the commands are first looked at: making a command from its signature is a large part of
    start-up, so a command line that names its command imports (and builds) that command's module alone."""

    def defer(self, modules: Sequence[str]) -> None:
        """Import these modules of dunner.cli the first time the registered commands are read."""
        self._deferred = tuple(modules)

    @property  # type: ignore[override]
    def registered_commands(self) -> list[CommandInfo]:
        deferred, self._deferred = getattr(self, "_deferred", ()), ()
        for name in deferred:  # registering reads this property again: nothing is left deferred by then
            import_module(f"dunner.cli.{name}")
        return self._commands

    @registered_commands.setter
    def registered_commands(self, commands: list[CommandInfo]) -> None:
        self._commands = commands


app = Root(
    cls=DunnerGroup,
    name="dunner",
    help="Accounts-receivable follow-up from the terminal: who owes what, since when, and polite reminders.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dunner {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: DbOption = None,
    config: ConfigOption = None,
    version: bool = typer.Option(
        False, "--version", help="Show the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Accounts-receivable follow-up from the terminal: who owes what, since when, and polite reminders."""
    shared = State(db, config)
    ctx.meta["dunner"] = shared
    ctx.call_on_close(shared.close)
