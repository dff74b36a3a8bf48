"""Where layer-tui keeps things (PRODUCT.md, "Where it keeps things"), via platformdirs.

``--demo`` keeps its own: journal, backups, inventory cache and the sandbox's tape of changes
all live in one folder of the demo's (``$XDG_STATE_HOME/layer-tui/demo``), apart from any real
account's, so a demo session never writes a line into a real journal and ``--demo --reset``
can throw the demo's state away in one go.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import platformdirs

APP_NAME = "layer-tui"
#: Every folder layer-tui makes for its state, cache and backups, and every file in them.
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600

_demo_state = False


def use_demo_state(on: bool = True) -> None:
    """From now on, every path below is the demo's (the CLI calls this for ``--demo``)."""
    global _demo_state
    _demo_state = on


def demo_root() -> Path:
    """``$XDG_STATE_HOME/layer-tui/demo``: everything ``--demo`` keeps between runs."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "demo"


def demo_tape_path() -> Path:
    """The changes the demo sandbox accepted, replayed on its next start (``sandbox.tape``)."""
    return demo_root() / "sandbox-tape.jsonl"


def reset_demo_state() -> bool:
    """Forget everything the demo kept; whether there was anything to forget."""
    root = demo_root()
    existed = root.exists()
    shutil.rmtree(root, ignore_errors=True)
    return existed


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/layer-tui``: inventory snapshots."""
    if _demo_state:
        return demo_root() / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME))


def journal_path() -> Path:
    """``$XDG_STATE_HOME/layer-tui/journal.jsonl``: every mutating call, before and after."""
    if _demo_state:
        return demo_root() / "journal.jsonl"
    return Path(platformdirs.user_state_dir(APP_NAME)) / "journal.jsonl"


def backups_root() -> Path:
    """``$XDG_DATA_HOME/layer-tui/backups``: what was deleted, verified."""
    if _demo_state:
        return demo_root() / "backups"
    return Path(platformdirs.user_data_dir(APP_NAME)) / "backups"


def private_folder(root: Path, folder: Path) -> None:
    """Make ``folder`` (inside ``root``) and every level between them 0700, ``root`` too.

    ``mkdir(parents=True)`` gives the parents the umask's mode (often 0755), so each level is
    made and tightened here; levels above ``root`` are tightened only when made here.
    """
    missing = [p for p in (root, *root.parents) if not p.exists()]
    for level in reversed(missing):
        level.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        level.chmod(PRIVATE_DIR)
    root.chmod(PRIVATE_DIR)
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        current.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        current.chmod(PRIVATE_DIR)
