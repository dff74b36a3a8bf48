"""`r` answers on every screen, and a change ends with its region read again and said so.

Pilot tests: the in-memory account for `r` on each browsing screen; the real sandbox over HTTP
for a repin whose moved function must show when it last changed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from on_screen import said, table
from ui_fixtures import NOW, make_app, pilot_test
from waiting import press_and_wait, settle, wait_until

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.models import FunctionRef
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.repin import RepinDialog
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.screens.history import HistoryScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.screens.versions import VersionsScreen

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


def refresh_said(app: LayerTuiApp, start: int) -> list[str]:
    return [m for m in said(app)[start:] if m.startswith("refresh")]


@pytest.mark.frozen_clock(NOW)
@pilot_test
async def test_r_answers_on_every_browsing_screen() -> None:
    """Attack: `r` on the regions, layers, versions, consumers, functions and history
    screens. On most
    of them nothing on screen moved while the rescan ran, and nothing said it had ended.
    Promise: each says "refreshing <the regions it rescans>…" at once and "refreshed <them>"
    once they have been read again (naming a region that could not be read)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        walk = [(RegionsScreen, ()), (LayersScreen, ("down", "enter")),
                (VersionsScreen, ("enter",)), (ConsumersScreen, ("enter",)),
                (FunctionsScreen, ("escape", "escape", "f"))]
        for screen_type, keys in walk:
            await press_and_wait(pilot, *keys)
            assert isinstance(app.screen, screen_type)
            start = len(said(app))
            await press_and_wait(pilot, "r")
            label = "3 regions" if screen_type is RegionsScreen else "eu-north-1"
            done = f"refreshed {label}"
            if screen_type is RegionsScreen:  # ap-south-2 is not enabled for the account
                done = ("refreshed eu-north-1 and us-east-1; ap-south-2 could not be read "
                        "(the regions screen says why)")
            await wait_until(pilot, lambda s=start, d=done: d in refresh_said(app, s),  # type: ignore[misc]
                             what=f"'refreshed' on {screen_type.__name__}")
            assert refresh_said(app, start) == [f"refreshing {label}{ELLIPSIS}", done]
            await settle(pilot)
        await press_and_wait(pilot, "colon", *"history", "enter")
        assert isinstance(app.screen, HistoryScreen)
        start = len(said(app))
        await press_and_wait(pilot, "r")  # the journal is on disk: read again, and said so
        assert said(app)[start:] == ["history re-read from the journal"]


def layer_zip(version: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/geo/__init__.py", f"VERSION = {version}\n")
    return buffer.getvalue()


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@pilot_test
async def test_after_a_repin_the_moved_function_shows_its_new_modified(
    tmp_path: Path,
) -> None:
    """Attack: repin orders-api from geo:1 to geo:2 in the dialog, close it, and look at the
    functions screen. The function's row kept the Modified time of its creation (the sandbox,
    like moto, never moved LastModified on an update, and the screens said nothing of the
    rescan).
    Promise: once the dialog closes the region is rescanned ("refreshing eu-west-1 after the
    change…", then "refreshed eu-west-1"), and the row of the moved function is the one AWS
    holds now: on geo:2, its Modified the LastModified of the update."""
    region = "eu-west-1"
    with Sandbox(regions=(region,)) as box:
        lam = box.client("lambda", region)
        geo = [lam.publish_layer_version(LayerName="geo", Content={"ZipFile": layer_zip(n)},
                                         CompatibleRuntimes=["python3.12"])["LayerVersionArn"]
               for n in (1, 2)]
        lam.create_function(FunctionName="orders-api", Runtime="python3.12",
                            Role=box.execution_role_arn, Handler="app.handler",
                            Code={"ZipFile": function_zip()}, Layers=[geo[0]])
        created = lam.get_function_configuration(FunctionName="orders-api")["LastModified"]
        config = SessionConfig(endpoint_url=box.endpoint_url, regions=(region,))
        app = LayerTuiApp(config, endpoint_label="sandbox",
                          inventory_cache=InventoryCache(tmp_path / "cache"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press_and_wait(pilot, "enter", "enter")  # eu-west-1 → geo → its versions
            assert isinstance(app.screen, VersionsScreen)
            assert table(app).select_key(geo[1])
            await pilot.press("m")
            await wait_until(pilot, lambda: isinstance(app.screen, RepinDialog)
                             and not app.screen.query_one("#apply").disabled,
                             what="the repin plan")
            start = len(said(app))
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.screen.report is not None, what="the repin")
            await pilot.press("escape")
            await wait_until(pilot, lambda: f"refreshed {region}" in refresh_said(app, start),
                             what="the refresh after the change")
            assert refresh_said(app, start) == [
                f"refreshing {region} after the change{ELLIPSIS}", f"refreshed {region}"]
            await settle(pilot)
            await press_and_wait(pilot, "f")
            [row] = [r for r in table(app).shown_rows if r.item.function == "orders-api"]
            now = lam.get_function_configuration(FunctionName="orders-api")
            assert isinstance(row.item, FunctionRef)
            assert row.item.layers == (geo[1],)
            assert now["LastModified"] != created
            assert row.item.last_modified == now["LastModified"]
