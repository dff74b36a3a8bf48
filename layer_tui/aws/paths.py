"""Where layer-tui keeps things (PRODUCT.md, "Where it keeps things"), via platformdirs."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "layer-tui"


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/layer-tui``: inventory snapshots."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def journal_path() -> Path:
    """``$XDG_STATE_HOME/layer-tui/journal.jsonl``: every mutating call, before and after."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "journal.jsonl"


def backups_root() -> Path:
    """``$XDG_DATA_HOME/layer-tui/backups``: what was deleted, verified."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "backups"
