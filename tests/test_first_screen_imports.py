"""The first screen is painted before the code no first screen needs is imported.

Attack: starting the TUI on a slow bastion. The app's module imported every screen the app
can open, and with them the layer inspection, the change (repin, delete, undo) and journal
code and urllib3: a tenth of a second of processor time before the first paint (against a
0.5 s budget with the cache). Then the regions screen still imported the layers screen, and
with it the versions and consumers screens and every finding check behind their flags; and
the error module imported botocore for its exception classes: another 0.15 s. Promise:
importing the app loads none of them; each is imported when its screen or dialog first opens
(botocore with the first AWS call).
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Modules that only a screen opened later needs.
LATER = (
    "layer_tui.aws.inspection",
    "layer_tui.aws.contents",
    "layer_tui.aws.repin",
    "layer_tui.aws.operations",
    "layer_tui.aws.recovery",
    "layer_tui.aws.function_change",
    "layer_tui.ui.screens.contents",
    "layer_tui.ui.screens.function",
    "layer_tui.ui.screens.history",
    "layer_tui.ui.screens.functions",
    "layer_tui.ui.screens.layers",
    "layer_tui.ui.screens.versions",
    "layer_tui.ui.screens.consumers",
    "layer_tui.aws.checks",
    "botocore",
    "urllib3",
)


def test_the_app_imports_no_screen_it_opens_later() -> None:
    probe = ("import json, sys, layer_tui.ui.app; "
             f"print(json.dumps([m for m in {list(LATER)!r} if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == []


def test_each_is_there_once_its_screen_is_opened() -> None:
    """The oracle can fail: the modules named are real, and the screens bring them."""
    probe = ("import json, sys; import layer_tui.ui.screens.contents, "
             "layer_tui.ui.screens.function, layer_tui.ui.screens.history, "
             "layer_tui.ui.screens.functions, layer_tui.ui.screens.layers; "
             f"print(json.dumps([m for m in {list(LATER)!r} if m not in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == []
