"""Snapshots of every browsing screen, on the in-memory account with the clock frozen.

The endpoint shows as the fixed label "sandbox" (never a host or port); ages read against
``NOW``. Regenerate with ``pytest tests/test_ui_snapshots.py --snapshot-update`` after a
deliberate change, and look at the report before committing.

Keys are pressed in ``run_before``, each followed by the wait for the screen's rows (built in
a thread), so no picture is taken of a table still reading; ``snap_compare``'s own ``press``
does not wait for workers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ui_fixtures import NOW, make_app
from waiting import press_and_wait, settle

SIZE = (120, 40)
pytestmark = pytest.mark.frozen_clock(NOW)


def after(*keys: str) -> Callable[[Any], Awaitable[None]]:
    """The scan done, then each key with its rows built."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press_and_wait(pilot, *keys)
        await settle(pilot)

    return run_before


def test_regions_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after())


def test_layers_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after("down", "enter"))


def test_layers_screen_filtered_and_read_only(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(read_only=True),
        terminal_size=SIZE, run_before=after("down", "enter", "slash", *"py", "enter"),
    )


def test_versions_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=after("down", "enter", "enter")
    )


def test_consumers_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(),
        terminal_size=SIZE, run_before=after("down", "enter", "enter", "down", "enter"),
    )


def test_consumers_drift(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(),
        terminal_size=SIZE, run_before=after("down", "enter", "enter", "enter", "t"),
    )


def test_functions_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after("f"))


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=after("down", "enter", "question_mark")
    )
