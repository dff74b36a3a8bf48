"""Repin and layer edits across accounts, tried as an attacker would (pilot, two accounts).

Promise (issue 16): when a platform version's consumers live in several accounts, the repin
dialog lists each function with its account (two accounts' functions of one name stay two
rows), and ``ctrl+s`` moves each through its own account's session — the same core path as
the command line — journaled under that account. A change to one function's layers from the
function screen goes through that function's own account too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from org_accounts import (
    PLATFORM_NAME,
    REGION,
    WORKLOAD_NAME,
    create_function,
    estate_ops,
    grant_to,
    layers_of,
    publish,
)
from test_ui_dialogs import Host, settle, status_text
from textual.widgets import DataTable, SelectionList
from ui_fixtures import NOW, pilot_test

from layer_tui import clock
from layer_tui.aws.consumers import list_function_configs
from layer_tui.aws.function_change import REMOVE, LayerChange
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.models import Layer
from layer_tui.aws.operations import LayerOperations
from layer_tui.sandbox import Sandbox
from layer_tui.ui.dialogs.function_layers import FunctionLayersDialog
from layer_tui.ui.dialogs.repin import RepinDialog

SIZE = (140, 40)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture
def boxes() -> Iterator[tuple[Sandbox, Sandbox]]:
    """(platform, workload): two accounts, each its own sandbox."""
    with Sandbox(regions=(REGION,)) as platform, Sandbox(regions=(REGION,)) as workload:
        for box in (platform, workload):
            box.revisions.update_seconds = 0.05
        yield platform, workload


def merged_layer(ops: LayerOperations, workload: Sandbox, name: str) -> Layer:
    """The platform's layer with the workload's consumers merged in, as a scan of several
    accounts gives it (consumers across accounts, same region)."""
    layer = next(x for x in scan_region(ops.session, REGION).layers if x.name == name)
    theirs = list_function_configs(ops.for_account(workload.account_id).session
                                   .client("lambda", REGION), latest_only=True)
    versions = tuple(
        replace(v, consumers=v.consumers + tuple(r for r in theirs if v.arn in r.layers))
        for v in layer.versions)
    return replace(layer, versions=versions)


@pilot_test
async def test_the_repin_dialog_moves_same_named_functions_each_in_its_own_account(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: ``api`` in the platform and ``api`` in the workload both list otel:1; by name
    alone they are one row, and the workload's change would go out with the platform's
    credentials (to the platform's ``api``). Promise: two rows, each naming its account;
    ctrl+s moves both to otel:2, each in its own account, journaled under it."""
    platform, workload = boxes
    versions = publish(platform, "otel", 2)
    for number in (1, 2):
        grant_to(platform, number, workload.account_id, sid=f"workload{number}")
    create_function(platform, "api", [versions[0]])
    create_function(workload, "api", [versions[0]])
    _, ops = estate_ops(platform, workload, tmp_path)
    layer = merged_layer(ops, workload, "otel")

    app = Host(lambda: RepinDialog(ops, REGION, layer, 2, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert len(app.screen.query_one("#functions", SelectionList).selected) == 2
        rows = sorted(str(k.value) for k in app.screen.query_one("#preview", DataTable).rows)
        assert rows == [f"api ({PLATFORM_NAME})", f"api ({WORKLOAD_NAME})"]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status_text(app).startswith("2 moved"), status_text(app)

    assert layers_of(platform, "api") == [versions[1]]
    assert layers_of(workload, "api") == [versions[1]]
    lines = [(e.account, str(e.args["FunctionName"]).split(":")[4])
             for e in ops.journal.entries()
             if e.action == "UpdateFunctionConfiguration" and e.phase == "after" and e.ok]
    assert sorted(lines) == sorted([(platform.account_id, platform.account_id),
                                    (workload.account_id, workload.account_id)])


@pilot_test
async def test_changing_another_accounts_functions_layers_goes_through_its_own_account(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: from the platform (the caller's account) the user removes otel:1 from the
    workload's ``api``; the platform has an ``api`` of its own, which a change sent by name
    with the platform's credentials would hit. Promise: the workload's ``api`` loses otel:1,
    the platform's keeps it, and the change is journaled under the workload account."""
    platform, workload = boxes
    (otel,) = publish(platform, "otel", 1)
    grant_to(platform, 1, workload.account_id)
    (util,) = publish(workload, "util", 1)
    create_function(platform, "api", [otel])
    theirs = create_function(workload, "api", [util, otel])
    _, ops = estate_ops(platform, workload, tmp_path)

    app = Host(lambda: FunctionLayersDialog(ops, theirs, LayerChange(REMOVE, otel)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status_text(app).startswith("1 "), status_text(app)

    assert layers_of(workload, "api") == [util]
    assert layers_of(platform, "api") == [otel]
    (line,) = [e for e in ops.journal.entries()
               if e.action == "UpdateFunctionConfiguration" and e.phase == "after"]
    assert line.ok and line.account == workload.account_id
