#!/usr/bin/env python3
"""Replay a real session against ``layer-tui --demo`` in tmux; fail on a misrouted key.

What a fast typist does, in the terminal the app really runs in: whole words sent in one
write right after the key that opens an input (tmux ``send-keys -l`` writes the string at
once, as a paste or a quick burst does), with live resizes between 140x40, 100x30 and 80x24.
After each step the screen is read back (``capture-pane``) and checked: the words landed in
the input, and nothing a misrouted letter would open (undo, publish, quit) is on screen.

    python tests/tmux/replay.py            # exit 0: every step as expected; 1: the first
                                           # step that was not, with the screen it saw

It runs the demo with its state in a temporary folder (XDG dirs), so it touches nothing of
the user's. It needs tmux; it is not part of the pytest suite (CI has no tmux), the pilot
tests in tests/test_input_bursts.py cover the same routing through the app's own driver.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SESSION = f"layer-tui-replay-{os.getpid()}"
ROOT = Path(__file__).resolve().parents[2]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(condition: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
    """Poll the screen until ``condition`` holds (bounded); the screen that satisfied it."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen()
        if condition(shown):
            return shown
        time.sleep(0.05)
    raise StepFailed(what, shown)


class StepFailed(Exception):
    def __init__(self, what: str, shown: str) -> None:
        super().__init__(what)
        self.what = what
        self.shown = shown


def type_burst(text: str) -> None:
    """``text`` in one write to the terminal (literal: no key names)."""
    tmux("send-keys", "-t", SESSION, "-l", text)


def key(*names: str) -> None:
    tmux("send-keys", "-t", SESSION, *names)


def resize(width: int, height: int) -> None:
    tmux("resize-window", "-t", SESSION, "-x", str(width), "-y", str(height))


#: Dialog titles as their borders show them ("╭─ Publish a layer version ─…"), which no
#: footer or table cell reads like.
MISROUTED = ("─ Undo", "─ Publish", "─ Delete", "─ Repin", "─ Keep")


def nothing_opened(shown: str) -> bool:
    return not any(mark in shown for mark in MISROUTED)


def replay() -> None:
    wait_for(lambda s: "eu-west-1" in s and " ok " in s, "the demo's regions, scanned")
    # 1. "/eu" in one write on the regions screen: a filter, not undo.
    type_burst("/eu")
    shown = wait_for(lambda s: "filter eu" in s, "the filter reads eu")
    if not nothing_opened(shown) or "us-east-1" in shown:
        raise StepFailed("/eu filtered the regions and opened nothing", shown)
    key("Enter")
    # 2. Narrow the terminal, then into a region's layers and "/py" at once.
    resize(80, 24)
    key("Escape")
    wait_for(lambda s: "us-east-1" in s, "escape cleared the kept filter")
    key("Down")
    key("Enter")
    wait_for(lambda s: "layers" in s.lower() and "Layer" in s, "a region's layers")
    type_burst("/py")
    shown = wait_for(lambda s: "filter py" in s, "/py filtered the layers")
    if not nothing_opened(shown):
        raise StepFailed("/py opened nothing", shown)
    key("Escape")
    wait_for(lambda s: "filter py" not in s, "escape closed the filter")
    # 3. Wider; back to the regions, then p and a layer name in one write: the name field
    # holds it, whole. (Wait after escape: an escape and a letter in one read are alt+letter
    # to any terminal, not two keys.)
    resize(140, 40)
    key("Escape")
    wait_for(lambda s: s.split("\n")[1].startswith(" regions   ["), "back on the regions")
    type_burst("preplay-burst-name")
    shown = wait_for(lambda s: "replay-burst-name" in s, "the publish name field has the name")
    if "Publish" not in shown:
        raise StepFailed("the publish dialog is open", shown)
    key("Escape")
    wait_for(nothing_opened, "the publish dialog closed")
    # 4. Mid size; u with nothing to undo is a notification, not a dialog.
    resize(100, 30)
    key("u")
    wait_for(lambda s: "Nothing to undo" in s and nothing_opened(s),
             "u says there is nothing to undo")
    key("q")


def main() -> int:
    if shutil.which("tmux") is None:
        print("replay: tmux is not installed (apt-get install tmux)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="layer-tui-replay-") as home:
        env = " ".join(f"XDG_{kind}_HOME={shlex.quote(str(Path(home) / kind.lower()))}"
                       for kind in ("CACHE", "STATE", "DATA", "CONFIG"))
        command = (f"cd {shlex.quote(str(ROOT))} && env {env} AWS_ACCESS_KEY_ID=demo "
                   f"AWS_SECRET_ACCESS_KEY=demo {shlex.quote(sys.executable)} -m layer_tui "
                   "--demo --reset")
        tmux("new-session", "-d", "-s", SESSION, "-x", "140", "-y", "40", command)
        try:
            replay()
        except StepFailed as failed:
            print(f"replay: FAILED at: {failed.what}\n--- screen ---\n{failed.shown}",
                  file=sys.stderr)
            return 1
        finally:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    print("replay: every step as expected (bursts after /, p; resizes 140x40, 80x24, 100x30)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
