"""A filter that matches nothing says so, instead of saying the screen has nothing.

Attack: `/geo` on a region whose layers are named otherwise (a typo, the wrong region) showed
"no layers in this region": the operator concludes the region is empty and looks elsewhere, or
publishes a layer that exists. Promise: when rows exist but the filter hides them all, the
table says no row matches the filter and how to clear it; with no rows at all, the screen's
own words stay.
"""

from __future__ import annotations

import pytest
from on_screen import table
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui.screens.layers import LayersScreen

pytestmark = pytest.mark.frozen_clock(NOW)


@pilot_test
async def test_a_filter_that_hides_every_row_says_so() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LayersScreen), "layers screen")
        await settle(pilot)
        assert table(app).total_rows > 0
        await pilot.press("slash", *"zzz-no-such-layer")
        await wait_until(pilot, lambda: table(app).shown_rows == [], "the filter hides all")
        rendered = table(app).render_line(1).text
        assert "no row matches 'zzz-no-such-layer' (escape clears the filter)" in rendered
        assert "no layers" not in rendered
