"""Every key answers, once, and says what it did (issue 14, Deliver 7's key items): read-only
refusals, ``u`` with nothing to undo, the palette's list, escape's order, keep-newest's key."""

from __future__ import annotations

import pytest
from on_screen import said
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.help import HelpScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets import ResourceTable

SIZE = (120, 40)
#: The one line every change key answers with in read-only.
READ_ONLY_REFUSAL = "read-only: nothing can be changed (start without --read-only to change)"


pytestmark = pytest.mark.frozen_clock(NOW)



def notifications(app: LayerTuiApp) -> list[str]:
    return said(app)


async def palette_entries(app: LayerTuiApp, pilot: Pilot[int]) -> list[str]:
    """What ctrl+p lists before anything is typed (title, then its help line)."""
    await pilot.press("ctrl+p")
    for _ in range(200):
        if isinstance(app.screen, CommandPalette):
            options = app.screen.query_one(CommandList)
            if options.option_count:
                break
        await pilot.pause(0.02)
    await pilot.pause(0.3)  # every provider's discovery is in
    options = app.screen.query_one(CommandList)
    entries = [str(options.get_option_at_index(i).prompt).split("\n")[0].strip()
               for i in range(options.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return entries


@pytest.mark.parametrize("key", ["p", "d", "m", "u", "K"])
@pilot_test
async def test_read_only_change_keys_answer_once(key: str) -> None:
    """Attack: in read-only the operator presses a change key (on a version, where each one
    would act) and nothing at all happens, so they press it again and wonder.
    Promise: each press answers with one line saying read-only changes nothing, opens
    nothing, and the app stays where it was."""
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for step in ("down", "enter", "enter"):
            await pilot.press(step)
            await settle(pilot)
        assert isinstance(app.screen, VersionsScreen)
        await pilot.press(key)
        await settle(pilot)
        assert notifications(app).count(READ_ONLY_REFUSAL) == 1
        assert isinstance(app.screen, VersionsScreen)
        await pilot.press(key)
        await settle(pilot)
        assert notifications(app).count(READ_ONLY_REFUSAL) == 2  # once per press


@pilot_test
async def test_undo_with_nothing_to_undo_is_a_notification_not_a_dialog() -> None:
    """Attack: ``u`` on a journal with no repin in it.
    Promise: one notification says there is nothing to undo; no dialog opens to say only
    that (the screen on top stays the regions screen)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        from layer_tui.ui.dialogs.undo import UndoDialog

        for _ in range(300):  # bounded: the answer is a notification or a dialog
            if isinstance(app.screen, UndoDialog) or any(
                    m.startswith("Nothing to undo") for m in notifications(app)):
                break
            await pilot.pause(0.01)
        assert not isinstance(app.screen, UndoDialog), "a whole dialog to say nothing"
        assert isinstance(app.screen, RegionsScreen)
        assert len(app.screen_stack) == 2
        said = [m for m in notifications(app) if m.startswith("Nothing to undo")]
        assert said == ["Nothing to undo: the journal holds no repin batch not yet undone"]


@pilot_test
async def test_the_palette_lists_real_actions_only_and_each_once() -> None:
    """Attack: ctrl+p on a layer's versions used to open on the table's own ``Up``, ``Down``
    and ``Scroll Left`` and list the same action twice (``Functions`` from its key and from
    the app's commands; ``Publish`` and ``Publish a new version``; two ``Quit``).
    Promise: no cursor or scroll key of a widget is listed, no title twice, no action twice
    (a command whose action a key already lists is left out), and the screen's own keys
    (Filter, Refresh, Keep newest) are there."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for step in ("down", "enter", "enter"):
            await pilot.press(step)
            await settle(pilot)
        entries = await palette_entries(app, pilot)
    assert entries, "the palette listed nothing"
    for noise in ("Up", "Down", "Scroll Left", "Scroll Right", "Page Up", "Page Down",
                  "Top", "Bottom", "Cursor up", "Cursor down", "Keys", "Focus Next",
                  "Focus Previous", "Copy selected text"):
        assert noise not in entries, f"{noise} is listed"
    assert len(entries) == len(set(entries)), sorted(entries)
    assert {"Filter", "Refresh", "Keep newest", "Publish", "Functions"} <= set(entries)
    for repeat in ("Publish a new version", "Delete version", "Repin consumers",
                   "Undo last repin", "Delete old unused versions", "Inspect version"):
        assert repeat not in entries, f"{repeat} repeats a key"
    assert entries.count("Quit") == 1


@pilot_test
async def test_the_palette_in_read_only_offers_no_change() -> None:
    """Attack: read-only binds the change keys to their refusal; the palette must not list
    those as commands. Promise: no Publish/Delete/Repin/Undo/Keep newest entry."""
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        entries = await palette_entries(app, pilot)
    assert entries
    assert not {"Publish", "Delete", "Repin", "Undo repin", "Keep newest"} & set(entries)


@pilot_test
async def test_escape_clears_a_kept_filter_before_it_leaves_the_screen() -> None:
    """Attack: a filter kept with enter, then escape: the screen was left with the filter
    still on (and came back filtered), when the operator meant to see every row again.
    Promise: the first escape clears the filter and stays; the second leaves. On the root
    screen escape clears a kept filter too."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LayersScreen)
        table = app.screen.query_one(ResourceTable)
        await pilot.press("slash", *"geo", "enter")
        await pilot.pause()
        assert table.filter_text == "geo" and len(table.shown_rows) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LayersScreen)
        assert table.filter_text == "" and len(table.shown_rows) == 3
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RegionsScreen)
        root = app.screen.query_one(ResourceTable)
        await pilot.press("slash", *"eu", "enter")
        await pilot.pause()
        assert root.filter_text == "eu"
        await pilot.press("escape")
        await pilot.pause()
        assert root.filter_text == "" and isinstance(app.screen, RegionsScreen)


@pilot_test
async def test_keep_newest_has_a_key_in_help_and_the_footer() -> None:
    """Attack: keep-newest was reachable only by searching the palette.
    Promise: it has a key (K) that ``?`` and the footer show on a layer's screens."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter", "enter")
        await settle(pilot)
        footer = {a.binding.description: key for key, a in app.screen.active_bindings.items()
                  if a.binding.show}
        assert footer.get("Keep newest") == "K"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("K", "Keep newest") in app.screen.entries
