"""Pilot tests: the real keys on the browsing screens, against an in-memory account."""

from __future__ import annotations

import pyperclip
import pytest
from on_screen import highlighted_command, row_text, said, shown_keys, table
from ui_fixtures import NOW, FakeScan, FakeSession, make_app, pilot_test
from waiting import press_and_wait, settle, wait_until

from layer_tui.aws.errors import AwsError
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.screens.help import HelpScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets import FilterPrompt, HeaderBar, ResourceTable

SIZE = (120, 40)
pytestmark = pytest.mark.frozen_clock(NOW)


@pilot_test
async def test_regions_fill_in_and_a_failing_region_reads_as_an_error() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RegionsScreen)
        assert shown_keys(app) == ["ap-south-2", "eu-north-1", "us-east-1"]
        assert "not enabled for this account" in row_text(app, "ap-south-2")
        assert row_text(app, "eu-north-1").startswith("eu-north-1 | ok | 3 | 5 |")
        # Opening the failed region explains instead of crashing.
        await press_and_wait(pilot, "enter")
        await pilot.pause()
        assert isinstance(app.screen, RegionsScreen)
        assert any("not enabled" in message for message in said(app))


@pilot_test
async def test_drill_down_and_back() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter")
        assert isinstance(app.screen, LayersScreen)
        assert [k.rsplit(":", 1)[-1] for k in shown_keys(app)] == [
            "geo",
            "pandas-py39",
            "unused-tools",
        ]
        await press_and_wait(pilot, "enter")
        assert isinstance(app.screen, VersionsScreen)
        # Newest first; LATEST and UNUSED flags; the markup in a description stays text.
        assert [k.rsplit(":", 1)[-1] for k in shown_keys(app)] == ["3", "2", "1"]
        geo = "arn:aws:lambda:eu-north-1:123456789012:layer:geo"
        assert "LATEST" in row_text(app, f"{geo}:3")
        assert "[bold]not markup[/bold]" in row_text(app, f"{geo}:3")
        assert "UNUSED" in row_text(app, f"{geo}:1")
        await press_and_wait(pilot, "down", "enter")
        assert isinstance(app.screen, ConsumersScreen)
        assert sorted(k.rsplit(":", 1)[-1] for k in shown_keys(app)) == [
            "billing-worker",
            "geo-import",
        ]
        geo_import = "arn:aws:lambda:eu-north-1:123456789012:function:geo-import"
        assert "1/3" in row_text(app, geo_import)
        assert "1 (2\N{RIGHTWARDS ARROW}3)" in row_text(app, geo_import)
        # Drift: consumers of every version side by side.
        await press_and_wait(pilot, "t")
        await pilot.pause()
        assert len(shown_keys(app)) == 3
        for expected in (VersionsScreen, LayersScreen, RegionsScreen):
            await press_and_wait(pilot, "escape")
            assert isinstance(app.screen, expected)
        await press_and_wait(pilot, "escape")  # nowhere further back: stays
        assert isinstance(app.screen, RegionsScreen)


@pilot_test
async def test_filter_as_you_type_enter_keeps_escape_clears() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter")
        await press_and_wait(pilot, "slash")
        assert isinstance(app.focused, FilterPrompt)
        await press_and_wait(pilot, "P", "a", "N")  # any case
        assert [k.rsplit(":", 1)[-1] for k in shown_keys(app)] == ["pandas-py39"]
        await press_and_wait(pilot, "enter")
        assert isinstance(app.focused, ResourceTable)
        assert table(app).filter_text == "PaN"
        assert len(shown_keys(app)) == 1
        # "q" typed into the prompt is text, not quit.
        await press_and_wait(pilot, "slash", "backspace", "backspace", "backspace", "q")
        assert app.is_running
        assert shown_keys(app) == []
        await press_and_wait(pilot, "escape")
        assert table(app).filter_text == ""
        assert len(shown_keys(app)) == 3
        assert isinstance(app.screen, LayersScreen)  # escape closed the prompt only


@pilot_test
async def test_filter_matches_any_column() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "slash", *"nodejs")
        assert [k.rsplit(":", 1)[-1] for k in shown_keys(app)] == ["unused-tools"]


@pilot_test
async def test_sort_cycles_and_reverses() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter")
        names = lambda: [k.rsplit(":", 1)[-1] for k in shown_keys(app)]  # noqa: E731
        await press_and_wait(pilot, "s", "s", "s")  # Layer → Latest → Versions → Size
        assert table(app).sort_label.startswith("Size")
        assert names() == ["unused-tools", "geo", "pandas-py39"]
        await press_and_wait(pilot, "S")
        assert names() == ["pandas-py39", "geo", "unused-tools"]


@pilot_test
async def test_copy_arn_uses_osc52_even_when_pyperclip_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "y")
        await settle(pilot)
        arn = "arn:aws:lambda:eu-north-1:123456789012:layer:geo"
        assert app.clipboard == arn  # what App.copy_to_clipboard sent as OSC 52
        assert any(m.startswith("copied arn:") and m.endswith(":layer:geo (OSC 52)")
                   for m in said(app))  # the toast shortens; the clipboard has it whole


@pilot_test
async def test_copy_arn_says_when_the_system_clipboard_worked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "y")
        await settle(pilot)
        arn = "arn:aws:lambda:eu-north-1:123456789012:layer:geo"
        assert copied == [arn]
        assert app.clipboard == arn
        assert any(m.startswith("copied arn:") and m.endswith("system clipboard)")
                   for m in said(app))


@pilot_test
async def test_refresh_rescans_the_region_on_screen() -> None:
    scan = FakeScan()
    app = make_app(scan=scan)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "r")
        await settle(pilot)
        assert scan.calls == [None, ("eu-north-1",)]
        await press_and_wait(pilot, "escape", "r")
        await settle(pilot)
        assert scan.calls[-1] is None


@pilot_test
async def test_a_slow_region_never_freezes_the_rest() -> None:
    scan = FakeScan(slow=frozenset({"us-east-1"}))
    app = make_app(scan=scan)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(shown_keys(app)) == 3, what="every region's row")
        await wait_until(
            pilot,
            lambda: "versions 2/5" in row_text(app, "us-east-1"),
            what="the slow region's progress",
        )
        assert "scanning\N{HORIZONTAL ELLIPSIS} versions 2/5" in row_text(app, "us-east-1")
        assert app.header_info.scanning == (2, 3)
        # The finished region can be browsed while the other still scans.
        await press_and_wait(pilot, "down", "enter")
        assert isinstance(app.screen, LayersScreen)
        assert len(shown_keys(app)) == 3
        scan.gate.set()
        await settle(pilot)
        assert app.header_info.scanning is None
        await press_and_wait(pilot, "escape")
        assert "ok" in row_text(app, "us-east-1")


@pilot_test
async def test_read_only_header() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one(HeaderBar)
        rendered = str(header.render())
        for expected in ("123456789012", "demo", "sandbox", "READ-ONLY", "5 minutes ago"):
            assert expected in rendered
    app = make_app(read_only=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "READ-ONLY" not in str(app.screen.query_one(HeaderBar).render())


@pilot_test
async def test_mutating_actions_are_absent_in_read_only() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for action in ("publish", "delete", "repin", "undo"):
            assert app.screen.check_action(action, ()) is False
            assert app.check_action(action, ()) is False


@pilot_test
async def test_help_lists_the_current_screens_bindings() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "enter", "enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        described = {description for _, description in app.screen.entries}
        assert {"Drift", "Filter", "Refresh", "Copy ARN", "Back", "Sort", "Quit"} <= described
        assert "Open" in described  # enter opens the function screen (issue 15)
        await press_and_wait(pilot, "escape")
        assert isinstance(app.screen, ConsumersScreen)


@pilot_test
async def test_palette_runs_the_current_screens_actions() -> None:
    scan = FakeScan()
    app = make_app(scan=scan)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "ctrl+p", *"refresh")
        await wait_until(
            pilot, lambda: "Refresh" in highlighted_command(app), what="the palette's Refresh"
        )
        await press_and_wait(pilot, "enter")
        await settle(pilot)
        assert scan.calls[-1] == ("eu-north-1",)


@pilot_test
async def test_functions_view_shows_what_is_behind() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "f")
        assert isinstance(app.screen, FunctionsScreen)
        geo_import = "arn:aws:lambda:eu-north-1:123456789012:function:geo-import"
        assert "geo:2\N{RIGHTWARDS ARROW}3" in row_text(app, geo_import)
        assert "up to date" in row_text(
            app, "arn:aws:lambda:eu-north-1:123456789012:function:orders-api"
        )
        # Enter opens the function's own screen (issue 15), its layers in merge order.
        table(app).select_key(geo_import)
        await press_and_wait(pilot, "enter")
        assert isinstance(app.screen, FunctionScreen)
        assert app.screen.function.qualified_arn == geo_import


@pilot_test
async def test_region_switcher() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "g", *"us-east")
        await wait_until(
            pilot, lambda: "us-east-1" in highlighted_command(app), what="the region us-east-1"
        )
        await press_and_wait(pilot, "enter")
        await pilot.pause()
        assert isinstance(app.screen, LayersScreen)
        assert app.screen.region_name == "us-east-1"


@pilot_test
async def test_profile_switcher_rescans_another_account() -> None:
    scan = FakeScan()
    app = make_app(scan=scan, profiles=("default", "prod"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.operations.session
        await press_and_wait(pilot, "o")
        await settle(pilot)
        await press_and_wait(pilot, *"prod")
        await wait_until(
            pilot, lambda: "prod" in highlighted_command(app), what="the profile prod"
        )
        await press_and_wait(pilot, "enter")
        await settle(pilot)
        assert app.config.profile == "prod"
        assert app.header_info.profile == "prod"
        assert len(scan.calls) == 2
        # Changes made after the switch go to the new account, not the one left behind.
        assert app.operations.session is not before
        assert app.operations.session.profile_label == "prod"


@pilot_test
async def test_no_credentials_is_one_clear_line_not_a_crash() -> None:
    failing = FakeSession(fail_with=AwsError("NoCredentials", "no AWS credentials found"))
    app = make_app(session=failing)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.load_error == "no AWS credentials found"
        assert "no AWS credentials found" in table(app).empty_text
        assert any("no AWS credentials found" in m for m in said(app))


@pilot_test
async def test_keys_are_answered_while_a_screen_builds_its_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    release = threading.Event()
    build = FunctionsScreen.build_rows

    def slow_build(self: FunctionsScreen, *args: object) -> object:
        release.wait(10)  # a huge account: the rows take a while
        return build(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(FunctionsScreen, "build_rows", slow_build)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FunctionsScreen)
        assert table(app).total_rows == 0  # still building
        await pilot.press("question_mark")  # the app answers meanwhile
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, FunctionsScreen)
        assert table(app).total_rows > 0
