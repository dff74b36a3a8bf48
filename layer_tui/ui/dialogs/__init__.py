"""Modal dialogs that change AWS: delete, publish/restore, repin, undo.

Each dismisses with ``True`` when something in AWS changed, so the caller refreshes.
"""

from layer_tui.ui.dialogs.delete import DeleteVersionDialog
from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog
from layer_tui.ui.dialogs.publish import PublishDialog, RestoreDialog
from layer_tui.ui.dialogs.repin import RepinDialog
from layer_tui.ui.dialogs.undo import UndoDialog

__all__ = [
    "DeleteVersionDialog",
    "KeepNewestDialog",
    "PublishDialog",
    "RepinDialog",
    "RestoreDialog",
    "UndoDialog",
]
