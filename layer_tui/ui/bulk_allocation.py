"""Building a big estate's rows without stopping the event loop for the garbage collector.

Rows of 100,000 functions are millions of objects. While they are made, Python's cyclic
collector runs its full collection each time the tracked objects grow by a quarter, and each
one walks every object alive, holding the interpreter for up to seconds (benchmarks/ui_filter.py
measured a 2.7 s stall at 40,000 functions on a loaded machine). So the collector pauses while
a big batch is built, and what was built (the rows, the inventory: long-lived, and free of
reference cycles, so reference counting frees them when replaced) is frozen out of its walks.

The price: a reference cycle that became garbage during the batch is frozen with it and never
collected. The batch's own objects form none; only the event loop's churn meanwhile does, a
little per big rebuild. Batches below ``BULK_ROWS`` leave the collector alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from layer_tui.collector import collector_paused

#: Rows (or functions) from which a batch pauses the collector and freezes what it made.
BULK_ROWS = 10_000


@contextmanager
def bulk_allocation(size: int) -> Iterator[None]:
    """Pause the cyclic collector while a batch of ``size`` rows is built (from any thread;
    batches, and the cache's own pauses, may overlap), then freeze what is alive so no later
    collection walks it."""
    if size < BULK_ROWS:
        yield
        return
    with collector_paused(freeze=True):
        yield
