"""A plan dialog's Apply button applies, as ctrl+s does.

Attack: a repin planned and shown, then the mouse: click Apply instead of pressing ctrl+s.
Before, the button's handler called the async ``run_action("apply")`` without awaiting it (mypy,
now checking the UI, named the coroutine never used): the click did nothing, and the functions
stayed where they were. Promise: clicking Apply moves exactly the planned functions and says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from on_screen import DialogHost as Host
from test_ui_dialogs import (
    REGION,
    SIZE,
    function_layers,
    layer_of,
    make_ops,
    repin_estate,
    settle,
    status_text,
)
from ui_fixtures import pilot_test

from layer_tui.sandbox import Sandbox
from layer_tui.ui.dialogs.repin import RepinDialog


@pytest.fixture
def estate() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        yield started


@pilot_test
async def test_clicking_apply_moves_the_planned_functions(estate: Sandbox, tmp_path: Path) -> None:
    geo, util = repin_estate(estate)
    ops = make_ops(estate, tmp_path)
    app = Host(lambda: RepinDialog(ops, REGION, layer_of(ops, "geo"), None, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.screen.query_one("#apply").disabled
        await pilot.click("#apply")
        await settle(app, pilot)
        assert status_text(app).startswith("3 moved"), status_text(app)
    assert function_layers(estate, "orders-api") == [util[0], geo[2]]
    assert function_layers(estate, "report") == [geo[2]]
