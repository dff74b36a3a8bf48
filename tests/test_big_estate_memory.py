"""A big estate's rows fit in the memory a bastion host has to spare.

Attack: the Functions screen of an estate of 100,000 functions. Each row held its cells as rich
``Text`` objects (about 300 bytes each with their lists, nine a row): the rows alone took
about 300 MB, and the app peaked at 470 MB against a 400 MB budget. Promise: a functions row,
as the screen keeps it (its cells, sort values, filter text, key and what the screen keeps
beside them), costs under 2,800 bytes, where it cost 3,700: cells of one
style are kept as their text and style, and become ``Text`` only as their line is drawn.
"""

from __future__ import annotations

import tracemalloc

import pytest
from on_screen import table
from ui_fixtures import ACCOUNT, NOW, FakeScan, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.aws.models import FunctionRef, Inventory, Layer, LayerVersion, RegionInventory
from layer_tui.ui.screens.functions import FunctionsScreen

pytestmark = pytest.mark.frozen_clock(NOW)

REGION = "eu-north-1"
FUNCTIONS = 10_000
#: Bytes a row of the Functions screen may keep (its cells, sort values, filter text, key).
ROW_BUDGET = 2_800


def big_inventory() -> Inventory:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer"
    arns = [f"{base}:layer-{n:03d}:{v}" for n in range(100) for v in range(1, 6)]
    refs = tuple(
        FunctionRef(f"svc-{n:05d}", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc-{n:05d}",
                    "$LATEST", "python3.12", ("x86_64",), REGION,
                    f"2026-{1 + n % 10:02d}-01T00:00:00.000+0000", 1000,
                    (arns[n * 7 % len(arns)], arns[(n * 13 + 3) % len(arns)]), (100, 100))
        for n in range(FUNCTIONS))
    layers = tuple(
        Layer(f"layer-{n:03d}", f"{base}:layer-{n:03d}", REGION, tuple(
            LayerVersion(f"layer-{n:03d}", v, f"{base}:layer-{n:03d}:{v}",
                         f"{base}:layer-{n:03d}", REGION, "2026-10-01T00:00:00.000+0000",
                         1000, None, "", None, ("python3.12",), ("x86_64",),
                         tuple(r for r in refs if f"{base}:layer-{n:03d}:{v}" in r.layers))
            for v in range(5, 0, -1)))
        for n in range(100))
    region = RegionInventory(REGION, None, FUNCTIONS, layers, (), refs, NOW, False, ACCOUNT)
    return Inventory(ACCOUNT, NOW, (region,))


@pilot_test
async def test_a_functions_row_fits_its_memory_budget() -> None:
    app = make_app(scan=FakeScan(inventory=big_inventory()))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tracemalloc.start()
        try:
            await pilot.press("f")
            await wait_until(pilot, lambda: isinstance(app.screen, FunctionsScreen)
                             and table(app).total_rows == FUNCTIONS, what="every function listed")
            await settle(pilot)
            kept, _peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert kept / FUNCTIONS < ROW_BUDGET, f"{kept / FUNCTIONS:,.0f} bytes a row"
