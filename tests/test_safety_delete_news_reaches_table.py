"""What the delete dialog's live check learned reaches the versions table (pilot, sandbox).

The table is drawn from the last scan; the dialog reads who uses the version live. When the
live reading names a consumer the scan did not have and the user cancels, the table must not
go on calling the version UNUSED (0 consumers) until someone presses r.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from on_screen import open_row, row_text, said, table
from test_safety_delete_live import REGION, create_function, publish, remaining
from textual.widgets import Static
from ui_fixtures import NOW, pilot_test
from waiting import wait_until

from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.delete import DeleteVersionDialog
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen

SIZE = (120, 40)

pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        started.revisions.update_seconds = 0.05
        yield started


def shown(app: LayerTuiApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


@pilot_test
async def test_a_consumer_the_live_check_found_is_in_the_table_after_cancel(
    box: Sandbox,
) -> None:
    """Attack: geo:1 is scanned unused; then orders-api is attached to it (after the scan).
    The user presses d: the dialog's live check names orders-api; the user cancels. The
    versions table went on saying UNUSED, 0 consumers, until the next refresh, inviting the
    same mistake again (and keep-newest planning from the same stale word).
    Promise: after cancel, nothing is deleted and the row of geo:1 comes to show 1 consumer
    and no UNUSED flag, without the user pressing r; the user is told the region is read
    again."""
    geo = publish(box, "geo", 2)
    config = SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                           rate_per_second=500.0)
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, REGION, LayersScreen)
        await open_row(pilot, geo[0].rsplit(":", 1)[0], VersionsScreen)
        await wait_until(pilot, lambda: table(app).select_key(geo[0]), "the version shows")
        assert "UNUSED" in row_text(app, geo[0])  # the scan's word, before the attach

        create_function(box, "orders-api", [geo[0]])  # after the scan
        await pilot.pause()
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteVersionDialog), "dialog")
        dialog = app.screen
        await wait_until(pilot, lambda: dialog.live, "the live read is in")
        await pilot.pause()
        assert "orders-api ($LATEST)" in shown(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, VersionsScreen), "cancelled")

        def row_learned() -> bool:
            cells = row_text(app, geo[0]).split(" | ")
            return "UNUSED" not in cells[-1] and cells[-2] == "1"

        await wait_until(pilot, row_learned, "the versions row showing the live consumer")
        assert any(line.startswith(f"refreshing {REGION}") for line in said(app))
    assert remaining(box, "geo") == [1, 2]
