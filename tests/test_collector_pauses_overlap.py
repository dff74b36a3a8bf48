"""The garbage collector stays paused while any big batch is still being built.

Attack: the app saves (or reads) a cache snapshot in one thread while another thread builds a
big estate's rows. Each paused the collector its own way, and the snapshot's pause, ending
first, switched it back on under the rows being built: full collections then walked the heap
mid-build and stalled the event loop (test_big_tables_stay_smooth caught it now and then).
Promise: a snapshot read that ends while a row build is open leaves the collector paused; it
resumes when the last batch ends, with the rows frozen out of later walks.
"""

from __future__ import annotations

import gc
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import ACCOUNT, eu_north_1

from layer_tui.aws.cache import InventoryCache
from layer_tui.ui.bulk_allocation import BULK_ROWS, bulk_allocation


def test_a_snapshot_read_ending_mid_build_leaves_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = InventoryCache(root=tmp_path)
    cache.save_region(ACCOUNT, eu_north_1())
    build = ExitStack()
    real_loads = json.loads

    def loads_then_build_starts(text: str, **kwargs: Any) -> Any:
        # Inside the snapshot read, another thread's row build begins (in order, here).
        build.enter_context(bulk_allocation(BULK_ROWS))
        return real_loads(text, **kwargs)

    monkeypatch.setattr(json, "loads", loads_then_build_starts)
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    try:
        assert cache.load_region(ACCOUNT, "eu-north-1") is not None
        assert not gc.isenabled(), "the snapshot read switched the collector on mid-build"
    finally:
        build.close()
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen_before  # the build froze what it made
    gc.unfreeze()
