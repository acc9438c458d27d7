"""The interpreter, tuned for a command that builds many objects at once.

A bank import keeps an index of every open invoice (a hundred thousand objects on a large ledger) while it
reads and records a statement's lines. CPython's cycle collector runs every 700 new objects and walks
what the older generations hold, so it walks that index again and again for nothing: the objects an
import makes hold no cycle worth collecting before the command ends. `few_collections` makes it run
every `threshold` new objects instead (still running: memory stays bounded), and puts it back after.
The CSV imports are the same case (100,000 invoices: 7.65 s with the default thresholds, 5.86 s with no
collection at all).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def few_collections(threshold: int = 100_000) -> Iterator[None]:
    """Collect cycles every `threshold` allocations (instead of 700) inside the block."""
    before = gc.get_threshold()
    gc.set_threshold(threshold, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
