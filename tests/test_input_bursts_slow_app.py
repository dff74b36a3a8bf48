"""Keys behind a key that opens something reach it even when the app is slow to open it.

The app holds the keys read right behind a key that moves focus (ui/key_routing.py) and lets
them go after ``HOLD_LIMIT`` when the key opened nothing. On a loaded machine a dialog took
longer than that to mount, and the held keys went to the screen behind it. Here the limit is
made shorter than any mount (a millisecond), which is that loaded machine on every run.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from key_burst import burst
from textual.widgets import Input
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui import changes, key_routing
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets import FilterPrompt, ResourceTable

SIZE = (120, 40)
#: Shorter than any dialog's mount or any message's round trip: the hold limit a slow machine
#: effectively has.
SLOW_MACHINE_LIMIT = 0.001

pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_routing, "HOLD_LIMIT", SLOW_MACHINE_LIMIT)


async def walk(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def watch_hold_limit(app: object, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set each time the key hold's limit has passed (and its callback has run)."""
    passed = asyncio.Event()
    real = app.set_timer  # type: ignore[attr-defined]

    def set_timer(delay: float, callback: Any = None, *args: Any, **kwargs: Any) -> Any:
        if callback is None or delay != key_routing.HOLD_LIMIT:
            return real(delay, callback, *args, **kwargs)

        async def limit_passed() -> None:
            result = callback()
            if inspect.isawaitable(result):
                await result
            passed.set()

        return real(delay, limit_passed, *args, **kwargs)

    monkeypatch.setattr(app, "set_timer", set_timer)
    return passed


@pilot_test
async def test_the_number_after_K_lands_in_a_dialog_slower_than_the_hold_limit(
    slow_machine: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Attack: ``K2`` in one read on a layer's versions, the keep-newest flow opening its
    dialog only after the hold limit has passed (a loaded machine: its worker starts late).
    Before, the limit let the ``2`` go to the versions table: the dialog opened with its
    default, and a later Enter would keep the wrong number of versions.
    Promise: the dialog's N field is focused and holds exactly ``2``."""
    from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog

    app = make_app()
    limit_passed = watch_hold_limit(app, monkeypatch)
    flow = changes.keep_newest

    async def slow_flow(*args: Any) -> None:
        await limit_passed.wait()
        await flow(*args)

    monkeypatch.setattr(changes, "keep_newest", slow_flow)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await walk(pilot, "down", "enter", "enter")
        assert isinstance(app.screen, VersionsScreen)
        limit_passed.clear()  # the walk's own keys held too: count from the burst
        burst(app, "K2")
        await wait_until(pilot, lambda: isinstance(app.screen, KeepNewestDialog)
                         and limit_passed.is_set() and not app.holding_keys,
                         "the dialog open after the hold limit, no key held")
        await pilot.pause()
        field = app.screen.query_one("#keep", Input)
        assert field.value == "2"
        assert app.focused is field


@pilot_test
async def test_keys_after_enter_wait_for_the_filter_to_close_however_slow(
    slow_machine: None,
) -> None:
    """Attack: ``/ge``, enter, ``/``, end, ``o``, enter in one read, the prompt's Submitted
    still on its way to the screen when the hold limit passes. Before, the second ``/`` and
    what followed were typed into the closing prompt (a filter of ``ge/o``).
    Promise: the filter reads ``geo``, focus is back on the table, one row shows."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await walk(pilot, "down", "enter")
        assert isinstance(app.screen, LayersScreen)
        burst(app, "/ge\r/\x1b[Fo\r")
        table = app.screen.query_one(ResourceTable)
        await wait_until(pilot, lambda: isinstance(app.focused, ResourceTable)
                         and not app.holding_keys and table.filter_text not in ("", "ge"),
                         "the burst handled, focus on the table")
        assert table.filter_text == "geo"
        assert [row.key.rsplit(":", 1)[-1] for row in table.shown_rows] == ["geo"]


@pilot_test
async def test_a_key_that_opens_nothing_still_lets_the_keys_behind_it_through(
    slow_machine: None,
) -> None:
    """Attack: the hold now lasts while the key's work is under way; a key whose flow refuses
    (``K`` on the regions screen: no layer selected) must not keep the keys behind it.
    Promise: ``K/eu`` in one read says why K did nothing, and the filter gets ``eu``."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "K/eu")
        await wait_until(pilot, lambda: app.screen.query(FilterPrompt)
                         and app.screen.query_one(FilterPrompt).value == "eu",
                         "eu in the filter")
        assert any("Select a layer first" in entry.message for entry in app.said)
