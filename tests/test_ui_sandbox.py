"""Pilot tests against the real pieces: the demo sandbox over HTTP, AwsSession, scan_inventory,
and the on-disk InventoryCache."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from on_screen import table
from ui_fixtures import ACCOUNT, NOW, FakeScan, make_app, pilot_test, sample_inventory
from waiting import press_and_wait, settle, wait_until

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.state import ScanGenerations
from layer_tui.ui.widgets import ResourceTable

SIZE = (120, 40)
pytestmark = pytest.mark.frozen_clock(NOW)


def keys(app: LayerTuiApp) -> set[str]:
    return {row.key for row in table(app).shown_rows}


def functions_using(sandbox: Sandbox, region: str, version_arn: str) -> set[str]:
    """Qualified ARNs of the configurations ($LATEST and published) that list the version;
    $LATEST by its unqualified ARN, as the screens key it."""
    client = sandbox.client("lambda", region)
    found = set()
    for page in client.get_paginator("list_functions").paginate(FunctionVersion="ALL"):
        for function in page["Functions"]:
            if version_arn in [layer["Arn"] for layer in function.get("Layers", [])]:
                found.add(function["FunctionArn"].removesuffix(":$LATEST"))
    return found


@pilot_test
async def test_drill_down_matches_what_the_sandbox_holds(
    demo_sandbox: Sandbox, tmp_path: Path
) -> None:
    config = SessionConfig(endpoint_url=demo_sandbox.endpoint_url, demo=True)
    app = LayerTuiApp(config, endpoint_label="sandbox", inventory_cache=InventoryCache(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = {row.key: row for row in table(app).shown_rows}
        disabled = [k for k, r in rows.items() if "not enabled" in r.cells[1].plain]
        assert len(disabled) == 1
        region = "eu-north-1"
        client = demo_sandbox.client("lambda", region)

        assert table(app).select_key(region)
        await press_and_wait(pilot, "enter")
        assert isinstance(app.screen, LayersScreen)
        layers = client.get_paginator("list_layers").paginate()
        assert keys(app) == {layer["LayerArn"] for page in layers for layer in page["Layers"]}

        layer_arn = table(app).selected_key
        assert layer_arn is not None
        await press_and_wait(pilot, "enter")
        assert isinstance(app.screen, VersionsScreen)
        name = layer_arn.rsplit(":", 1)[-1]
        pages = client.get_paginator("list_layer_versions").paginate(LayerName=name)
        assert keys(app) == {v["LayerVersionArn"] for page in pages for v in page["LayerVersions"]}

        used = max(table(app).shown_rows, key=lambda row: len(row.item.consumers))
        table(app).select_key(used.key)
        await press_and_wait(pilot, "enter")
        assert isinstance(app.screen, ConsumersScreen)
        assert keys(app) == functions_using(demo_sandbox, region, used.key)
        assert keys(app)

        for _ in range(3):
            await press_and_wait(pilot, "escape")
        # What was scanned is now cached for the next start.
        assert InventoryCache(tmp_path).load(app.inventory.account, [region]) is not None


@pilot_test
async def test_cached_inventory_shows_at_once_while_the_refresh_runs(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    cache.save(sample_inventory())
    everything = frozenset(r.region for r in sample_inventory().regions)
    scan = FakeScan(slow=everything, gate=threading.Event())
    app = make_app(scan=scan, inventory_cache=cache)
    async with app.run_test(size=SIZE) as pilot:

        def status() -> dict[str, str]:
            return {row.key: row.cells[1].plain for row in table(app).shown_rows}

        await wait_until(
            pilot,
            lambda: status().get("eu-north-1", "").startswith("refreshing"),
            what="the cached rows, refreshing",
        )
        await wait_until(pilot, lambda: app.header_info.scanning, what="the header's scan")
        status = status()
        # Failed regions are never cached; the healthy ones show their cached numbers.
        assert status["eu-north-1"].startswith("refreshing\N{HORIZONTAL ELLIPSIS}")
        layers = {row.key: row.cells[2].plain for row in table(app).shown_rows}
        assert layers["eu-north-1"] == "3"
        assert app.header_info.account == ACCOUNT
        assert app.header_info.scanning is not None
        assert app.header_info.data_as_of is not None
        scan.gate.set()
        await settle(pilot)
        assert app.header_info.scanning is None
        assert {row.cells[1].plain for row in table(app).shown_rows} >= {"ok"}


def test_a_refresh_never_lets_an_older_scan_overwrite_a_newer_one() -> None:
    """The app's rule for scans that overlap (a refresh while a scan is still going), on the
    object it keeps them with: the newest scan started on a region is the one whose word
    counts, whichever finishes first; another account's same region is judged apart."""
    generations = ScanGenerations()
    stale = generations.start([(ACCOUNT, "eu-north-1"), (ACCOUNT, "us-east-1")])
    fresh = generations.start([(ACCOUNT, "eu-north-1")])
    assert generations.accept(fresh, (ACCOUNT, "eu-north-1"))
    assert not generations.accept(stale, (ACCOUNT, "eu-north-1"))
    assert generations.accept(stale, (ACCOUNT, "us-east-1"))
    assert generations.accept(stale, ("210987654321", "eu-north-1"))


@pilot_test
async def test_refresh_does_not_ask_again_for_sizes_it_knows(demo_sandbox: Sandbox) -> None:
    # No cache on disk (as in --demo): the first scan's sizes still serve the refresh.
    config = SessionConfig(endpoint_url=demo_sandbox.endpoint_url, demo=True,
                           regions=("eu-north-1",), rate_per_second=500.0)
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.inventory
        assert first is not None and first.region("eu-north-1").layers
        demo_sandbox.stats.reset()
        await press_and_wait(pilot, "r")
        await settle(pilot)
        assert demo_sandbox.stats.calls("ListFunctions") > 0  # it did rescan
        assert demo_sandbox.stats.calls("GetLayerVersion") == 0
        assert app.inventory.region("eu-north-1").layers == first.region("eu-north-1").layers


@pilot_test
async def test_demo_paints_first_and_starts_its_sandbox_behind_the_screen(
    demo_sandbox: Sandbox,
) -> None:
    from layer_tui.sandbox.demo import DEMO_REGIONS, LazyDemo
    from layer_tui.ui.sessions import demo_session_factory

    gate = threading.Event()
    started: list[str] = []

    class GatedDemo(LazyDemo):
        """Slow to come up; and one demo account per process: the shared one stands in."""

        def endpoint_url(self) -> str:
            gate.wait(30)
            started.append(demo_sandbox.endpoint_url)
            return demo_sandbox.endpoint_url

    demo = GatedDemo()
    app = LayerTuiApp(SessionConfig(demo=True), session_factory=demo_session_factory(demo))
    try:
        async with app.run_test(size=SIZE) as pilot:
            from layer_tui.ui.screens.regions import RegionsScreen

            await wait_until(
                pilot,
                lambda: isinstance(app.screen, RegionsScreen) and app.screen.query(ResourceTable),
                what="the regions screen",
            )
            assert not started  # the screen is up; the sandbox is not yet
            gate.set()
            await settle(pilot)
            assert started
            assert set(DEMO_REGIONS) <= keys(app)
            scanned = {r.region for r in app.inventory.regions if not r.error}
            assert scanned == set(DEMO_REGIONS)
    finally:
        demo.stop()
