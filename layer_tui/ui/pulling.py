"""`P`: pull the selected function's /opt (or the selected layer version) into a folder.

Mixed into the App. A function row (the functions view, a version's consumers) pulls that
configuration's layers in merge order; a version row, or the contents of one, pulls that
version. Pulling reads AWS and writes only the local folder, so it works read-only too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layer_tui.aws.models import FunctionRef, LayerVersion


def suggested_folder(name: str, cwd: Path | None = None) -> Path:
    """``./<name>-opt``, numbered when that is taken (the pull wants a new or empty folder)."""
    base = (cwd or Path.cwd()) / f"{name}-opt"
    candidate, number = base, 1
    while candidate.is_symlink() or (any(candidate.iterdir()) if candidate.is_dir()
                                     else candidate.exists()):
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


def selected_pull(screen: Any) -> tuple[str, str, str, str] | None:
    """(ARN, label, region, folder name) of what ``P`` pulls on ``screen``, if anything."""
    table = getattr(screen, "table", None)
    row = table.selected_row if table is not None else None
    item = row.item if row is not None else None
    if isinstance(item, tuple):  # a consumers row: (function, version)
        item = next((part for part in item if isinstance(part, FunctionRef)), None)
    if isinstance(item, FunctionRef):
        folder = item.function if item.version == "$LATEST" else (
            f"{item.function}-{item.version}")
        return item.qualified_arn, item.label, item.region, folder
    if isinstance(item, LayerVersion):
        return item.arn, f"{item.layer_name}:{item.version}", item.region, (
            f"{item.layer_name}-{item.version}")
    arn = getattr(screen, "version_arn", None)
    if isinstance(arn, str) and arn.count(":") == 7:
        parts = arn.split(":")
        return arn, f"{parts[6]}:{parts[7]}", parts[3], f"{parts[6]}-{parts[7]}"
    return None


class PullActions:
    """Mixin for ``LayerTuiApp``: the action behind ``P``."""

    # Provided by the App this is mixed into.
    screen: Any
    notify: Any
    push_screen: Any
    operations: Any

    def action_pull(self) -> None:
        from layer_tui.ui.dialogs.pull import PullDialog

        found = selected_pull(self.screen)
        if found is None:
            self.notify("Select a function or a layer version to pull (P).")
            return
        arn, label, region, name = found
        self.push_screen(PullDialog(self.operations, arn, label, region, suggested_folder(name)))
