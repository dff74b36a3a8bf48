"""Every change names where it lands, and a new version starts from the latest one.

Pilot tests on the app: publish against the sandbox over real HTTP; prefill and focus on the
in-memory account (what the dialog is given is what a scan would hold).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static
from ui_fixtures import ACCOUNT, NOW, make_app, pilot_test
from waiting import rows_ready, wait_until

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.publish import PublishDialog
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.widgets import ResourceTable

SIZE = (120, 40)
REGIONS = ("eu-north-1", "us-east-1")


pytestmark = pytest.mark.frozen_clock(NOW)



def layers_in(box: Sandbox, region: str) -> set[str]:
    listed = box.client("lambda", region).list_layers()["Layers"]
    return {layer["LayerName"] for layer in listed}


@pilot_test
async def test_publish_on_the_regions_screen_lands_in_the_region_under_the_cursor(
    tmp_path: Path,
) -> None:
    """Attack: the cursor on us-east-1 of the regions screen, ``p``, a name, a source, ctrl+s.
    The dialog named no region and published into the first region scanned (eu-north-1).
    Promise: the dialog offers the region, chosen as us-east-1, and names account, region and
    layer before ctrl+s; the version exists in us-east-1 and nowhere else."""
    source = tmp_path / "layer" / "python" / "landing"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("X = 1\n")
    with Sandbox(regions=REGIONS) as box:
        config = SessionConfig(endpoint_url=box.endpoint_url, regions=REGIONS,
                               rate_per_second=500)
        app = LayerTuiApp(config, endpoint_label="sandbox",
                          inventory_cache=InventoryCache(tmp_path / "cache"))
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ResourceTable)
            await wait_until(pilot, lambda: table.select_key("us-east-1"), "us-east-1 listed")
            await wait_until(pilot, lambda: app.inventory is not None
                             and app.inventory.region("us-east-1") is not None, "the scan")
            # Each region's answer rebuilds the rows: put the cursor once the last is in.
            await wait_until(pilot, lambda: not any(s.running for s in app.scan_states.values())
                             and rows_ready(app), "the rows after the whole scan")
            assert table.select_key("us-east-1")
            await pilot.press("p")
            await wait_until(pilot, lambda: isinstance(app.screen, PublishDialog), "the dialog")
            dialog = app.screen
            assert dialog.query_one("#region", Select).value == "us-east-1"
            dialog.query_one("#name", Input).value = "landing"
            dialog.query_one("#source", Input).value = str(tmp_path / "layer")
            await wait_until(pilot, lambda: not dialog.query_one("#publish").disabled,
                             "the preview")
            lands = str(dialog.query_one("#lands", Static).render())
            assert box.account_id in lands and "us-east-1" in lands and "landing" in lands
            assert dialog.query_one("#lands").region.bottom <= app.size.height
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: dialog.published is not None, "the publish")
            assert "arn:aws:lambda:us-east-1:" in str(dialog.published["LayerVersionArn"])
        assert layers_in(box, "us-east-1") == {"landing"}
        assert layers_in(box, "eu-north-1") == set()


@pilot_test
async def test_a_new_version_is_prefilled_from_the_latest_and_focus_is_on_the_source() -> None:
    """Attack: ``p`` on the layer geo, whose latest version (3) has a description, MIT, two
    runtimes and two architectures; the form started empty, so a hurried ctrl+s published a
    version with none of them.
    Promise: description, license, runtimes and architectures come from geo:3; the name is
    filled, so focus starts on the source (the first field the user must fill); the dialog
    names the layer and that the version comes after geo:3."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one(ResourceTable).select_key("eu-north-1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LayersScreen), "the layers")
        layers = app.screen.query_one(ResourceTable)
        await wait_until(pilot, lambda: layers.select_key(
                 "arn:aws:lambda:eu-north-1:123456789012:layer:geo"), "geo listed")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PublishDialog), "the dialog")
        dialog = app.screen
        await wait_until(pilot, lambda: dialog.account is not None, "the account")
        assert dialog.query_one("#name", Input).value == "geo"
        assert dialog.query_one("#description", Input).value == (
            "geo helpers [bold]not markup[/bold]")
        assert dialog.query_one("#license", Input).value == "MIT"
        assert dialog._choices("#runtimes") == ("python3.13", "python3.12")
        assert set(dialog._choices("#architectures")) == {"x86_64", "arm64"}
        assert app.focused is dialog.query_one("#source", Input)
        lands = str(dialog.query_one("#lands", Static).render())
        assert "eu-north-1" in lands and ACCOUNT in lands and "after geo:3" in lands


@pilot_test
async def test_an_empty_folder_keeps_its_reason_when_ctrl_s_is_pressed(tmp_path: Path) -> None:
    """Attack: an empty folder as the source; the preview fails and says why, then ctrl+s
    replaced that reason with "wait for the preview", which never comes.
    Promise: ctrl+s says again why this source cannot be published, and nothing else."""
    (tmp_path / "empty").mkdir()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PublishDialog), "the dialog")
        dialog = app.screen
        dialog.query_one("#name", Input).value = "fresh"
        dialog.query_one("#source", Input).value = str(tmp_path / "empty")
        status = dialog.query_one("#status")
        await wait_until(pilot, lambda: "-error" in status.classes, "the preview's error")
        reason = str(status.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        after = str(status.render())
        assert "wait for the preview" not in after
        assert reason in after and "-error" in status.classes
