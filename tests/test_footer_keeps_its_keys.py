"""The footer is rebuilt when the keys it shows change, and only then.

Attack: Textual's footer made a new widget for every key (and styled each twice) on every
binding refresh: a filter opened and closed, a focus change, a dialog gone, though the keys
shown were the same. On a loaded bastion each rebuild was a frame or more of nothing new, and
it was a fifth of the UI tests' processor time. Promise: a refresh that leaves the shown keys
as they were (help opened and closed over the screen) keeps the footer's widgets; one that
changes them (the filter's own key while it is open; escape once a filter is kept, gone once
it is cleared) shows the new keys.
"""

from __future__ import annotations

import pytest
from on_screen import footer_keys
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui.screens.help import HelpScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.widgets.resource_table import ResourceTable

pytestmark = pytest.mark.frozen_clock(NOW)


@pilot_test
async def test_the_footer_keeps_its_keys_until_they_change() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RegionsScreen)
        shown = footer_keys(app)
        assert "Back" not in shown, "the root screen has nowhere to go back to"
        # The widgets themselves, held: ids of freed widgets could be reused by new ones.
        widgets = list(app.screen.query("FooterKey"))
        assert widgets

        # Help opened over the screen and closed: the screen resumes with the same keys.
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionsScreen),
                         what="back on the regions screen")
        await settle(pilot)
        assert footer_keys(app) == shown
        now = list(app.screen.query("FooterKey"))
        assert len(now) == len(widgets) and all(a is b for a, b in zip(now, widgets, strict=True))

        # The filter opened: its own key shows while it is open; closed empty, the same keys.
        await pilot.press("slash")
        await wait_until(pilot, lambda: "Clear filter" in footer_keys(app),
                         what="the filter's key in the footer while it is open")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.query_one(ResourceTable).has_focus,
                         what="the table focused again")
        await wait_until(pilot, lambda: footer_keys(app) == shown,
                         what="the screen's own keys once the filter is closed")

        # A kept filter: escape now clears it, and the footer says so.
        await pilot.press("slash", *"eu", "enter")
        await wait_until(pilot, lambda: footer_keys(app).get("Back") == "esc",
                         what="escape in the footer once a filter is kept")
        assert {k: v for k, v in footer_keys(app).items() if k != "Back"} == shown

        await pilot.press("escape")
        await wait_until(pilot, lambda: "Back" not in footer_keys(app),
                         what="escape gone from the footer once the filter is cleared")
        assert footer_keys(app) == shown
