"""Snapshots of every browsing screen, on the in-memory account with the clock frozen.

The endpoint shows as the fixed label "sandbox" (never a host or port); ages read against
``NOW``. Regenerate with ``pytest tests/test_ui_snapshots.py --snapshot-update`` after a
deliberate change, and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ui_fixtures import NOW, make_app

from layer_tui import clock

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


async def scanned(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_regions_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=scanned)


def test_layers_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), press=["down", "enter"], terminal_size=SIZE, run_before=scanned)


def test_layers_screen_filtered_and_read_only(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(read_only=True),
        press=["down", "enter", "slash", *"py", "enter"],
        terminal_size=SIZE,
        run_before=scanned,
    )


def test_versions_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(), press=["down", "enter", "enter"], terminal_size=SIZE, run_before=scanned
    )


def test_consumers_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(),
        press=["down", "enter", "enter", "down", "enter"],
        terminal_size=SIZE,
        run_before=scanned,
    )


def test_consumers_drift(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(),
        press=["down", "enter", "enter", "enter", "t"],
        terminal_size=SIZE,
        run_before=scanned,
    )


def test_functions_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), press=["f"], terminal_size=SIZE, run_before=scanned)


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(), press=["down", "enter", "question_mark"], terminal_size=SIZE, run_before=scanned
    )
