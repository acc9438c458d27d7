"""Secrets the configuration names but never holds: a variable of the environment, or a command that prints one
(`pass show smtp`, a keyring helper). The command runs without a shell; its failures name the program, its exit
status and the first line of its stderr, never its arguments, which may hold a secret of their own.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from dunner.core.errors import BadInput, OperationalError

COMMAND_TIMEOUT = 30  # seconds a secret command may take


def split_command(line: str | None, key: str) -> tuple[str, ...] | None:
    """A command line from the config, split like a shell would, or an error naming the key (`[mail] ...`)."""
    if not line:
        return None
    try:
        return tuple(shlex.split(line))
    except ValueError as exc:
        raise BadInput(f"{key}: {exc}") from None


def from_env(variable: str, what: str) -> str:
    """The value of an environment variable, or an error naming the variable (never a value)."""
    if variable not in os.environ:
        raise OperationalError(f"the {what} variable {variable} is not set")
    return os.environ[variable]


def run_command(command: tuple[str, ...], what: str) -> str:
    """What a command prints on stdout, without the final line end; `what` names the secret in errors."""
    program = Path(command[0]).name
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=True)
    except subprocess.CalledProcessError as exc:
        said = next((line.strip() for line in (exc.stderr or "").splitlines() if line.strip()), "")
        raise OperationalError(
            f"the {what} command ({program}) failed with exit status {exc.returncode}" + (f": {said}" if said else "")
        ) from None
    except subprocess.TimeoutExpired:
        raise OperationalError(f"the {what} command ({program}) did not answer within {COMMAND_TIMEOUT} s") from None
    except OSError as exc:
        raise OperationalError(f"cannot run the {what} command ({program}): {exc.strerror}") from None
    return out.stdout.rstrip("\n")
