"""A user keymap moves keys; it never opens a way round read-only.

An auditor's tests: each names the attack a keymap file makes and the promise that holds. The
second runs against the sandbox over HTTP, and "nothing was deleted" is read off the sandbox's
own call counter and its list of versions.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from on_screen import open_row, said
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.aws.inventory import scan_inventory
from layer_tui.aws.session import AwsSession, ReadOnlyError, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.changes import READ_ONLY_REFUSAL
from layer_tui.ui.dialogs.delete import DeleteVersionDialog
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen

SIZE = (120, 40)
REGION = "eu-west-1"
WriteKeymap = Callable[[str], Path]


@pytest.mark.frozen_clock(NOW)
@pilot_test
async def test_d_mapped_to_quit_in_read_only_is_refused_and_d_still_answers_read_only(
    write_keymap: WriteKeymap,
) -> None:
    """Attack: keymap.toml binds ``d`` to quit while the app runs read-only, where ``d`` is
    delete's key answered by a refusal. Handed to Textual as it is, the keymap drops delete's
    binding from ``d`` and a user reaching for delete quits the app instead.
    Promise: the entry is one line naming the clash with change.delete, and is left out; on a
    version ``d`` answers with the read-only line, once a press, and the app keeps running
    with ``q`` still its quit key."""
    write_keymap('[keys]\n"app.quit" = "d"\n')
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clash = [line for line in said(app) if line.startswith("keymap")]
        assert len(clash) == 1, clash
        assert '"d" for app.quit is already change.delete\'s key' in clash[0]
        for step in ("down", "enter", "enter"):
            await pilot.press(step)
            await settle(pilot)
        assert isinstance(app.screen, VersionsScreen)
        await pilot.press("d")
        await wait_until(pilot, lambda: said(app).count(READ_ONLY_REFUSAL) == 1,
                         what="the read-only answer to d")
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, VersionsScreen)
        active = app.screen.active_bindings.get("q")
        assert active is not None and active.binding.action == "quit"


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/keep.py", "KEEP = 1\n")
    return buffer.getvalue()


@pilot_test
async def test_delete_moved_onto_another_key_in_read_only_is_refused_below_the_ui(
    sandbox: Sandbox, write_keymap: WriteKeymap,
) -> None:
    """Attack: in read-only, keymap.toml moves delete (change.delete) onto ``X``, a key the app
    never checked, hoping the new key skips the read-only check that guarded ``d``; then the
    delete is asked of the app's own change gate directly, as a key that slipped past the UI
    would.
    Promise: ``X`` on the version answers with the read-only line and opens no dialog; the gate
    below the UI raises ReadOnlyError; the sandbox received no DeleteLayerVersion and still
    holds the version."""
    arn = sandbox.client("lambda", REGION).publish_layer_version(
        LayerName="keep", Content={"ZipFile": tiny_zip()}
    )["LayerVersionArn"]
    write_keymap('[keys]\n"change.delete" = "X"\n')
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                           rate_per_second=500.0, read_only=True)
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, REGION, LayersScreen)
        await open_row(pilot, arn.rsplit(":", 1)[0], VersionsScreen)
        await wait_until(pilot, lambda: app.screen.query_one("ResourceTable").select_key(arn),
                         what="the version listed")
        assert [line for line in said(app) if line.startswith("keymap")] == []
        await pilot.press("X")
        await wait_until(pilot, lambda: said(app).count(READ_ONLY_REFUSAL) == 1,
                         what="the read-only answer to X")
        await settle(pilot)
        assert not isinstance(app.screen, DeleteVersionDialog)
        version = next(v for layer in app.inventory.regions[0].layers for v in layer.versions
                       if v.arn == arn)
        with pytest.raises(ReadOnlyError):
            app.operations.delete_layer_version(version)
    assert sandbox.stats.calls("DeleteLayerVersion") == 0
    listed = scan_inventory(AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url,
                                                     regions=(REGION,))), [REGION])
    assert [v.arn for layer in listed.regions[0].layers for v in layer.versions] == [arn]
