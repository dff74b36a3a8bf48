"""Pausing Python's cyclic garbage collector around big batches of allocation, from any thread.

Building a big estate's rows (the UI) and reading or writing a cache snapshot (the core) each
make hundreds of thousands of long-lived objects, and the collector walking them as they are
made costs more than the work itself (at 100,000 functions its full collections stalled the
event loop for seconds). The collector is one per process, so the pauses are counted: it
resumes when the last open pause ends, never while another thread's batch is still being
built (a snapshot saved while rows were built used to switch it back on under them).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_open = 0
_was_enabled = True
_freeze = False


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """The collector paused while the block runs (and any other pause is open). ``freeze``:
    once the last pause ends, what is alive is frozen out of later walks (``gc.freeze``), for
    a batch that stays alive (a big estate's rows)."""
    global _open, _was_enabled, _freeze
    with _lock:
        if _open == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _open += 1
        _freeze = _freeze or freeze
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0:
                if _freeze:
                    gc.freeze()
                    _freeze = False
                if _was_enabled:
                    gc.enable()
