"""The palette's help lines name the keys in force, not the defaults (issue 18's keymap).

A user's ``keymap.toml`` moves a change's key; the palette's entries for the changes said
"(d)" whatever the keymap said, so the palette taught a key that no longer deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.changes import change_commands
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.screens.help import HelpScreen
from layer_tui.ui.screens.regions import RegionsScreen

SIZE = (120, 40)

pytestmark = pytest.mark.frozen_clock(NOW)


async def palette_help(app: LayerTuiApp, pilot: Pilot[int]) -> dict[str, str]:
    """Title -> help line of every entry ctrl+p lists before anything is typed."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette)
                     and app.screen.query_one(CommandList).option_count > 0,
                     what="the palette listing its entries")
    options = app.screen.query_one(CommandList)
    # The app's commands come from a second provider: wait for one of them too.
    await wait_until(pilot, lambda: any(
        str(options.get_option_at_index(i).prompt).startswith("Restore a deleted version")
        for i in range(options.option_count)), what="the palette listing the app's commands")
    entries: dict[str, str] = {}
    for index in range(options.option_count):
        title, _, help_line = str(options.get_option_at_index(index).prompt).partition("\n")
        entries[title.strip()] = help_line.strip()
    await pilot.press("escape")
    await pilot.pause()
    return entries


@pilot_test
async def test_the_change_entries_name_the_key_the_keymap_moved_them_to(
    write_keymap: Callable[[str], Path],
) -> None:
    """Attack: the user moves delete from d to X (and repin from m to M) in keymap.toml; the
    palette's entries for the changes were written with "(d)" and "(m)" in their help, keys
    that no longer delete or repin.
    Promise: the entries built for the regions screen (where X deletes) say "(X)" and "(M)",
    never "(d)" or "(m)"; a key left alone (undo's u) is still named; the screen's own
    Delete entry names X too."""
    write_keymap('[keys]\n"change.delete" = "X"\n"change.repin" = "M"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RegionsScreen)
        built = {command.title: command.help for command in change_commands(app.screen, False)}
        listed = await palette_help(app, pilot)
    assert built["Delete version"].endswith("(X)"), built["Delete version"]
    assert "(d)" not in built["Delete version"]
    assert built["Repin consumers"].endswith("(M)"), built["Repin consumers"]
    assert "(m)" not in built["Repin consumers"]
    assert built["Undo last repin"].endswith("(u)"), built["Undo last repin"]
    assert listed["Delete"] == "key: X"


@pilot_test
async def test_no_entry_names_a_key_that_does_not_run_it_where_the_palette_is_open(
    write_keymap: Callable[[str], Path],
) -> None:
    """Attack: delete moved to X, and the palette opened over the help (no change key works
    there) or over a function's layers (where m is the screen's own "Repin layer", not the
    app's repin); the entries listed there said "(d)" and "(m)".
    Promise: over the help, Delete version names no key (none deletes there), never d; over
    the function screen, Repin consumers does not name m."""
    write_keymap('[keys]\n"change.delete" = "X"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        over_help = await palette_help(app, pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionsScreen),
                         what="back on the regions")
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("slash", *"zzz", "enter")  # no layer row selected: repin is off
        await settle(pilot)
        assert isinstance(app.screen, FunctionScreen)
        over_function = await palette_help(app, pilot)
    delete = over_help["Delete version"]
    assert "(d)" not in delete and "(X)" not in delete, delete
    repin = over_function["Repin consumers"]
    assert "(m)" not in repin, repin
