"""The first screen imports what it draws, and the scan starts behind it (issue 17, part 3).

The promise: starting the TUI (``layer_tui.ui.launch``, which the CLI imports to run it) loads
no boto3, no botocore session or client machinery and no dialog it does not show, so the first
screen is painted before a fifth of a second of AWS SDK imports; the scan's worker (which needs
them) starts only once the app has refreshed after mounting its first screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import make_app, pilot_test
from waiting import wait_until

from layer_tui.ui.screens.regions import RegionsScreen

#: What the first screen never needs before its first paint: the SDK's sessions and clients
#: (the scan's worker imports them), and the dialogs that change AWS.
HEAVY = ("boto3", "botocore.session", "botocore.client", "botocore.credentials",
         "layer_tui.ui.dialogs.delete", "layer_tui.ui.dialogs.publish",
         "layer_tui.ui.dialogs.repin", "layer_tui.ui.dialogs.undo")


def test_starting_the_tui_imports_no_sdk_session_and_no_dialog() -> None:
    """Attack: one module-level ``import boto3`` (or one dialog imported for its mixin) anywhere
    under the app pulls the whole SDK in before the first screen. Promise: a fresh interpreter
    that imports what the CLI imports to start the TUI has none of ``HEAVY`` loaded."""
    probe = ("import json, sys\n"
             "import layer_tui.cli, layer_tui.ui.launch\n"
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    assert json.loads(done.stdout) == []


def test_dialogs_still_importable_by_name() -> None:
    """Attack: the dialogs package stops importing its modules eagerly and a caller's
    ``from layer_tui.ui.dialogs import UndoDialog`` breaks. Promise: every listed name still
    resolves (to the class in its module), and an unknown one is an AttributeError."""
    import layer_tui.ui.dialogs as dialogs
    from layer_tui.ui.dialogs.undo import UndoDialog

    assert dialogs.UndoDialog is UndoDialog
    for name in dialogs.__all__:
        assert isinstance(getattr(dialogs, name), type)
    with pytest.raises(AttributeError):
        _ = dialogs.NoSuchDialog


@pilot_test
async def test_scan_starts_after_the_first_screen_is_mounted() -> None:
    """Attack: ``on_mount`` starts the scan's worker at once, so the SDK imports, the session
    and the cache load share the interpreter with drawing the first screen. Promise: when the
    scan is asked for, the first screen is already mounted (its first frame follows at once),
    and the scan still runs: the regions fill in."""
    app = make_app()
    start_scan = app.start_scan
    mounted_when_asked: list[bool] = []

    def observed(regions: Any = None) -> None:
        screen = app.screen
        mounted_when_asked.append(isinstance(screen, RegionsScreen) and screen.is_mounted)
        start_scan(regions)

    app.start_scan = observed
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: mounted_when_asked, "the scan to be asked for")
        await wait_until(pilot, lambda: app.inventory is not None, "the scan's inventory")
    assert mounted_when_asked == [True]


def test_demo_starts_its_sandbox_package_behind_the_first_screen(tmp_path: Path) -> None:
    """Attack: ``--demo`` imports the sandbox package (moto, Flask, boto3: half a second of
    processor time) before the app runs, so the first screen waits for it although the
    sandbox itself starts in the scan's worker. Promise: when ``run_tui`` hands over to the
    app in ``--demo``, neither moto nor the sandbox's server has been imported."""
    probe = ("import json, sys\n"
             "import layer_tui.ui.launch as launch\n"
             "from layer_tui.aws import paths\n"
             "from layer_tui.aws.session import SessionConfig\n"
             "def run(app): print(json.dumps([m for m in ('moto', 'flask',\n"
             "    'layer_tui.sandbox.server') if m in sys.modules]))\n"
             "launch.LayerTuiApp.run = run\n"
             "paths.use_demo_state()\n"
             "launch.run_tui(SessionConfig(demo=True))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120, env=env)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
