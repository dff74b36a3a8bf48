"""Enter on a changed text file in the contents diff: a unified diff of the member, by Range.

Two real versions are published to a sandbox; the diff shown is checked against ``difflib``
over the bytes ``zipfile`` reads, the bytes moved against the sandbox's own counter.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import zipfile
from typing import Any

import pytest
from on_screen import said
from textual.widgets import TextArea
from textual.worker import WorkerFailed
from ui_fixtures import pilot_test

from layer_tui import clock
from layer_tui.aws.models import Inventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.contents import ContentsScreen
from layer_tui.ui.widgets.member_diff import MemberDiffScreen

SIZE = (120, 40)
REGION = "eu-west-1"
OLD_APP = "import json\n\ndef handler(event, context):\n    return {'ok': True}\n"
NEW_APP = ("import json\n\ndef handler(event, context):\n    return {'ok': False}\n"
           "# \x1b]52;c;cm0gLXJmIH4=\x07 \u202eevil\n")
#: Incompressible filler so each version is far bigger than the member read.
FILLER = os.urandom(400_000)


pytestmark = pytest.mark.frozen_clock(DEMO_NOW)


def layer_zip(app_text: str, blob: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("python/app.py", app_text)
        archive.writestr("python/native.so", blob)
        archive.writestr("python/filler.bin", FILLER)
    return buf.getvalue()


def publish_two(sandbox: Sandbox) -> tuple[str, str]:
    lam = sandbox.client("lambda", REGION)
    arns = []
    for app_text, blob in ((OLD_APP, b"\x7fELF\x00one"), (NEW_APP, b"\x7fELF\x00two!")):
        arns.append(lam.publish_layer_version(
            LayerName="notes", Content={"ZipFile": layer_zip(app_text, blob)},
            CompatibleRuntimes=["python3.12"])["LayerVersionArn"])
    return arns[0], arns[1]


def make_app(sandbox: Sandbox) -> LayerTuiApp:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, rate_per_second=500.0,
                                       regions=(REGION,)))

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        return Inventory(session.account_id(), clock.now(), ())

    return LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)


async def settle(app: LayerTuiApp, pilot: Any) -> None:
    for _ in range(2):
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()


async def diff_of(app: LayerTuiApp, pilot: Any, old: str, new: str) -> ContentsScreen:
    await settle(app, pilot)
    screen = ContentsScreen(app.operations.session, new, other_versions=[old])
    await app.push_screen(screen)
    await settle(app, pilot)
    await pilot.press("c")
    await settle(app, pilot)
    assert screen.mode == "contents-diff"
    return screen


def select(screen: ContentsScreen, path: str) -> None:
    assert screen.diff_view.table.select_key(path)


@pilot_test
async def test_enter_on_a_changed_text_file_shows_its_unified_diff(sandbox: Sandbox) -> None:
    """Promise: Enter on python/app.py (changed between v1 and v2) shows the unified diff of
    the member — difflib's over what zipfile reads — with the changed line, in a viewer that
    shows the new line's OSC 52 write and bidi override as escapes; only the member's bytes
    travel (far less than the versions), read by Range."""
    old, new = publish_two(sandbox)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await diff_of(app, pilot, old, new)
        select(screen, "python/app.py")
        before = sandbox.stats.content_bytes_sent
        screen.diff_view.table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        viewer = app.screen
        assert isinstance(viewer, MemberDiffScreen)
        fetched = sandbox.stats.content_bytes_sent - before
        # Each side: one tail read for the directory (64 KiB) and the member's own bytes.
        assert 0 < fetched < 2 * 64 * 1024 + 4096 < len(FILLER)
        expected = "".join(difflib.unified_diff(
            OLD_APP.splitlines(keepends=True), NEW_APP.splitlines(keepends=True),
            fromfile="v1/python/app.py", tofile="v2/python/app.py"))
        assert viewer.member_diff.diff == expected
        shown = viewer.query_one(TextArea).text
        assert "-    return {'ok': True}" in shown and "+    return {'ok': False}" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "\\x1b]52" in shown and "\\u202e" in shown
        await pilot.press("escape")
        assert app.screen is screen


@pilot_test
async def test_a_binary_or_added_file_is_one_line(sandbox: Sandbox) -> None:
    """Attack: Enter on a changed binary member (native.so). Promise: one line saying it is
    not a text file, no viewer opens, nothing is downloaded."""
    old, new = publish_two(sandbox)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await diff_of(app, pilot, old, new)
        select(screen, "python/native.so")
        before = sandbox.stats.content_bytes_sent
        screen.diff_view.table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        messages = said(app)
        assert any("python/native.so: not a text file" in m for m in messages), messages
        assert sandbox.stats.content_bytes_sent == before
