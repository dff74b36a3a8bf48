"""``A``: a version's policy in the TUI, granting (``*`` needs the typed name), revoking, undo.

Against a sandbox account over real HTTP; what AWS holds is read back with boto3, and "nothing
was granted" is the sandbox's own call counter.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input
from textual.worker import WorkerFailed
from ui_fixtures import pilot_test

from layer_tui import clock
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import Inventory
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.permissions import VersionRef
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.permissions import PermissionsDialog

SIZE = (120, 40)
REGION = "eu-west-1"


pytestmark = pytest.mark.frozen_clock(DEMO_NOW)


def published(sandbox: Sandbox) -> VersionRef:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/geo.py", "x = 1\n")
    arn = sandbox.client("lambda", REGION).publish_layer_version(
        LayerName="geo", Content={"ZipFile": buf.getvalue()})["LayerVersionArn"]
    return VersionRef.parse(arn)


def policy_of(sandbox: Sandbox) -> list[dict[str, Any]]:
    lam = sandbox.client("lambda", REGION)
    try:
        document = lam.get_layer_version_policy(LayerName="geo", VersionNumber=1)["Policy"]
    except lam.exceptions.ResourceNotFoundException:
        return []
    statements: list[dict[str, Any]] = json.loads(document)["Statement"]
    return statements


def make_app(sandbox: Sandbox) -> LayerTuiApp:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, rate_per_second=500.0,
                                       regions=(REGION,)))

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        return Inventory(session.account_id(), clock.now(), ())

    return LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)


async def settle(app: LayerTuiApp, pilot: Any) -> None:
    for _ in range(3):
        # The dialog's opener waits on the dialog: wait for the dialog's own workers only.
        for worker in [w for w in app.screen.workers if w.group.startswith("permissions")]:
            with contextlib.suppress(WorkerFailed, Exception):
                await worker.wait()
        await pilot.pause()


def status(dialog: PermissionsDialog) -> str:
    return str(dialog.status.render())


async def press(app: LayerTuiApp, pilot: Any, dialog: PermissionsDialog, *keys: str) -> None:
    """Press keys (or click a button: ``#id``), then wait until the dialog has answered: its
    status line says something again and its workers are done (the app may hold a key that
    follows enter for a moment while focus settles)."""
    dialog.status.say("")
    for key in keys:
        if key.startswith("#"):
            dialog.query_one(key, Button).press()
        else:
            await pilot.press(key)
    for _ in range(200):
        await settle(app, pilot)
        if status(dialog):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the dialog never answered {keys}")


@pilot_test
async def test_granting_everyone_needs_the_typed_name_then_revoke_and_undo(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Attack: type * in the grant field and press ctrl+s (then enter) as for any grant.
    Promise: nothing is granted (no AddLayerVersionPermission reaches AWS) until geo:1 is
    typed; then the grant is made, the policy shows everyone with the public finding; Revoke
    needs a second press, and Undo (twice, and the typed name: it grants everyone again) puts
    the very statement back."""
    version = published(sandbox)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        ops = LayerOperations(app.operations.session, Journal(tmp_path / "journal.jsonl"))
        dialog = PermissionsDialog(ops, version)
        await app.push_screen(dialog)
        await settle(app, pilot)
        assert "only this account" in str(dialog.query_one("#permissions-summary").render())
        who = dialog.query_one("#permissions-who", Input)
        who.focus()
        await pilot.press("asterisk")
        await pilot.pause()
        assert "everyone" in str(dialog.query_one("#permissions-preview").render())
        await press(app, pilot, dialog, "ctrl+s")
        await press(app, pilot, dialog, "enter")
        assert sandbox.stats.calls("AddLayerVersionPermission") == 0
        assert policy_of(sandbox) == []
        assert "type geo:1 to confirm" in status(dialog)
        assert app.focused is dialog.query_one("#permissions-confirm", Input)
        await press(app, pilot, dialog, *"geo:2", "enter")  # the wrong version: no confirmation
        assert "type geo:1 to confirm" in status(dialog)
        assert sandbox.stats.calls("AddLayerVersionPermission") == 0
        dialog.query_one("#permissions-confirm", Input).value = "geo:1"
        await press(app, pilot, dialog, "enter")
        await settle(app, pilot)
        [statement] = policy_of(sandbox)
        assert statement["Principal"] == "*" and statement["Action"] == "lambda:GetLayerVersion"
        assert "readable by everyone" in str(dialog.query_one("#permissions-finding").render())

        await press(app, pilot, dialog, "#permissions-revoke")
        assert policy_of(sandbox) and "press Revoke again" in status(dialog)
        await press(app, pilot, dialog, "#permissions-revoke")
        assert policy_of(sandbox) == []

        dialog.query_one("#permissions-confirm", Input).value = ""
        await press(app, pilot, dialog, "#permissions-undo")
        assert policy_of(sandbox) == [] and "type geo:1" in status(dialog)
        dialog.query_one("#permissions-confirm", Input).value = "geo:1"
        await press(app, pilot, dialog, "#permissions-undo")
        assert policy_of(sandbox) == [] and "press Undo again" in status(dialog)
        await press(app, pilot, dialog, "#permissions-undo")
        [back] = policy_of(sandbox)
        assert back["Sid"] == statement["Sid"] and back["Principal"] == "*"


@pilot_test
async def test_a_bad_grant_is_one_line_and_an_account_grant_needs_no_typed_name(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Attack: grant to `alice`. Promise: one line, nothing sent. An account id is granted on
    ctrl+s alone and listed by account."""
    version = published(sandbox)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        ops = LayerOperations(app.operations.session, Journal(tmp_path / "journal.jsonl"))
        dialog = PermissionsDialog(ops, version)
        await app.push_screen(dialog)
        await settle(app, pilot)
        who = dialog.query_one("#permissions-who", Input)
        who.value = "alice"
        await press(app, pilot, dialog, "ctrl+s")
        assert "neither an account id" in status(dialog) and "\n" not in status(dialog)
        assert sandbox.stats.calls("AddLayerVersionPermission") == 0
        who.value = "210987654321"
        await press(app, pilot, dialog, "ctrl+s")
        await settle(app, pilot)
        [statement] = policy_of(sandbox)
        assert statement["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
        options = dialog.query_one("#permissions-statements")
        assert "account 210987654321" in str(options.get_option_at_index(0).prompt)
