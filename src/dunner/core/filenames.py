"""File names made from invoice numbers and client codes: one path component, safe on every system. Pure.

French numbering often writes "2026/0042": as a file name that would be a folder. Separators become
dashes, control and invisible characters go, dot-only parts ("..") go and leading dots go (no hidden
files), so a derived name can never leave the folder it is written in.
"""

from __future__ import annotations

import re

from dunner.core.validate import UNSAFE

MAX_STEM = 120  # far below any file system's limit, with room for a folder and a suffix
_SEPARATORS = re.compile(r"[/\\]")
_RESERVED = re.compile(r'[:*?"<>|]')  # what Windows refuses in a name


def safe_filename(stem: str, suffix: str = "", fallback: str = "document") -> str:
    """`stem` as a single safe file name component, followed by `suffix` (".pdf")."""
    text = UNSAFE.sub("", stem)
    parts = [part.strip(" .") for part in _SEPARATORS.split(text)]
    name = "-".join(part for part in parts if part)
    name = re.sub(r"\.{2,}", ".", _RESERVED.sub("-", name))[:MAX_STEM].strip(" .")
    return (name or fallback) + suffix


def distinct_filenames(stems: list[str], suffix: str = "") -> list[str]:
    """Safe names for several files side by side (a zip, a message's attachments), none twice: "2026/1" and
    "2026-1" both make 2026-1.pdf, so the second becomes 2026-1-2.pdf."""
    taken: set[str] = set()
    names = []
    for stem in stems:
        base = safe_filename(stem)
        name, n = base + suffix, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}{suffix}"
        taken.add(name.lower())
        names.append(name)
    return names
