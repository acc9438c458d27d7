"""Files and folders dunner creates: private to their owner (0600 and 0700) whatever the umask.

They hold clients' personal data and what they owe (ledgers, configs, PDFs, dossiers, mail, reports),
so a permissive umask (002 on many systems, 000 in some containers) must not make them readable by
others. A file is written whole or not at all: into a temporary file beside it, then renamed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: Path) -> None:
    """Create `path` and its missing parents, each 0700; folders that exist are left as they are."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(PRIVATE_FOLDER)
        except FileExistsError:  # another process made it meanwhile: theirs to keep
            continue
        os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode went through the umask


def create_private(path: Path) -> bool:
    """Create `path` as an empty 0600 file unless something is there already; whether this call made it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the mode given to open went through the umask
    finally:
        os.close(fd)
    return True


@contextmanager
def private_output(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A stream whose content replaces `path` when the block ends, or leaves it untouched if it fails.

    A new file is 0600; a file that was already there keeps its mode (its owner chose it, and a cron job
    rewriting a shared report every day must not take it away from its readers)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = PRIVATE_FILE
    import tempfile  # only when a file is written: it costs start-up otherwise

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def write_private(path: Path, content: bytes) -> None:
    """Write `content` to `path` whole (see `private_output`)."""
    with private_output(path) as out:
        out.write(content)
