"""House rules that CI enforces: the Quickstart is what CI runs, the layers' import contracts
hold (lint-imports), the headless commands load without textual, and the code passes ruff and
mypy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Quickstart has no sh code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_is_two_commands_and_ci_runs_the_second_verbatim() -> None:
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[0].endswith("layer-tui --demo")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci_lines


#: import-linter's command, beside the interpreter running the tests (the venv's bin).
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with this project's contracts on the ``layer_tui`` found under ``root``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_the_layers_import_contracts_are_kept() -> None:
    """The core never imports textual or the UI; widgets and dialogs never import screens or
    the app; screens never import the app ([tool.importlinter] in pyproject.toml). That a
    breach fails this is shown in test_layer_contracts.py."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: [3-9] kept, 0 broken", result.stdout), result.stdout


def test_the_headless_commands_load_without_textual() -> None:
    """What lint-imports cannot see: the CLI imports the UI only inside the command that runs
    it, so ``layer-tui inventory`` (and every core module) loads without textual at all."""
    code = (
        "import sys, pkgutil, importlib, layer_tui.aws, layer_tui.sandbox\n"
        "for pkg in (layer_tui.aws, layer_tui.sandbox):\n"
        "    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(mod.name)\n"
        "import layer_tui.cli\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len([m for m in sys.modules if m.startswith('layer_tui.')]))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5  # the walk really imported the core modules


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "layer_tui", "tests"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_core() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_grows_past_the_limit() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "layer_tui").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not too_long, too_long
