"""The layers' import contracts catch a breach (the suite runs them in test_project.py).

Attack: a copy of the package in which one module crosses a layer — the core imports textual
or the UI (directly, or through a module that does), a widget or a dialog imports a screen or
the app, a screen imports the app. Promise: lint-imports, with this project's configuration,
fails, names the contract broken and the module that broke it; the unbroken copy passes (so
the failure is the breach's).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_project import ROOT, lint_imports

CORE = "The core never imports textual or the UI"
PARTS = "Widgets and dialogs never import screens or the app"
SCREENS = "Screens never import the app"

BREACHES = [
    ("layer_tui/clock.py", "import textual.app", CORE),
    ("layer_tui/aws/models.py", "from layer_tui.ui import formatting", CORE),
    ("layer_tui/sandbox/stats.py", "import layer_tui.ui.widgets.size_bar", CORE),
    # Indirect: the CLI opens the UI (inside a function), so the core may not lean on it.
    ("layer_tui/safe_text.py", "import layer_tui.cli", CORE),
    ("layer_tui/ui/widgets/size_bar.py", "from layer_tui.ui.screens import layers", PARTS),
    ("layer_tui/ui/dialogs/restore.py", "import layer_tui.ui.app", PARTS),
    ("layer_tui/ui/screens/help.py", "from layer_tui.ui.app import LayerTuiApp", SCREENS),
]


@pytest.fixture(scope="module")
def copy_of_the_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("contracts")
    shutil.copytree(ROOT / "layer_tui", root / "layer_tui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_unbroken_copy_keeps_every_contract(copy_of_the_package: Path) -> None:
    result = lint_imports(copy_of_the_package)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("path", "line", "contract"), BREACHES,
                         ids=[f"{path}:{line}" for path, line, _ in BREACHES])
def test_a_breach_fails_naming_the_contract(
    copy_of_the_package: Path, path: str, line: str, contract: str
) -> None:
    module = copy_of_the_package / path
    kept = module.read_text(encoding="utf-8")
    try:
        module.write_text(kept + f"\n{line}  # the breach\n", encoding="utf-8")
        result = lint_imports(copy_of_the_package)
    finally:
        module.write_text(kept, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    assert f"{contract} BROKEN" in result.stdout, result.stdout
    assert path.removesuffix(".py").replace("/", ".") in result.stdout
