"""Pausing Python's cyclic garbage collector around work that allocates many objects and frees few."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Loading 100k passages makes millions of objects that are kept, not garbage; meanwhile the cyclic
    collector would walk all that were made so far again and again (each full pass walks the whole
    loaded dataset). Reference counting still frees everything that is dropped; only cycles wait until
    the collector is back on. Its state is restored afterwards, also on an error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
