"""``settle`` (tests/waiting.py) returns once the app's first scan has landed on the screen.

The app starts that scan after its first paint, whenever the screen is next clean; on a loaded
machine that came after ``settle`` had already found no worker running and returned, and the
sandbox tests read an empty regions screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from on_screen import shown_keys
from ui_fixtures import FakeScan, FakeSession, pilot_test, sample_inventory
from waiting import settle

import layer_tui.ui.app
from layer_tui.aws.session import SessionConfig
from layer_tui.ui.app import LayerTuiApp

SIZE = (120, 40)
REGIONS = sorted(r.region for r in sample_inventory().regions)


def app_with(scan: Any, app_class: type[LayerTuiApp] = LayerTuiApp) -> LayerTuiApp:
    config = SessionConfig(demo=True)
    return app_class(config, session=FakeSession(config), scan=scan, endpoint_label="sandbox")


class LateFirstScan(LayerTuiApp):
    """Its first scan starts a while after the app asks for it, as when the first screen
    stays busy painting on a loaded machine."""

    CSS_PATH = str(Path(layer_tui.ui.app.__file__).with_name("app.tcss"))
    delayed = False

    def start_scan(self, regions: Sequence[str] | None = None) -> None:
        if self.delayed:
            super().start_scan(regions)
            return
        self.delayed = True
        self.set_timer(0.5, lambda: self.start_scan(regions))


@pilot_test
async def test_settle_waits_for_a_first_scan_that_starts_late() -> None:
    """Attack: the first scan begins 0.5 s after the first paint. Before, ``settle`` let one
    refresh happen, found no worker and returned: no inventory, no region rows.
    Promise: after ``settle`` the scan has landed: the inventory and a row per region."""
    app = app_with(FakeScan(), LateFirstScan)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.first_scan_started
        assert app.inventory is not None
        assert {r.region for r in app.inventory.regions} == set(REGIONS)
        assert sorted(shown_keys(app)) == REGIONS
