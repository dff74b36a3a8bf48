"""Every mutating dialog as the terminal shows it at 80x24 and at 140x40.

Snapshots against the real sandbox (a fixed account id, so ARNs never change) with the clock
frozen; before each picture the dialog's workers are done and its buttons, status line and
outcome are checked to lie wholly on screen, not under the docked outcome or past the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from on_screen import measured
from test_ui_dialogs import (
    SNAPSHOT_ACCOUNT,
    Host,
    create_function,
    fill_source,
    layer_of,
    layer_tree,
    make_ops,
    publish,
    repin_estate,
    steady,
    version_of,
)
from textual.pilot import Pilot
from textual.widgets import DataTable
from ui_fixtures import NOW
from waiting import wait_until

from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"
SIZES = [(80, 24), (140, 40)]
IDS = ["80x24", "140x40"]


pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def snap_box() -> Iterator[Sandbox]:
    with Sandbox(account_id=SNAPSHOT_ACCOUNT, regions=(REGION,)) as started:
        yield started


def outcome_on_screen(*selectors: str) -> Callable[[Pilot[Any]], Any]:
    """run_before: settle, then check the buttons and the status line (when it says
    something) are on screen."""

    async def check(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        screen = pilot.app.screen
        # Every table here has rows once its worker's answer is handled, and a DataTable
        # measures new rows when next idle: wait for both, or the picture may catch its
        # columns at the width of their labels (the header is then drawn again: MeasuredTable).
        await wait_until(pilot, lambda: all(measured(table) for table in screen.query(DataTable)),
                         what="the tables filled and measured")
        await pilot.pause()
        status = () if screen.query_one("#status").has_class("-empty") else ("#status",)
        for selector in ("#cancel", *status, *selectors):
            region = screen.query_one(selector).region
            assert region.height > 0 and screen.region.contains_region(region), selector

    return check


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_delete_dialog(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                       size: tuple[int, int]) -> None:
    from layer_tui.ui.dialogs.delete import DeleteVersionDialog

    published = publish(snap_box, "geo", 2)
    create_function(snap_box, "orders-api", [published[0]["LayerVersionArn"]])
    ops = make_ops(snap_box, tmp_path)
    version = version_of(ops, "geo", 1)
    assert snap_compare(Host(lambda: DeleteVersionDialog(ops, [version])), terminal_size=size,
                        run_before=outcome_on_screen("#delete"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_keep_newest_dialog(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                            size: tuple[int, int]) -> None:
    from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog

    published = publish(snap_box, "geo", 5)
    create_function(snap_box, "orders-api", [published[0]["LayerVersionArn"]])
    ops = make_ops(snap_box, tmp_path)
    layer = layer_of(ops, "geo")
    assert snap_compare(Host(lambda: KeepNewestDialog(ops, layer.versions, keep=3)),
                        terminal_size=size, run_before=outcome_on_screen("#delete"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_repin_dialog_planned(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                              size: tuple[int, int]) -> None:
    from layer_tui.ui.dialogs.repin import RepinDialog

    repin_estate(snap_box)
    ops = make_ops(snap_box, tmp_path)
    layer = layer_of(ops, "geo")
    assert snap_compare(Host(lambda: RepinDialog(ops, REGION, layer, None, None)),
                        terminal_size=size, run_before=outcome_on_screen("#apply", "#preview"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_repin_dialog_applied(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                              size: tuple[int, int]) -> None:
    """After ctrl+s: each row's result, the summary and Close on screen."""
    from layer_tui.ui.dialogs.repin import RepinDialog

    repin_estate(snap_box)
    ops = make_ops(snap_box, tmp_path)
    layer = layer_of(ops, "geo")

    async def applied(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await pilot.press("ctrl+s")
        await outcome_on_screen("#apply", "#preview", "#progress")(pilot)
        assert pilot.app.screen.report is not None

    assert snap_compare(Host(lambda: RepinDialog(ops, REGION, layer, None, None)),
                        terminal_size=size, run_before=applied)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_undo_dialog(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                     size: tuple[int, int]) -> None:
    from layer_tui.ui.dialogs.undo import UndoDialog

    geo, _ = repin_estate(snap_box)
    ops = make_ops(snap_box, tmp_path)
    apply_repin(ops, plan_repin(ops, REGION, geo[2], ["orders-api", "billing"]),
                batch="repin-snapshot")
    assert snap_compare(Host(lambda: UndoDialog(ops)), terminal_size=size,
                        run_before=outcome_on_screen("#apply", "#preview"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_publish_dialog(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                        monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    from layer_tui.ui.dialogs.publish import PublishDialog

    layer_tree(tmp_path / "tree")
    monkeypatch.chdir(tmp_path)  # a relative source path: no tmp dir in the picture
    ops = make_ops(snap_box, tmp_path)

    async def previewed(pilot: Pilot[Any]) -> None:
        await fill_source(pilot.app, pilot, "tree")
        await outcome_on_screen("#publish", "#lands")(pilot)

    assert snap_compare(Host(lambda: PublishDialog(ops, REGION, "geo")), terminal_size=size,
                        run_before=previewed)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_restore_dialog(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                        size: tuple[int, int]) -> None:
    from layer_tui.ui.dialogs.restore import RestoreDialog

    publish(snap_box, "geo", 2)
    ops = make_ops(snap_box, tmp_path)
    ops.delete_layer_version(version_of(ops, "geo", 1))
    assert snap_compare(Host(lambda: RestoreDialog(ops)), terminal_size=size,
                        run_before=outcome_on_screen("#restore"))
