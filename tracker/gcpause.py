"""Pausing Python's cyclic garbage collector around work that allocates many objects and frees few."""

from __future__ import annotations

import atexit
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


# Set by freeze_for_good. A flag rather than gc.get_freeze_count(), which counts by walking every
# frozen object: 55 ms at a million, paid on every call below in a process that froze its dataset.
_frozen_for_good = False


def freeze_for_good() -> None:
    """For a process that lives long and keeps what it loaded (the dashboard): move every object the
    collector tracks out of its reach, and keep there what later loads make (see promote_to_oldest).
    Reference counting still frees what is dropped; only cycles among these objects are never collected."""
    global _frozen_for_good
    _frozen_for_good = True
    gc.freeze()


def promote_to_oldest() -> None:
    """Move every object the collector tracks into its oldest generation, without walking any.

    After a load with the collector paused, millions of long-lived objects sit in the youngest
    generation: the next young collections would walk them all (0.6 s at 100k passages, in whatever
    call comes next). Freezing and unfreezing moves them to the oldest generation in constant time;
    they stay collectable, by the full collections that Python runs only when the old generation has
    grown by a quarter.

    A process that has frozen its long-lived objects out of the collector (freeze_for_good) keeps them
    frozen: unfreezing would hand them all back to the next full collection (1.1 s at 100k passages, in
    a dashboard rerun). There the new objects are frozen with them."""
    gc.freeze()
    if not _frozen_for_good:
        gc.unfreeze()


def promote_results() -> None:
    """promote_to_oldest for what one call made and hands back (every status at a date: tens of thousands
    of objects at 100k passages, all alive), so that no young collection walks them right after the call
    (1-1.5 ms per call, and the largest of 20 calls from 26-36 to 17-18 ms under load 8). The price: any
    cyclic garbage made meanwhile waits for a full collection. Nothing in a process that froze its data
    for good (the dashboard), where freezing would keep such garbage for ever."""
    if not _frozen_for_good:
        gc.freeze()
        gc.unfreeze()


_exit_hook = False


def no_final_walk() -> None:
    """Once per process that loaded a data root: when the interpreter exits, move what is alive out of the
    collector's reach before it tears itself down. Its teardown runs full collections, which walk every
    object still tracked: at 100k passages, the millions the load made and promote_to_oldest handed back
    to the collector, 1.3 s of a `tracker validate` that took 6.8 s (CPU), all after the answer was printed.
    Reference counting frees them as before; only that last walk is skipped. The young generations are
    collected first (cheap: the loaded data sits in the oldest one), so recent garbage is still finalised."""
    global _exit_hook
    if not _exit_hook:
        _exit_hook = True
        atexit.register(_freeze_at_exit)


def _freeze_at_exit() -> None:
    gc.collect(1)
    gc.freeze()
