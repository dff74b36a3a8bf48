"""Screens talk to the app through a typed host and messages; each screen says its selection.

Issue 18 part 1: a screen reads what it needs through ``ui.host.Host`` (a Protocol), pushes its
own child screen or posts one of ``ui.messages``, and the keys that act on "what is selected"
ask the screen's own ``selection()`` instead of guessing from its attributes and the shape of
an ARN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from textual import on
from textual.app import App
from textual.reactive import var
from ui_fixtures import (
    NOW,
    function_arn,
    layer_arn,
    pilot_test,
    sample_inventory,
)
from waiting import wait_until

from layer_tui.aws.models import Inventory
from layer_tui.ui.messages import Navigate, OpenFunction
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.state import RegionScan, ScanKey
from layer_tui.ui.widgets import HeaderInfo, ResourceTable

pytestmark = pytest.mark.frozen_clock(NOW)

SIZE = (120, 36)
REGION = "eu-north-1"
GEO = layer_arn(REGION, "geo")


class StandInHost(App[None]):
    """Not ``LayerTuiApp``: only what ``ui.host.Host`` names, and a record of the messages
    the screens post to it."""

    # What screens watch (Textual watches reactives only).
    inventory: var[Inventory | None] = var(None)
    header_info: var[HeaderInfo] = var(HeaderInfo)

    def __init__(self, inventory: Inventory) -> None:
        super().__init__()
        self.set_reactive(StandInHost.inventory, inventory)
        self.show_details = True
        self.load_error: str | None = None
        self.asked: list[Navigate] = []
        self.scans_started: list[Sequence[str] | None] = []

    @property
    def scan_states(self) -> Mapping[ScanKey, RegionScan]:
        scanned = self.inventory.regions if self.inventory else ()
        return {("", r.region): RegionScan(r.region, "done") for r in scanned}

    @property
    def account_scans(self) -> Mapping[str, Any]:
        return {}

    @property
    def several_accounts(self) -> bool:
        return False

    def session_for(self, account: str) -> Any:
        raise AssertionError("nothing here reads AWS")

    @property
    def config(self) -> Any:
        from layer_tui.aws.session import SessionConfig

        return SessionConfig(regions=(REGION,))

    @property
    def read_only(self) -> bool:
        return False

    @property
    def operations(self) -> Any:
        raise AssertionError("nothing here changes AWS")

    def aws_session(self) -> Any:
        raise AssertionError("nothing here reads AWS")

    def start_scan(self, regions: Sequence[str] | None = None) -> None:
        self.scans_started.append(regions)

    def known_regions(self) -> list[str]:
        return [r.region for r in self.inventory.regions] if self.inventory else []

    def copy_arn(self, arn: str) -> None:
        pass

    @on(Navigate)
    def _asked(self, message: Navigate) -> None:
        self.asked.append(message)


def rows(app: App[Any]) -> list[str]:
    """The keys of the rows shown on the screen on top (none until it has composed)."""
    tables = app.screen.query(ResourceTable)
    return [row.key for row in tables.first().shown_rows] if tables else []


@pilot_test
async def test_a_screen_runs_in_any_host_and_asks_it_through_messages() -> None:
    """Attack: mount the versions and consumers screens in an App that is not
    ``LayerTuiApp`` (a stand-in with only what ``Host`` names), and press enter on a row.
    Before, every screen asserted the concrete app class (the import circle issue 18 names)
    and could not be mounted anywhere else. Promise: the screens build their rows from the
    host's inventory; the versions screen pushes its own child (the consumers of the version
    under the cursor); the consumers screen, whose function screen links back to it, asks the
    host with an ``OpenFunction`` message naming the consumer under the cursor."""
    host = StandInHost(sample_inventory())
    async with host.run_test(size=SIZE) as pilot:
        host.push_screen(VersionsScreen(GEO))
        await wait_until(pilot, lambda: f"{GEO}:2" in rows(host), "the versions of geo")
        host.screen.query_one(ResourceTable).select_key(f"{GEO}:2")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(host.screen, ConsumersScreen)
                         and rows(host), "the consumers of geo:2")
        assert isinstance(host.screen, ConsumersScreen)
        assert host.screen.version_arn == f"{GEO}:2"
        consumer = function_arn(REGION, "billing-worker")
        assert host.screen.query_one(ResourceTable).select_key(consumer)
        await pilot.press("enter")
        await wait_until(pilot, lambda: host.asked, "a request to the host")
    [asked] = host.asked
    assert isinstance(asked, OpenFunction)
    assert asked.function.qualified_arn == consumer and not asked.from_root
