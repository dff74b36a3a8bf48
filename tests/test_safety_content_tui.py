"""The TUI shows no presigned secret: not on the contents screen, not in any notification.

Issue 12, the redaction part of deliverable 5, on screen (tests/test_safety_content.py has the
CLI, JSON and core side): the content URL behind the screen points at a closed port and carries
a signature, an access key id and a session token, as AWS's do; the oracle is the text every
widget renders and every notification the app holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from hostile_content import (
    WEST,
    RelocatingSandbox,
    assert_no_secret,
    closed_port,
    closed_port_url,
    layer_zip,
    publish,
)
from on_screen import said
from textual.worker import WorkerFailed
from ui_fixtures import pilot_test

from layer_tui.aws.models import Inventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox


@pytest.fixture
def hostile() -> Iterator[RelocatingSandbox]:
    with RelocatingSandbox(regions=(WEST,)) as started:
        yield started


def tui_session(sandbox: Sandbox) -> AwsSession:
    return AwsSession(
        SessionConfig(endpoint_url=sandbox.endpoint_url, rate_per_second=500.0, demo=True)
    )


async def settle(app: Any, pilot: Any) -> None:
    for _ in range(2):
        with contextlib.suppress(WorkerFailed):  # the screen has shown why already
            await app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(screen: Any) -> str:
    return "\n".join(str(widget.render()) for widget in screen.query("*")
                     if hasattr(widget, "render"))  # fmt: skip


@pilot_test
async def test_the_tui_shows_no_presigned_secret(hostile: RelocatingSandbox) -> None:
    """Attack: under the contents screen, first the listing and then a file's read go to an
    unreachable host whose URL carries the signature, the credential and the token. Promise:
    neither the screen (its findings, summary, error panel) nor any notification shows them."""
    from layer_tui.ui.app import LayerTuiApp
    from layer_tui.ui.screens.contents import ContentsScreen

    arn = publish(hostile, layer_zip())
    session = tui_session(hostile)

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        from layer_tui import clock

        return Inventory(session.account_id(), clock.now(), ())

    app = LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        port = closed_port()
        hostile.relocate = lambda _: closed_port_url(port)
        screen = ContentsScreen(app.operations.session, arn)
        await app.push_screen(screen)
        await settle(app, pilot)
        shown = screen_text(screen)
        assert str(port) in shown  # the fault did fire, and the screen says where
        assert_no_secret(shown)
        await pilot.press("escape")
        await pilot.pause()

        hostile.relocate = None  # the listing works; the file's read will not
        screen = ContentsScreen(app.operations.session, arn)
        await app.push_screen(screen)
        await settle(app, pilot)
        assert screen.report is not None and screen.report.files == 3
        hostile.relocate = lambda _: closed_port_url(port)
        core = next(e for e in screen.report.entries if e.path == "python/geo/core.py")
        screen.open_entry(core)
        await settle(app, pilot)
        lines = said(app)
        assert any(str(port) in m for m in lines), lines
        assert_no_secret(*lines, screen_text(screen))


@pilot_test
async def test_every_notification_is_redacted(hostile: RelocatingSandbox) -> None:
    """Attack: a notification that quotes an exception naming a presigned URL without going
    through describe() (any screen's own ``notify``). Promise: the one notification funnel
    strips the query; the host and path still say where."""
    from layer_tui.ui.app import LayerTuiApp

    session = tui_session(hostile)

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        from layer_tui import clock

        return Inventory(session.account_id(), clock.now(), ())

    app = LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        port = closed_port()
        app.screen.notify(f"could not open {closed_port_url(port)}", severity="error")
        await pilot.pause()
        lines = said(app)
        assert any(f"127.0.0.1:{port}/_content/geo/1?" in m for m in lines), lines
        assert_no_secret(*lines)
