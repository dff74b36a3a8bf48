"""Input is never lost or misrouted: keys that arrive in one terminal read go, in order, to the
input the first of them opened (issue 14, Deliver 1).

Every test sends its keys the way a terminal does (``key_burst``: raw bytes through textual's
xterm parser, all posted before the app handles the first), not one ``pilot.press`` at a time.
"""

from __future__ import annotations

import pytest
from key_burst import burst, paste
from textual.pilot import Pilot
from textual.widgets import Input
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets import FilterPrompt, ResourceTable

SIZE = (120, 40)
#: Every one-letter key a browsing screen binds (q quits, u undoes, p publishes, K keeps
#: newest, g and o open choosers, f functions, y copies, a all regions, t drift, s sorts…).
EVERY_BOUND_LETTER = "eupdmqKgofyatsrv"


pytestmark = pytest.mark.frozen_clock(NOW)




async def open_screen(app: LayerTuiApp, pilot: Pilot[int], name: str) -> type:
    """Walk (key by key, waiting between) to the screen named ``name``; its class."""
    path = {
        "regions": ((), RegionsScreen),
        "layers": (("down", "enter"), LayersScreen),
        "versions": (("down", "enter", "enter"), VersionsScreen),
        "consumers": (("down", "enter", "enter", "enter"), ConsumersScreen),
        "functions": (("f",), FunctionsScreen),
    }
    keys, screen = path[name]
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    assert isinstance(app.screen, screen)
    return screen


@pytest.mark.parametrize("name", ["regions", "layers", "versions", "consumers", "functions"])
@pilot_test
async def test_a_burst_after_slash_is_all_filter_text(name: str) -> None:
    """Attack: ``/`` and every letter the screen binds arrive in one read (a fast typist, a
    paste, tmux sending a word); before, ``/eu`` on the regions screen opened undo.
    Promise: the filter prompt gets every letter, in order; no binding runs, the screen stays,
    the app keeps running."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_screen(app, pilot, name)
        depth = len(app.screen_stack)
        burst(app, "/" + EVERY_BOUND_LETTER)
        await wait_until(pilot, lambda: app.screen.query_one(FilterPrompt).value
                         == EVERY_BOUND_LETTER, "every letter in the filter")
        await settle(pilot)
        assert app.is_running
        assert type(app.screen) is screen
        assert isinstance(app.focused, FilterPrompt)
        assert app.screen.query_one(ResourceTable).filter_text == EVERY_BOUND_LETTER
        assert len(app.screen_stack) == depth  # nothing opened over it, nothing popped


@pilot_test
async def test_enter_then_more_keys_in_one_read_go_to_the_table_then_the_filter() -> None:
    """Attack: ``/ge``, enter, ``/``, end, ``o``, enter in one read: the keys after enter used
    to land in the closing prompt (or run as bindings before it closed).
    Promise: enter keeps ``ge``, the second ``/`` reopens the prompt on it (all selected),
    end moves behind it and ``o`` extends it: the filter reads ``geo``, in that order, and
    focus is back on the table."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(app, pilot, "layers")
        burst(app, "/ge\r/\x1b[Fo\r")
        await wait_until(pilot, lambda: isinstance(app.focused, ResourceTable)
                         and app.screen.query_one(ResourceTable).filter_text == "geo",
                         "the filter kept as geo, focus back on the table")
        assert [row.key.rsplit(":", 1)[-1] for row in
                app.screen.query_one(ResourceTable).shown_rows] == ["geo"]


@pilot_test
async def test_a_bracketed_paste_right_after_slash_is_filter_text() -> None:
    """Attack: ``/`` then a bracketed paste of ``pandas`` in the same read.
    Promise: the paste lands in the prompt that ``/`` opened, whole."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(app, pilot, "layers")
        burst(app, "/\x1b[200~pandas\x1b[201~")
        await wait_until(pilot, lambda: app.screen.query_one(FilterPrompt).value == "pandas",
                         "the paste in the filter")
        assert isinstance(app.screen, LayersScreen)


@pilot_test
async def test_the_publish_name_field_takes_a_burst_whole_and_in_order() -> None:
    """Attack: ``p`` and a layer name in one read, then a long name and a paste in single
    reads while the dialog is open; keys typed fast were lost or reordered.
    Promise: the name field holds exactly what was typed, in order; nothing ran as a key."""
    from layer_tui.ui.dialogs.publish import PublishDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "pmy-layer")

        def name_typed() -> bool:
            # The dialog is on the stack a moment before its fields are composed.
            fields = app.screen.query("#name") if isinstance(app.screen, PublishDialog) else ()
            return bool(fields) and fields.first(Input).value == "my-layer"

        await wait_until(pilot, name_typed, "the name typed behind p")
        name = app.screen.query_one("#name", Input)
        assert app.focused is name
        burst(app, "-quick-dump")
        paste(app, "-2026")
        await wait_until(pilot, lambda: name.value == "my-layer-quick-dump-2026", "the whole name")
        await pilot.pause(0.1)  # (the dialog's worker runs until it closes: no settle here)
        assert isinstance(app.screen, PublishDialog) and name.value == "my-layer-quick-dump-2026"


@pilot_test
async def test_keep_newest_on_its_key_takes_the_number_at_once() -> None:
    """Attack: ``K`` (keep newest) and a number in one read on a layer's versions; the field
    used to take no keys until clicked.
    Promise: the dialog opens with its N field focused and holding the number typed."""
    from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(app, pilot, "versions")
        burst(app, "K2")
        await wait_until(pilot, lambda: isinstance(app.screen, KeepNewestDialog)
                         and app.screen.query_one("#keep", Input).value == "2",
                         "2 in the keep field")
        assert app.focused is app.screen.query_one("#keep", Input)
