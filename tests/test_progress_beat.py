"""A scan's counters are drawn together once a beat, and never over newer news.

Attack (on time, issue 17's "the TUI at the engine's pace"): eight regions scanning, each
ticking four times a second through the gate, redrew the header and the Regions table 32 times
a second; those redraws held the interpreter the scan's threads needed, and every region's
counts reached the screen a second after the engine had them. Promises: while only counters
move, the app redraws at most once a ``HeldTicks.BEAT`` (each region's latest count is drawn at
the next one); a new stage or a result is drawn at once; and a held tick never draws an old
count over a region that moved on (a new stage, an error, a new scan).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ui_fixtures import pilot_test
from waiting import wait_until

from layer_tui import clock
from layer_tui.aws.inventory import ScanProgress
from layer_tui.aws.models import Inventory, RegionInventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.state import HeldTicks, RegionScan

REGIONS = [f"eu-west-{n}" for n in (1, 2, 3)] + [f"us-east-{n}" for n in (1, 2)] + [
    "us-west-1", "us-west-2", "eu-central-1"]
TICKING = 1.5  # seconds of counters alone


def test_a_held_tick_never_draws_over_a_region_that_moved_on() -> None:
    ticks = HeldTicks()
    shown = {("", "eu-west-1"): RegionScan("eu-west-1", "functions", 3),
             ("", "us-east-1"): RegionScan("us-east-1", "functions", 1)}
    assert not ticks.hold(RegionScan("eu-north-1", "functions", 1), None)  # nothing shown
    assert not ticks.hold(RegionScan("eu-west-1", "sizes", 0), shown[("", "eu-west-1")])
    assert ticks.hold(RegionScan("eu-west-1", "functions", 9), shown[("", "eu-west-1")])
    assert ticks.hold(RegionScan("us-east-1", "functions", 4), shown[("", "us-east-1")])
    moved = {**shown, ("", "us-east-1"): RegionScan("us-east-1", "error")}
    assert ticks.take(moved) == {("", "eu-west-1"): RegionScan("eu-west-1", "functions", 9)}
    assert not ticks and ticks.take(shown) == {}


@pilot_test
async def test_counters_are_drawn_once_a_beat_and_results_at_once(sandbox: Sandbox) -> None:
    from layer_tui.ui.app import LayerTuiApp

    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=tuple(REGIONS),
                                       read_only=True))
    go, finish = threading.Event(), threading.Event()
    phase: dict[str, float] = {}

    def scan(_session: Any, regions: Any = None, *, progress: Any, **_: Any) -> Inventory:
        for region in REGIONS:
            progress(ScanProgress(region, "functions", 0))
        go.wait(30)
        phase["ticking"] = time.monotonic()
        page = 0
        while time.monotonic() - phase["ticking"] < TICKING:  # the workload: pages arriving
            page += 1
            for region in REGIONS:
                progress(ScanProgress(region, "functions", page))
            time.sleep(0.005)
        phase["ticked"] = time.monotonic()
        phase["last page"] = page
        finish.wait(30)
        done = []
        for region in REGIONS:
            result = RegionInventory(region, scanned_at=clock.now(), account=session.account_id())
            progress(ScanProgress(region, "done", result=result))
            done.append(result)
        return Inventory(session.account_id(), clock.now(), tuple(done))

    app = LayerTuiApp(session.config, session=session, scan=scan, endpoint_label=None)
    drawn: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: all(
            app.scan_states.get(("", r), RegionScan(r)).stage == "functions" for r in REGIONS),
            "every region listing")
        app.watch(app, "scan_states", lambda _: drawn.append(time.monotonic()), init=False)
        go.set()
        await wait_until(pilot, lambda: "last page" in phase, "the pages")
        # Each region's last count reaches the screen at the next beat, with nothing after it.
        await wait_until(pilot, lambda: all(
            app.scan_states[("", r)].done == phase["last page"] for r in REGIONS),
            "the last counts drawn")
        finish.set()
        await wait_until(pilot, lambda: all(
            app.scan_states.get(("", r), RegionScan(r)).stage == "done" for r in REGIONS),
            "every region done")
        while_ticking = [t for t in drawn if phase["ticking"] <= t < phase["ticked"]]
        beats = (phase["ticked"] - phase["ticking"]) / HeldTicks.BEAT
        assert len(while_ticking) <= beats + 2, (len(while_ticking), beats)
        assert len(drawn) > len(while_ticking)  # the results were drawn too
