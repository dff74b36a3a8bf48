"""Dialogs and tables at 80x24: buttons and outcome on screen, names whole, one clock.

Pilot tests on the in-memory account (tests/ui_fixtures.py), the clock frozen.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui import clock
from layer_tui.ui.dialogs.publish import PublishDialog
from layer_tui.ui.widgets import HeaderBar, ResourceTable

SMALL = (80, 24)


pytestmark = pytest.mark.frozen_clock(NOW)



def line(table: ResourceTable, y: int) -> str:
    return table.render_line(y).text


@pilot_test
async def test_publish_buttons_and_outcome_stay_on_an_80x24_screen() -> None:
    """Attack: the publish dialog at 80x24 (its form alone is taller than the terminal).
    The buttons and the status line fell below the fold, yet ctrl+s still published.
    Promise: Cancel, Publish, the status line and where it lands lie wholly on screen."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        # The scan starts after the first paint, and "p" before any region is scanned only
        # says to wait: let the scan finish, as a user sees the regions before pressing.
        await settle(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PublishDialog), "the dialog")
        dialog = app.screen
        dialog.say("a status line\nof two lines", "error")
        await pilot.pause()
        screen = app.screen.region
        for selector in ("#cancel", "#publish", "#status", "#lands"):
            region = dialog.query_one(selector).region
            assert region.height > 0 and screen.contains_region(region), selector


@pilot_test
async def test_the_name_column_stays_whole_at_80_columns_and_when_scrolled() -> None:
    """Attack: the regions screen at 80 columns: names were cut to ``ap-sout…`` while the
    counts kept their width, and scrolling right moved the names off screen.
    Promise: every region name is whole; scrolled fully right it is still the first cell."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(ResourceTable)
        await wait_until(pilot, lambda: len(table.shown_rows) == 3, "the rows")
        names = [row.key for row in table.shown_rows]
        for y, name in enumerate(names, start=1):
            assert line(table, y).split()[0] == name
        table.scroll_to(x=table.max_scroll_x, animate=False, immediate=True)
        await pilot.pause()
        assert table.max_scroll_x > 0  # the rest does not fit: there is somewhere to scroll
        for y, name in enumerate(names, start=1):
            assert line(table, y).split()[0] == name


@pilot_test
async def test_header_and_rows_tell_the_same_age_from_one_clock() -> None:
    """Attack: an hour passes on the clock after the rows were built. The rows kept saying
    "5 minutes ago" while the header said "an hour ago".
    Promise: after the clock moves, the header's "scanned" and each row's Scanned say the
    same age on the next redraw."""
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(ResourceTable)
        await wait_until(pilot, lambda: len(table.shown_rows) == 3, "the rows")
        clock.freeze(NOW + timedelta(hours=1))
        await pilot.resize_terminal(141, 40)  # a redraw, as the clock's tick makes one
        await pilot.pause()
        header = str(app.screen.query_one(HeaderBar).render())
        told = header.split("scanned ")[1].split("  ")[0].strip()
        assert told == "an hour ago"
        for y in range(1, 4):
            assert told in line(table, y)
