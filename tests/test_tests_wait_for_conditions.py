"""The test helpers keep their promises: they wait for a condition, never for a clock.

Each test is an attack on one promise the shared helpers (tests/waiting.py, tests/on_screen.py,
the ``frozen_clock`` marker in conftest) make to every test that uses them.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from on_screen import row_text, said, shown_keys
from ui_fixtures import NOW, make_app, pilot_test
from waiting import NeverHappened, press_and_wait, settle, wait_until, wait_until_sync

from layer_tui import clock
from layer_tui.ui.notifications import SAID_KEPT
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen

SIZE = (120, 40)
FROZEN = datetime(2031, 3, 4, 5, 6, tzinfo=UTC)


@pilot_test
async def test_press_and_wait_outlasts_a_row_build_slower_than_any_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Attack: the layers screen builds its rows in a thread that takes far longer than the
    pauses tests used to guess (0.3 s, 0.5 s). Promise: ``press_and_wait`` returns only once
    the rows are on the table, so the assertion and the picture a snapshot takes after it
    show the rows, never "reading…"."""
    release = threading.Event()
    build = LayersScreen.build_rows

    def slow_build(self: LayersScreen, *args: object) -> object:
        release.wait(10)
        return build(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(LayersScreen, "build_rows", slow_build)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Released from another thread after a while, as a loaded machine would finish it.
        threading.Timer(0.8, release.set).start()
        await press_and_wait(pilot, "down", "enter")
        assert release.is_set()
        assert isinstance(app.screen, LayersScreen)
        assert [k.rsplit(":", 1)[-1] for k in shown_keys(app)] == [
            "geo",
            "pandas-py39",
            "unused-tools",
        ]
        assert "pandas-py39" in app.export_screenshot()


@pilot_test
async def test_press_and_wait_lets_held_keys_land_before_the_next() -> None:
    """Attack: escape moves focus to the screen below, and the app holds the keys behind it
    until focus lands there; a test that presses escape again at once finds its key held.
    Promise: after each ``press_and_wait`` key the app holds nothing, so three escapes from
    the consumers screen are three screens back."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "enter", "down", "enter")
        assert isinstance(app.screen, ConsumersScreen)
        await press_and_wait(pilot, "escape", "escape", "escape")
        assert isinstance(app.screen, RegionsScreen)
        assert not app.holding_keys
        assert row_text(app, "eu-north-1").startswith("eu-north-1 | ok")


def test_a_wait_that_never_ends_fails_naming_what_it_waited_for() -> None:
    """Attack: a condition that never holds. Promise: the wait fails (no hang, no silent pass)
    and says what it waited for."""
    with pytest.raises(NeverHappened, match="the region's rows"):
        wait_until_sync(lambda: False, what="the region's rows", timeout=0.05)


@pilot_test
async def test_a_pilot_wait_that_never_ends_fails_naming_it() -> None:
    """Attack: the same in a Pilot test. Promise: it fails naming the condition; the app kept
    running meanwhile."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        with pytest.raises(NeverHappened, match="a screen that never opens"):
            await wait_until(pilot, lambda: False, what="a screen that never opens", timeout=0.1)
        assert app.is_running


@pilot_test
async def test_what_the_app_said_outlives_its_toast() -> None:
    """Attack: a notification whose toast expires before the test reads it (what a loaded
    machine does to a 5 s toast), one with an escape sequence, and more than the record
    keeps. Promise: ``said`` still has it, as shown (escaped), oldest dropped first."""
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        before = len(said(app))
        app.notify("gone in a blink", timeout=0.05)
        await wait_until(pilot, lambda: app.screen.query("Toast"), what="the toast")
        await wait_until(pilot, lambda: not app.screen.query("Toast"), what="the toast to go")
        assert said(app)[before:] == ["gone in a blink"]
        app.notify("\x1b[31mred\x1b[0m", title="AWS", severity="error")
        last = app.said[-1]
        assert "\x1b" not in last.message and "red" in last.message
        assert (last.title, last.severity) == ("AWS", "error")
        for number in range(SAID_KEPT + 3):
            app.notify(f"note {number}")
        assert len(said(app)) == SAID_KEPT
        assert said(app)[0] == "note 3" and said(app)[-1] == f"note {SAID_KEPT + 2}"


@pytest.mark.frozen_clock(FROZEN)
def test_the_clock_marker_freezes_the_clock() -> None:
    """Attack: a test that reads an age. Promise: the marker pins ``clock.now()`` to its
    moment for the whole test."""
    assert clock.now() == FROZEN


def test_an_unmarked_test_reads_a_running_clock() -> None:
    """Attack: a frozen clock left behind by a marked test (or a module's old fixture).
    Promise: without the marker the clock runs."""
    assert clock.now() not in (FROZEN, NOW)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
