"""Screens never dead-end on loading (issue 14, Deliver 8): a region being scanned opens and
fills in; a screen whose rows are still being built never says it is empty; a screen with
rows keeps answering while its region is refreshed."""

from __future__ import annotations

import threading

import pytest
from key_burst import burst
from ui_fixtures import NOW, FakeScan, make_app, pilot_test
from waiting import wait_until

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets import ResourceTable

SIZE = (120, 40)
GEO = "arn:aws:lambda:eu-north-1:123456789012:layer:geo"


pytestmark = pytest.mark.frozen_clock(NOW)



def table(app: LayerTuiApp) -> ResourceTable:
    return app.screen.query_one(ResourceTable)


def shown(app: LayerTuiApp) -> int:
    """Rows on the screen on top; 0 while it is still composing."""
    found = app.screen.query(ResourceTable)
    return len(found.first().shown_rows) if found else 0


@pilot_test
async def test_a_region_still_being_scanned_opens_and_fills_in() -> None:
    """Attack: enter on a region whose scan has not finished (a big region, a slow link).
    Before, it only said "not scanned yet" and the operator had to come back later.
    Promise: its layers screen opens at once, says the region is being scanned (not "no
    layers"), and its rows fill in when the scan ends, without leaving the screen."""
    scan = FakeScan(slow=frozenset({"us-east-1"}))
    app = make_app(scan=scan)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RegionsScreen)
                         and shown(app) == 3, "three regions listed")
        await wait_until(pilot, lambda: app.scan_states[("", "us-east-1")].running
                         and app.scan_states[("", "eu-north-1")].stage == "done",
                         "us-east-1 still going")
        assert table(app).select_key("us-east-1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LayersScreen), "its layers open")
        await wait_until(pilot, lambda: app.screen.query(ResourceTable)
                         and "scanning us-east-1" in table(app).empty_text,
                         "the empty table says the region is being scanned")
        assert table(app).shown_rows == []
        assert "no layers" not in table(app).empty_text
        scan.gate.set()
        await wait_until(pilot, lambda: shown(app) == 1, "the region's layer")
        assert isinstance(app.screen, LayersScreen)
        await app.workers.wait_for_complete()


@pilot_test
async def test_a_versions_screen_never_says_no_versions_left_while_reading() -> None:
    """Attack: open a layer's versions while its rows are still being built (20,000
    functions take seconds); the table said "this layer has no versions left" meanwhile.
    Promise: until the first rows are in it says it is reading; then it shows the versions."""
    app = make_app()
    hold = threading.Event()
    real = VersionsScreen.build_rows

    def slow_build(self: VersionsScreen, *args: object) -> object:
        hold.wait(timeout=10)
        return real(self, *args)  # type: ignore[arg-type]

    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        VersionsScreen.build_rows = slow_build  # type: ignore[method-assign]
        try:
            app.push_screen(VersionsScreen(GEO))
            await wait_until(pilot, lambda: isinstance(app.screen, VersionsScreen)
                             and app.screen.is_mounted, "the versions screen")
            await pilot.pause(0.05)
            words = table(app).empty_text
            assert "no versions left" not in words
            assert "reading" in words
        finally:
            hold.set()
            VersionsScreen.build_rows = real  # type: ignore[method-assign]
        await wait_until(pilot, lambda: shown(app) == 3, "geo's three versions")


@pilot_test
async def test_a_cached_screen_answers_while_its_region_is_refreshed() -> None:
    """Attack: ``r`` on a region's layers, then filter and open a layer while the rescan is
    still going. Promise: the rows already shown stay, the filter takes a burst, and enter
    opens the layer's versions, all before the refresh ends."""
    scan = FakeScan()
    app = make_app(scan=scan)
    async with app.run_test(size=SIZE) as pilot:
        # The scan starts after the first paint: wait for it to be done, not for no worker.
        first = ("", "eu-north-1")
        await wait_until(pilot, lambda: first in app.scan_states
                         and not app.scan_states[first].running, "the first scan")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.navigator.go_to_region("eu-north-1")
        await wait_until(pilot, lambda: isinstance(app.screen, LayersScreen)
                         and shown(app) == 3, "eu-north-1's layers")
        scan.slow = frozenset({"eu-north-1"})
        scan.gate = threading.Event()
        await pilot.press("r")
        await wait_until(pilot, lambda: app.scan_states[("", "eu-north-1")].running,
                         "the refresh runs")
        burst(app, "/geo\r")
        await wait_until(pilot, lambda: shown(app) == 1, "filtered to geo")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VersionsScreen)
                         and shown(app) == 3, "geo's versions while refreshing")
        assert app.scan_states[("", "eu-north-1")].running
        scan.gate.set()
        await app.workers.wait_for_complete()
