"""The copy toast (`y`) says what it did in one line; the clipboard gets the whole ARN.

Pilot tests on the in-memory account (tests/ui_fixtures.py).
"""

from __future__ import annotations

import pyperclip
import pytest
from on_screen import said
from textual.widgets._toast import Toast
from ui_fixtures import NOW, make_app, pilot_test
from waiting import press_and_wait, settle, wait_until

pytestmark = pytest.mark.frozen_clock(NOW)

VERSION_ARN = "arn:aws:lambda:eu-north-1:123456789012:layer:geo:3"
NO_MECHANISM = (
    "Pyperclip could not find a copy/paste mechanism for your system.\n"
    "For more information, please visit https://pyperclip.readthedocs.io/en/latest/"
    "index.html#not-implemented-error"
)


def _refuse(value: str) -> None:
    raise pyperclip.PyperclipException(NO_MECHANISM)


@pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=["80x24", "140x40"])
@pilot_test
async def test_copy_on_a_bastion_says_osc52_in_one_line(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Attack: `y` on a layer version where pyperclip has no clipboard to reach (a bastion
    with no display) and raises its paragraph about copy/paste mechanisms. The old toast
    quoted that error, had a title line, and put the ARN on a line of its own that wrapped.
    Promise: the toast is one line, "copied <ARN shortened in the middle> (OSC 52)", with no
    word of pyperclip's error; the terminal's clipboard (OSC 52) gets the whole ARN."""
    monkeypatch.setattr(pyperclip, "copy", _refuse)
    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "enter", "y")
        await wait_until(pilot, lambda: any(m.startswith("copied") for m in said(app)),
                         what="the copy toast")
        [message] = [m for m in said(app) if m.startswith("copied")]
        assert app.clipboard == VERSION_ARN
        assert "\n" not in message and "yperclip" not in message and "mechanism" not in message
        assert message.endswith(" (OSC 52)") and message.startswith("copied arn:")
        assert message.split()[1].endswith(":layer:geo:3")
        assert [entry.title for entry in app.said if entry.message == message] == [""]
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)), what="the toast shown")
        toast = app.screen.query(Toast).last()
        assert toast.region.height == 3  # one line between its padding: nothing wrapped


@pilot_test
async def test_copy_with_a_system_clipboard_says_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """Attack: `y` where pyperclip works (a local terminal). Promise: one line naming both
    ways, the system clipboard holding the whole ARN."""
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press_and_wait(pilot, "down", "enter", "enter", "y")
        await wait_until(pilot, lambda: any(m.startswith("copied") for m in said(app)),
                         what="the copy toast")
        [message] = [m for m in said(app) if m.startswith("copied")]
        assert copied == [VERSION_ARN] and app.clipboard == VERSION_ARN
        assert message.endswith(" (OSC 52 and system clipboard)") and "\n" not in message
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)), what="the toast shown")
        toast = app.screen.query(Toast).last()
        assert toast.region.height == 3


def test_shorten_middle_keeps_whole_fields_and_fits() -> None:
    """Attack: ARNs longer than the room, one whose last field alone is longer. Promise: the
    result fits the budget, starts with arn:, and keeps whole trailing fields when any fits
    (never half a field next to the ellipsis)."""
    from layer_tui.ui.clipboard import shorten_middle

    arn = "arn:aws:lambda:eu-north-1:123456789012:function:orders-api"
    assert shorten_middle(arn, 80) == arn
    short = shorten_middle(arn, 30)
    assert short == "arn:\N{HORIZONTAL ELLIPSIS}:function:orders-api" and len(short) <= 30
    long_name = "arn:aws:lambda:eu-north-1:123456789012:function:" + "x" * 60
    squeezed = shorten_middle(long_name, 20)
    assert len(squeezed) <= 20 and squeezed.startswith("arn:") and squeezed.endswith("xxx")
