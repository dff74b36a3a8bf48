"""The undo dialog names what it will restore, not only a batch id (issue 14, Deliver 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_dialogs import (  # noqa: F401  (box is a fixture)
    REGION,
    SIZE,
    Host,
    box,
    make_ops,
    repin_estate,
    screen_text,
    settle,
)
from ui_fixtures import NOW, pilot_test

from layer_tui.sandbox.server import Sandbox

pytestmark = pytest.mark.frozen_clock(NOW)


@pilot_test
async def test_the_undo_dialog_says_which_versions_come_back_where_and_from_when(
    box: Sandbox, tmp_path: Path,  # noqa: F811
) -> None:
    """Attack: ``u`` opened on "batch 3f2a…": the operator could not tell which repin it
    undoes, so ctrl+s was a guess.
    Promise: before anything is applied, the dialog says which layer versions come back
    (and which they replace), on how many functions and which, in which region, and when that
    repin ran; the batch id is still there for the journal."""
    from layer_tui.aws.repin import apply_repin, plan_repin
    from layer_tui.ui.dialogs.undo import UndoDialog

    geo, _ = repin_estate(box)
    ops = make_ops(box, tmp_path)
    plan = plan_repin(ops, REGION, geo[2], ["orders-api", "billing"])
    report = apply_repin(ops, plan)
    assert report.count("moved") == 2
    app = Host(lambda: UndoDialog(ops))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = " ".join(screen_text(app).split())
        assert "puts back geo:1, geo:2 (now geo:3)" in shown
        assert "on 2 functions (billing, orders-api) in eu-west-1" in shown
        assert "from the repin of 2026-11-22 19:00:00 UTC (now)" in shown
        assert f"batch {report.batch}" in shown
        await pilot.press("escape")
        await pilot.pause()
