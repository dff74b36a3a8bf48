"""``:`` — the command line — and the palette's finder, driven with the real keys.

Each test names the promise it checks; the account is the in-memory sample (eu-north-1 and
us-east-1 scanned, ap-south-2 not enabled).
"""

from __future__ import annotations

import pytest
from on_screen import highlighted_command, said
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.screens.history import HistoryScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets.command_line import CommandLine

SIZE = (120, 40)


pytestmark = pytest.mark.frozen_clock(NOW)



async def open_line(app: LayerTuiApp, pilot: object) -> CommandLine:
    """Press `:` and wait for the line (keys read right after a dialog closes may be held a
    moment by the app's key routing until focus has landed)."""
    await pilot.press("colon")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, CommandLine)
                     and bool(app.screen.query("#command-input")), "the command line")
    assert isinstance(app.screen, CommandLine)
    return app.screen


async def command(app: LayerTuiApp, pilot: object, line: str) -> None:
    await open_line(app, pilot)
    await pilot.press(*line, "enter")  # type: ignore[attr-defined]
    await settle(pilot)


def notifications(app: LayerTuiApp) -> list[str]:
    return said(app)


@pilot_test
async def test_region_layers_functions_and_history_commands_navigate() -> None:
    """Promise: `:region us-east-1` opens that region's layers; `:layers` every region's;
    `:functions` the functions view; `:history` the History screen; escape goes back."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await command(app, pilot, "region us-east-1")
        assert isinstance(app.screen, LayersScreen) and app.screen.region_name == "us-east-1"
        await command(app, pilot, "layers")
        assert isinstance(app.screen, LayersScreen) and app.screen.region_name is None
        await command(app, pilot, "functions")
        assert isinstance(app.screen, FunctionsScreen)
        await command(app, pilot, "history")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, FunctionsScreen)


@pilot_test
async def test_fn_and_layer_find_names_across_regions() -> None:
    """Promise: `:fn nightly-cleanup` (a function of us-east-1, typed on eu-north-1's screen)
    opens its function screen, over its region's layers; `:layer ops-tools` opens the versions
    of that layer wherever it lives, with its region's layers behind it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await command(app, pilot, "region eu-north-1")
        await command(app, pilot, "fn nightly-cleanup")
        screen = app.screen
        assert isinstance(screen, FunctionScreen)
        assert screen.function.arn.endswith(":us-east-1:123456789012:function:nightly-cleanup")
        await pilot.press("escape")
        assert isinstance(app.screen, LayersScreen) and app.screen.region_name == "us-east-1"
        await command(app, pilot, "layer ops-tools")
        assert isinstance(app.screen, VersionsScreen)
        assert app.screen.layer_arn == "arn:aws:lambda:us-east-1:123456789012:layer:ops-tools"
        await pilot.press("escape")
        assert isinstance(app.screen, LayersScreen) and app.screen.region_name == "us-east-1"


@pilot_test
async def test_unknown_commands_and_names_are_one_line_and_go_nowhere() -> None:
    """Attack: an unknown verb, a region never scanned, a function and a layer that do not
    exist, a verb without its argument, a name with an escape sequence.
    Promise: one line each (what, why, what to do), the screen stays where it was."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for line, says in (
            ("frobnicate", "unknown command 'frobnicate'"),
            ("region mars-north-9", "unknown region 'mars-north-9'"),
            ("fn nosuch", "no function named 'nosuch'"),
            ("layer nosuch", "no layer named 'nosuch'"),
            ("region", ":region needs a region"),
        ):
            before = len(notifications(app))
            await command(app, pilot, line)
            await wait_until(pilot, lambda: len(notifications(app)) > before,  # noqa: B023
                             what=f"the line for :{line}")
            assert isinstance(app.screen, RegionsScreen), line
            [message] = notifications(app)[before:]
            assert says in message and "\n" not in message, message
        before = len(said(app))
        line_screen = await open_line(app, pilot)
        line_screen.input.value = "fn \x1b[31mred"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(said(app)) > before, "the line for the escape")
        await settle(pilot)
        [message] = notifications(app)[before:]
        assert "\x1b" not in message and "\\x1b" in message


@pilot_test
async def test_tab_completes_and_suggestions_are_shown() -> None:
    """Promise: `:re` Tab becomes `region `, then `us` Tab `region us-east-1`; the suggestions
    under the line list the layer names matching what is typed, across regions."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = await open_line(app, pilot)
        await pilot.press("r", "e", "tab")
        assert line.input.value == "region "
        await pilot.press("u", "s", "tab")
        assert line.input.value == "region us-east-1"
        line.input.value = "layer o"
        await pilot.pause()
        assert line.shown_suggestions[0] == "layer ops-tools"
        shown = str(line.query_one("#command-suggestions").render())
        assert "layer ops-tools" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, RegionsScreen)


@pilot_test
async def test_the_palette_finds_a_function_by_name_in_any_region() -> None:
    """Promise: ctrl+p, typing a function of another region (nightly-cleanup, us-east-1) and
    enter opens its function screen, as `:fn` does."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"fn nightly")
        await wait_until(pilot, lambda: "nightly-cleanup" in highlighted_command(app),
                         "the palette's pick: nightly-cleanup")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionScreen),
                         "the function screen")
        assert app.screen.function.function == "nightly-cleanup"
