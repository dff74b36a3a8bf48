"""The keys that act on what is selected ask the screen on top, in a typed method.

Issue 18 part 1: ``i``, ``P``, ``d``, ``m``, ``A``... run on the screen on top
(``screen.<action>``), which says what it has selected in ``selection()`` from what it knows,
instead of the app guessing from the screen's attributes and the shape of an ARN.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from textual.app import App
from ui_fixtures import (
    NOW,
    FakeScan,
    eu_north_1,
    function_arn,
    layer_arn,
    make_app,
    pilot_test,
    sample_inventory,
)
from waiting import settle, wait_until

from layer_tui.aws.models import FunctionRef, Inventory
from layer_tui.ui.dialogs.pull import PullDialog
from layer_tui.ui.screens.contents import ContentsScreen
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.widgets import ResourceTable

pytestmark = pytest.mark.frozen_clock(NOW)

SIZE = (120, 36)
REGION = "eu-north-1"
GEO = layer_arn(REGION, "geo")


def rows(app: App[Any]) -> list[str]:
    """The keys of the rows shown on the screen on top (none until it has composed)."""
    tables = app.screen.query(ResourceTable)
    return [row.key for row in tables.first().shown_rows] if tables else []


def published_with_alias() -> tuple[Inventory, FunctionRef]:
    """The sample account plus ``billing:1`` (alias prod), a published version using geo:2:
    its qualified ARN has as many colons as a layer version's."""
    region = eu_north_1()
    billing = FunctionRef(function="billing", arn=function_arn(REGION, "billing"), version="1",
                          runtime="python3.12", architectures=("x86_64",), region=REGION,
                          layers=(f"{GEO}:2",), layer_sizes=(1000,), aliases=("prod",))
    region = dataclasses.replace(region, functions=(*region.functions, billing))
    inventory = sample_inventory()
    others = tuple(r for r in inventory.regions if r.region != REGION)
    return dataclasses.replace(inventory, regions=(*others, region)), billing


@pilot_test
async def test_the_function_screen_of_a_published_version_says_what_is_selected() -> None:
    """Attack: the function screen of ``billing:1`` (alias prod), a published version, whose
    ARN ``…:function:billing:1`` has the seven colons of a layer version's ARN; press ``P``
    and, on its layer row, ``i``. Before, the app guessed the selection from the screen's
    attributes (``table.selected_row.item``, ``version_arn``, ``arn.count(":") == 7``): the
    function screen's rows hold positions, so both keys said "select a ..." and did nothing.
    Promise: the screen's typed ``selection()`` gives the function and the layer version of
    the row: ``P`` opens the pull of ``billing:1`` into ``billing-1-opt``, ``i`` the contents
    of geo:2."""
    inventory, billing = published_with_alias()
    app = make_app(scan=FakeScan(inventory=inventory))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FunctionScreen(billing))
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionScreen)
                         and rows(app) == [f"{GEO}:2"], "billing:1's layer row")
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, PullDialog), "the pull dialog")
        dialog = app.screen
        assert isinstance(dialog, PullDialog)
        assert dialog.arn == f"{function_arn(REGION, 'billing')}:1"
        assert dialog.suggested.name == "billing-1-opt"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionScreen), "back")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, ContentsScreen), "the contents")
        assert isinstance(app.screen, ContentsScreen)
        assert app.screen.version_arn == f"{GEO}:2"
