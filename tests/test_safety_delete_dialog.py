"""The delete dialog decides live, tried as an attacker would (pilot, sandbox over HTTP).

Promise: the dialog shows what the cache says, reads live at once ("checking live…") and keeps
Delete disabled until that reading is in; it names every consumer with qualifier and aliases,
every other account / organization / everyone granted, and every repin undo the delete breaks,
and any of those puts focus in the typed ``<layer>:<version>`` field. If the confirm-time
re-check finds something new, nothing is deleted and the dialog asks for the typed name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from on_screen import DialogHost as Host
from on_screen import open_row, table
from test_safety_delete_live import (
    OTHER_ACCOUNT,
    REGION,
    create_function,
    grant,
    make_ops,
    publish,
    published_only,
    remaining,
    version_of,
)
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static
from textual.worker import WorkerCancelled, WorkerState
from ui_fixtures import NOW, pilot_test
from waiting import wait_until

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.inventory import scan_inventory, scan_region
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.faults import CallHold
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.delete import DeleteVersionDialog
from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen

SIZE = (120, 40)


pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        started.revisions.update_seconds = 0.05
        yield started




def shown(app: App[Any]) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


def focused_id(app: App[Any]) -> str | None:
    return app.screen.focused.id if app.screen.focused is not None else None


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Until no worker of the app or its dialog is pending or running (bounded)."""
    await pilot.pause()
    for _ in range(200):
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not busy:
            break
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete(busy)
        await pilot.pause(0.02)
    await pilot.pause()


@contextlib.asynccontextmanager
async def released_at_exit(hold: CallHold) -> Any:
    try:
        yield
    finally:
        hold.release()



async def plain_confirms(app: Any, pilot: Any, wrong: str) -> None:
    """Every way to confirm without the name: enter in the empty field, a click on Delete, a
    wrong name and enter, a click again; then tab, enter (which lands on Cancel). Delete must
    stay disabled throughout."""
    await pilot.press("enter")
    await pilot.click("#delete")
    await pilot.press(*wrong, "enter")
    await pilot.click("#delete")
    await settle(app, pilot)
    assert app.screen.query_one("#delete").disabled
    await pilot.press("tab", "enter")
    await settle(app, pilot)


@pilot_test
async def test_stale_cache_d_tab_enter_deletes_nothing_then_names_the_new_consumer(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: the app starts on a cache from before ``orders-api`` was attached to geo:1;
    ListFunctions is slow (held), so the refresh and the live read are both still out when
    the user presses ``d`` and then tab, enter. Promise: Delete is disabled while "checking
    live", nothing is deleted; once the live read is in the dialog names the consumer and
    focuses the typed-name field, and tab, enter still deletes nothing."""
    geo = publish(box, "geo", 2)
    config = SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                           rate_per_second=500.0)
    cache = InventoryCache(tmp_path / "cache")
    cache.save(scan_inventory(AwsSession(config), [REGION]))
    create_function(box, "orders-api", [geo[0]])
    hold = CallHold("ListFunctions")
    box.faults.held_calls.append(hold)

    app = LayerTuiApp(config, endpoint_label="sandbox", inventory_cache=cache)
    async with app.run_test(size=SIZE) as pilot, released_at_exit(hold):
        await open_row(pilot, REGION, LayersScreen)
        await open_row(pilot, geo[0].rsplit(":", 1)[0], VersionsScreen)
        await wait_until(pilot, lambda: table(app).select_key(geo[0]), "the version shows")
        await pilot.pause()
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteVersionDialog), "dialog")
        await pilot.pause()
        assert "the last scan saw no function using it" in shown(app)
        assert "checking live" in shown(app)
        assert app.screen.query_one("#delete", Button).disabled
        assert hold.wait_until_held()

        await pilot.press("tab", "enter")
        await pilot.pause()
        assert remaining(box, "geo") == [1, 2]
        assert isinstance(app.screen, DeleteVersionDialog)

        hold.release()
        dialog = app.screen
        await wait_until(pilot, lambda: dialog.live, "the live read is in")
        await pilot.pause()
        assert "orders-api ($LATEST)" in shown(app)
        assert "next deploy" in shown(app)
        assert focused_id(app) == "confirm-name"
        assert app.screen.query_one("#delete", Button).disabled
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, DeleteVersionDialog), "closed")
    assert remaining(box, "geo") == [1, 2]


@pilot_test
async def test_a_version_used_only_by_a_published_alias_wants_the_typed_name(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: only ``billing:1`` (alias prod) uses geo:1, and the view was scanned
    ``$LATEST``-only so it says nobody. Promise: the dialog names ``billing:1 (alias prod)``
    and wants ``geo:1`` typed; no confirmation without the name deletes anything."""
    geo = publish(box, "geo", 2)
    published_only(box, geo[0])
    ops = make_ops(box, tmp_path)
    layer = next(x for x in scan_region(ops.session, REGION, latest_only=True).layers
                 if x.name == "geo")
    version = next(v for v in layer.versions if v.version == 1)
    assert version.consumers == ()
    app = Host(DeleteVersionDialog(ops, [version]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "billing:1 (alias prod)" in shown(app)
        assert focused_id(app) == "confirm-name"
        assert "Type geo:1 to confirm" in shown(app)
        await plain_confirms(app, pilot, "geo:2")
    assert remaining(box, "geo") == [1, 2]


@pilot_test
async def test_keep_newest_never_deletes_a_version_a_published_alias_uses(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: keep-newest 1 on a layer whose geo:1 is used only by ``billing:1`` (alias
    prod), from a ``$LATEST``-only view. Promise: geo:1 is kept (and the dialog says why);
    tab, enter deletes geo:2 only."""
    geo = publish(box, "geo", 3)
    published_only(box, geo[0])
    ops = make_ops(box, tmp_path)
    layer = next(x for x in scan_region(ops.session, REGION, latest_only=True).layers
                 if x.name == "geo")
    app = Host(KeepNewestDialog(ops, layer.versions, keep=1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = shown(app)
        assert "geo:1: used by billing:1 (alias prod)" in text
        assert "layer:geo:2" in text and "layer:geo:1\n" not in text
        await pilot.press("shift+tab", "enter")  # from the N field (first), back to Delete
        await settle(app, pilot)
        assert "deleted geo:2" in shown(app)
    assert remaining(box, "geo") == [1, 3]


@pilot_test
async def test_a_version_granted_to_another_account_names_it_and_wants_the_typed_name(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: no function here uses geo:1, but its policy grants account B, whose functions
    this account cannot see. Promise: the dialog names the account and why it matters, and
    wants ``geo:1`` typed; typed, it deletes."""
    publish(box, "geo", 2)
    grant(box, "partner", OTHER_ACCOUNT)
    ops = make_ops(box, tmp_path)
    app = Host(DeleteVersionDialog(ops, [version_of(ops, "geo", 1)]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert (f"account {OTHER_ACCOUNT} — its functions are invisible from this account"
                in shown(app))
        assert focused_id(app) == "confirm-name"
        await pilot.press(*"geo:1", "enter")
        await settle(app, pilot)
        assert "deleted geo:1" in shown(app)
    assert remaining(box, "geo") == [2]


@pilot_test
async def test_repin_then_delete_the_old_version_says_the_undo_becomes_impossible(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: repin svc-0 from geo:1 to geo:2; geo:1 now reads unused. Promise: its delete
    dialog says the undo of that batch will no longer be possible and wants the typed name."""
    geo = publish(box, "geo", 2)
    create_function(box, "svc-0", [geo[0]])
    ops = make_ops(box, tmp_path)
    report = apply_repin(ops, plan_repin(ops, REGION, geo[1], ["svc-0"]))
    app = Host(DeleteVersionDialog(ops, [version_of(ops, "geo", 1)]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert (f"undo of repin batch {report.batch} will no longer be possible"
                in shown(app))
        assert focused_id(app) == "confirm-name"
        await plain_confirms(app, pilot, "geo")
    assert remaining(box, "geo") == [1, 2]


@pilot_test
async def test_confirm_time_change_updates_the_dialog_and_asks_for_the_typed_name(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: the dialog read "nobody" live and opened Cancel-first; a function is attached;
    the user presses tab, enter. Promise: the re-check right before the delete finds it,
    nothing is deleted, the dialog shows the new consumer in place and focuses the typed
    field; typing ``geo:1`` then deletes."""
    geo = publish(box, "geo", 2)
    ops = make_ops(box, tmp_path)
    app = Host(DeleteVersionDialog(ops, [version_of(ops, "geo", 1)]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert focused_id(app) == "cancel"
        assert "no function uses it (checked live)" in shown(app)
        create_function(box, "orders-api", [geo[0]])
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert remaining(box, "geo") == [1, 2]
        assert "geo:1 was not deleted" in shown(app)
        assert "orders-api ($LATEST)" in shown(app)
        assert focused_id(app) == "confirm-name"
        assert app.results == []  # still open
        await pilot.press(*"geo:1", "enter")
        await settle(app, pilot)
        assert "deleted geo:1" in shown(app)
    assert remaining(box, "geo") == [2]


@pilot_test
async def test_a_failed_live_read_says_so_in_one_line_and_deletes_nothing(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: AWS refuses ListFunctions when the dialog opens. Promise: one line says the
    live check failed, Delete stays disabled, nothing is deleted."""
    publish(box, "geo", 2)
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    box.faults.access_denied_regions = {REGION}
    app = Host(DeleteVersionDialog(ops, [version]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert status.startswith("could not check live, so nothing can be deleted:")
        assert "\n" not in status and "Traceback" not in status
        assert app.screen.query_one("#delete", Button).disabled
        assert app.screen.query_one("#confirm-name", Input).display is False
        await pilot.press("tab", "enter")
        await settle(app, pilot)
    box.faults.access_denied_regions = set()
    assert remaining(box, "geo") == [1, 2]
