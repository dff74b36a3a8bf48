"""`P`: pull the selected function's /opt (or the selected layer version) into a folder.

Run by a screen's ``P`` (``screens/hosted.py``). A function (a row of the functions view or of
a version's consumers, or the function screen) pulls that configuration's layers in merge
order; a version row, or the contents of one, pulls that version. Pulling reads AWS and
writes only the local folder, so it works read-only too.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from layer_tui.ui.host import Host
from layer_tui.ui.selection import Selection, pull_of


def suggested_folder(name: str, cwd: Path | None = None) -> Path:
    """``./<name>-opt``, numbered when that is taken (the pull wants a new or empty folder)."""
    base = (cwd or Path.cwd()) / f"{name}-opt"
    candidate, number = base, 1
    while candidate.is_symlink() or (any(candidate.iterdir()) if candidate.is_dir()
                                     else candidate.exists()):
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


def pull(app: App[object], host: Host, selection: Selection) -> None:
    """Open the pull dialog on what ``selection`` has (``selection.pull_of``), or say what to
    select."""
    from layer_tui.ui.dialogs.pull import PullDialog

    found = pull_of(selection)
    if found is None:
        host.notify("Select a function or a layer version to pull (P).")
        return
    app.push_screen(PullDialog(host.operations, found.arn, found.label, found.region,
                               suggested_folder(found.folder)))
