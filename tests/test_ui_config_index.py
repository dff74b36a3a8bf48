"""The consumers screen with ``--index``: the Config index's consumers, shown as the index's.

Promises (pilot, sandbox over HTTP): a version whose only other user is in an account no
session reads lists that function, named "from AWS Config, as of …", and the crumb says how
many the index added and as of when; a missing aggregator is one warning and the scan's
consumers still show.
"""

from __future__ import annotations

from typing import Any

import pytest
from config_estate import (
    REGION,
    add_function,
    publish_layer,
    put_aggregator,
    serve_config,
)
from on_screen import said
from ui_fixtures import NOW, pilot_test
from waiting import wait_until

from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.widgets import CrumbBar, ResourceTable

SIZE = (160, 40)
pytestmark = pytest.mark.frozen_clock(NOW)


def _cells(app: Any) -> str:
    table = app.screen.query_one(ResourceTable)
    return "\n".join(" | ".join(c.plain for c in row.cells) for row in table.shown_rows)


def _crumb(app: Any) -> str:
    return str(app.screen.query_one(CrumbBar).render())


async def _open_consumers(app: Any, pilot: Any, version: str) -> None:
    def table() -> ResourceTable:
        return app.screen.query_one(ResourceTable)

    for key, screen in ((REGION, LayersScreen), (version.rsplit(":", 1)[0], VersionsScreen),
                        (version, ConsumersScreen)):
        await wait_until(pilot, lambda key=key: table().select_key(key), f"{key} shows")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda screen=screen: isinstance(app.screen, screen),
                         f"{key} opens")


@pilot_test
async def test_the_index_s_consumer_in_an_unread_account_is_shown_as_the_index_s(
    sandbox: Sandbox, second_account: str
) -> None:
    """Attack: the version's other user lives in an account no session reads. Promise: it is
    a row, named from AWS Config with the time; the scan's own consumer is not so marked."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    add_function(second_account, "workload-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    serve_config(sandbox)
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                           rate_per_second=500.0, index="config:org-lambda")
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await _open_consumers(app, pilot, old)
        await wait_until(pilot, lambda: "workload-fn" in _cells(app), "the index's row")
        rows = _cells(app).splitlines()
        (theirs,) = [row for row in rows if "workload-fn" in row]
        (ours,) = [row for row in rows if "home-fn" in row]
        assert "from AWS Config, as of 2026-11-20 09:00 UTC" in theirs
        assert "AWS Config" not in ours
        await wait_until(pilot, lambda: "1 more from AWS Config" in _crumb(app), "the crumb")


@pilot_test
async def test_a_missing_aggregator_warns_once_and_the_scan_s_consumers_stay(
    sandbox: Sandbox,
) -> None:
    """Attack: --index names no aggregator. Promise: a warning saying so, the crumb says the
    index did not answer, and the scan's consumer is still listed."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    serve_config(sandbox)
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                           rate_per_second=500.0, index="config:no-such")
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await _open_consumers(app, pilot, old)
        await wait_until(pilot, lambda: "did not answer" in _crumb(app), "the crumb says so")
        assert "home-fn" in _cells(app)
        await wait_until(pilot, lambda: any("'no-such'" in line for line in said(app)),
                         "the warning")


@pilot_test
async def test_r_asks_the_index_again_once_it_has_caught_up(
    sandbox: Sandbox, second_account: str
) -> None:
    """Attack: Config lags: it has not recorded the other account's function yet, so the
    screen lists nobody. Promise: once Config has (thawed), r asks again and the row comes."""
    (old,) = publish_layer(sandbox, versions=1)
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    query = serve_config(sandbox)
    query.freeze()
    add_function(second_account, "late-fn", [old])
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                           rate_per_second=500.0, index="config:org-lambda")
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await _open_consumers(app, pilot, old)
        await wait_until(pilot, lambda: "0 more from AWS Config" in _crumb(app), "answered")
        assert "late-fn" not in _cells(app)
        asked = sandbox.stats.calls("SelectAggregateResourceConfig")
        query.thaw()
        await pilot.press("r")
        await wait_until(pilot, lambda: "late-fn" in _cells(app), "the row after r")
        assert sandbox.stats.calls("SelectAggregateResourceConfig") > asked
