"""Modal dialogs that change AWS: delete, publish/restore, repin, undo.

Each dismisses with ``True`` when something in AWS changed, so the caller refreshes.

The names below are looked up on first use, not imported with the package: importing one
dialog module (a key's flow in ``ui/changes.py`` imports the one it opens) would otherwise load
every dialog and, through their checks, boto3 — a third of a second before the first screen.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layer_tui.ui.dialogs.delete import DeleteVersionDialog
    from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog
    from layer_tui.ui.dialogs.publish import PublishDialog, RestoreDialog
    from layer_tui.ui.dialogs.repin import RepinDialog
    from layer_tui.ui.dialogs.undo import UndoDialog

_MODULES = {
    "DeleteVersionDialog": "delete",
    "KeepNewestDialog": "keep_newest",
    "PublishDialog": "publish",
    "RestoreDialog": "publish",
    "RepinDialog": "repin",
    "UndoDialog": "undo",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)


__all__ = [
    "DeleteVersionDialog",
    "KeepNewestDialog",
    "PublishDialog",
    "RepinDialog",
    "RestoreDialog",
    "UndoDialog",
]
