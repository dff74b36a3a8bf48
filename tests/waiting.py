"""Waiting for a condition, never for a clock.

A fixed ``sleep`` or ``pilot.pause(0.3)`` is a guess at how long the machine takes: too short
on a loaded CI runner (the test fails for no reason), too long everywhere else (the suite
crawls). These helpers poll the condition instead, so a test waits exactly as long as the
thing it waits for takes, and fails with what it waited for when that never happens.

- ``wait_until(pilot, condition, what=…)``: in a Pilot test; lets the app run between polls.
- ``wait_until_sync(condition, what=…)``: in plain (threaded) tests.
- ``rows_ready(app)``: no keys held, and the screen on top shows rows built from the newest
  inventory.
- ``press_and_wait(pilot, *keys)``: each key, then its screen's rows, as a user who waits for
  the table before pressing the next key (snapshots use it so no picture catches a half-built
  table).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

#: Generous on purpose: a condition that holds returns at once; only a broken one waits this long.
TIMEOUT = 20.0


class NeverHappened(AssertionError):
    """What a test waited for did not happen within the timeout."""


async def wait_until(
    pilot: Any, condition: Callable[[], object], what: str, *, timeout: float = TIMEOUT
) -> None:
    """Poll ``condition`` until it is true, letting the app process its messages (and thread
    workers report back) between polls; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise NeverHappened(f"waited {timeout:g}s for {what}")
        # A short real sleep on the app's loop: its messages, timers and thread workers'
        # call_from_thread run meanwhile, and the screen refreshes on its own timer. Not
        # pilot.pause(0.01), which also forces a whole-screen update every poll (a hundred
        # a second while a test waits, most of a UI test's processor time spent waiting).
        await asyncio.sleep(0.01)


def wait_until_sync(
    condition: Callable[[], object],
    *,
    what: str,
    timeout: float = TIMEOUT,
    interval: float = 0.005,
) -> None:
    """Poll ``condition`` from a plain test until it is true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise NeverHappened(f"waited {timeout:g}s for {what}")
        time.sleep(interval)


def rows_ready(app: Any) -> bool:
    """Whether the app answers the next key as a user sees it: no keys held while focus moves
    (``KeyRouting``), and the screen on top is not a table screen or has its rows built from
    the newest inventory (no build running or queued)."""
    # Imported here: core tests use wait_until_sync without loading the UI.
    from layer_tui.ui.screens.base import BrowseScreen

    if getattr(app, "holding_keys", False):
        return False
    screen = app.screen
    return not isinstance(screen, BrowseScreen) or screen.rows_ready


async def settle(pilot: Any) -> None:
    """The app's first scan begun, every worker done (the scan, the row builds), then the
    messages they posted handled."""
    # The app starts its scan after its first paint, whenever the screen is next clean: until
    # then no worker runs and waiting for the workers returns before the scan has begun.
    # Apps that are not the layer-tui app (dialog hosts) have no such scan.
    app = pilot.app
    await pilot.pause()
    await wait_until(pilot, lambda: getattr(app, "first_scan_started", True),
                     what="the app's first scan to start")
    await app.workers.wait_for_complete()
    await wait_until(pilot, lambda: rows_ready(pilot.app), what="the screen's rows")
    await pilot.pause()


async def press_and_wait(pilot: Any, *keys: str) -> None:
    """Press each key in turn, waiting after each for the screen on top to have its rows."""
    for key in keys:
        await pilot.press(key)
        await wait_until(pilot, lambda: rows_ready(pilot.app), what=f"rows after {key!r}")
