"""`P` in the TUI: pull the selected function's /opt, with progress and the run command.

Attack: a user on a bastion host presses P on a function row, in --read-only. Promise: a
dialog asks for the folder, pulls the function's layers in merge order into it (the same
tree the CLI makes: later layer wins), and ends by showing the command that runs the
function in its base image; AWS is not changed, so read-only does not take P away.
"""

from __future__ import annotations

import stat
from pathlib import Path

from test_pull import FILE, REGION, actual_tree, function, layer_zip, publish
from textual.widgets import Input
from ui_fixtures import pilot_test
from waiting import settle, wait_until

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox.server import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.pull import PullDialog
from layer_tui.ui.widgets import ResourceTable


@pilot_test
async def test_p_on_a_function_row_pulls_its_opt_and_says_how_to_run_it(tmp_path: Path) -> None:
    with Sandbox(regions=(REGION,)) as box:
        first = publish(box, "first", layer_zip([
            ("python/shared.py", b"first\n", FILE, 3),
            ("bin/tool", b"#!/bin/sh\n", stat.S_IFREG | 0o755, 3)]))
        second = publish(box, "second", layer_zip([("python/shared.py", b"second\n", FILE, 3)]))
        arn = function(box, "svc", [first, second], Architectures=["arm64"])
        config = SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,), read_only=True)
        app = LayerTuiApp(config, endpoint_label="sandbox",
                          inventory_cache=InventoryCache(tmp_path / "cache"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            table = app.screen.query_one(ResourceTable)
            await wait_until(pilot, lambda: table.select_key(arn), what="svc listed")
            await pilot.press("P")
            await wait_until(pilot, lambda: isinstance(app.screen, PullDialog), what="the dialog")
            dialog = app.screen
            assert isinstance(dialog, PullDialog)
            folder = dialog.query_one("#folder", Input)
            folder.value = str(tmp_path / "opt")
            await pilot.press("enter")
            await wait_until(pilot, lambda: dialog.command is not None, what="the pull done")
            shown = str(dialog.query_one("#status").render())
            assert "public.ecr.aws/lambda/python:3.12-arm64 app.handler" in shown
            assert dialog.command is not None and f"{tmp_path}/opt:/opt:ro" in dialog.command
            await pilot.press("escape")
            # Keys may wait for focus first.
            await wait_until(pilot, lambda: not isinstance(app.screen, PullDialog),
                             what="the dialog gone")
        assert actual_tree(tmp_path / "opt") == {
            "python": ("dir",), "bin": ("dir",),
            "python/shared.py": ("file", b"second\n", 0o644),
            "bin/tool": ("file", b"#!/bin/sh\n", 0o755),
        }
