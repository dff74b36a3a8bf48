"""Pulling a function's /opt (or one layer version) into a folder, to run the function locally.

Asks for the folder (new or empty), shows the download's progress, and ends with the one
command that runs the function in its AWS base image against the folder. The pull itself is
``aws.pull``: nothing is left in the folder if it fails or escape stops it. Pulling changes
nothing in AWS, so it is there in --read-only too.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, ProgressBar, Static

from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.pull import (
    PullFailed,
    PullProgress,
    PullRefused,
    PullResult,
    pull,
    resolve_target,
)
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine
from layer_tui.ui.workers import in_thread


class PullDialog(OperationDialog):
    """Ask for a folder and pull into it; dismisses with False (AWS is never changed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "pull", "Pull", priority=True, id="pull.apply"),
    ]

    def __init__(self, ops: LayerOperations, arn: str, label: str, region: str,
                 suggested: Path) -> None:
        super().__init__(ops)
        self.arn = arn
        self.pull_label = label
        self.pull_region = region
        self.suggested = suggested
        self.sizes: dict[str, int] = {}
        self.received: dict[str, int] = {}
        #: The run command, once the pull succeeded.
        self.command: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = f"Pull {self.pull_label} to run it locally"
            what = ("its layers, merged into one folder in the order Lambda merges them into "
                    "/opt (a later layer wins)" if ":function:" in self.arn
                    else "this layer version, unpacked as Lambda unpacks it into /opt")
            yield Static(Content(f"Downloads {what}; each version is checked against its "
                                 "CodeSha256 and cached by it."), classes="muted")
            yield Static(Content("Folder (new or empty)"), classes="field-label")
            yield Input(str(self.suggested), id="folder")
            with Vertical(classes="outcome"):
                yield ProgressBar(id="progress", show_eta=False, classes="-idle")
                yield StatusLine(id="status")
                with Horizontal(classes="buttons"):
                    yield Button("Copy command", id="copy", disabled=True)
                    yield Button("Close", id="close")
                    yield Button("Pull (ctrl+s)", id="pull", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        if self.command:
            self.app.copy_to_clipboard(self.command)
            self.notify("The run command went to your terminal's clipboard (OSC 52).")

    @on(Input.Submitted, "#folder")
    @on(Button.Pressed, "#pull")
    def action_pull(self) -> None:
        if self.busy:
            return
        folder = self.query_one("#folder", Input).value.strip()
        if not folder:
            self.say("type the folder to pull into (new or empty)", "error")
            return
        self.busy = True
        self.cancel_requested.clear()
        self.sizes.clear()
        self.received.clear()
        self.query_one("#pull", Button).disabled = True
        self.query_one("#progress", ProgressBar).remove_class("-idle")
        self.say(f"reading {self.pull_label}\N{HORIZONTAL ELLIPSIS}")
        self._run(Path(folder).expanduser())

    @in_thread("pull", exclusive=True)
    def _run(self, folder: Path) -> PullResult | str:
        session = self.ops.session
        try:
            target = resolve_target(session, self.arn, lambda: [self.pull_region])
            return pull(session, target, folder, cancel=self.cancel_requested,
                        progress=lambda event: self.app.call_from_thread(self._progress, event))
        except (PullRefused, PullFailed) as exc:
            return str(exc)

    def _progress(self, event: PullProgress) -> None:
        bar = self.query_one("#progress", ProgressBar)
        if event.stage == "resolved":
            self.sizes[event.arn] = event.total
            bar.update(total=max(1, sum(self.sizes.values())), progress=0)
        elif event.stage in ("downloading", "cached", "downloaded"):
            self.received[event.arn] = event.received
            bar.update(progress=sum(self.received.values()))
            verb = "from the cache" if event.stage == "cached" else "downloading"
            self.say(f"{event.label}: {verb} ({event.received:,} of {event.total:,} bytes)")
        elif event.stage == "extracting":
            self.say("extracting in merge order\N{HORIZONTAL ELLIPSIS}")

    def worker_done(self, group: str, result: object) -> None:
        self.query_one("#pull", Button).disabled = False
        if isinstance(result, str):
            self.say(result, "error")
            return
        assert isinstance(result, PullResult)
        self.command = result.run.command
        self.query_one("#copy", Button).disabled = False
        merge = result.merge
        fetched = ("nothing downloaded (all from the cache)" if not result.downloaded
                   else f"{result.downloaded:,} bytes downloaded")
        lines = [f"pulled into {result.folder}: {merge.files:,} files, {merge.links:,} "
                 f"symlinks, {merge.overwritten:,} paths replaced by later layers; {fetched}",
                 "run it with:", result.run.command, *result.run.notes]
        self.say("\n".join(lines), "success")

    def worker_failed(self, group: str, message: str) -> None:
        self.query_one("#pull", Button).disabled = False
        super().worker_failed(group, message)
