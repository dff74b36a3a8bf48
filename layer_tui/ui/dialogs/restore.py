"""Restoring a deleted layer version from its backup: published again, under a new number.

AWS never reuses a version number, so a restore cannot bring back the ARN functions listed;
the dialog says so before anything happens. The backup is verified first (``aws.restore``);
a backup restored before asks once more before it publishes another copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, ProgressBar, Static

from layer_tui.aws.backup_listing import BackupListing, list_backup_folders
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.restore import AlreadyRestored, RestoreResult, restore_backup
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine, styles_of
from layer_tui.ui.formatting import short_sha, size
from layer_tui.ui.widgets.measured_table import MeasuredTable
from layer_tui.ui.workers import in_thread


class RestoreDialog(OperationDialog):
    """Pick a backup and publish it again; True once a version was restored."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "restore", "Restore", priority=True, id="restore.apply"),
    ]

    def __init__(self, ops: LayerOperations) -> None:
        super().__init__(ops)
        self.backups: dict[str, BackupListing] = {}
        #: The backup folder whose earlier restore was shown and a second ctrl+s confirms.
        self.again_for: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = "Restore a deleted layer version"
            yield Static(Content.styled(
                "A restore publishes the backed-up zip and settings as a NEW version: the "
                "version number will change (AWS never reuses one), so functions that listed "
                "the old ARN must be repinned to the new one.", "$text-warning"))
            table: DataTable[Text] = MeasuredTable(id="backups", cursor_type="row",
                                                   zebra_stripes=True)
            table.add_column("Backup of", key="label")
            table.add_column("Region", key="region")
            table.add_column("Size", key="size")
            table.add_column("SHA-256", key="sha")
            table.add_column("Restored as", key="restored")
            yield table
            with Vertical(classes="outcome"):
                yield ProgressBar(show_eta=False, classes="-idle", id="progress")
                yield StatusLine(id="status")
                with Horizontal(classes="buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button("Restore (ctrl+s)", variant="primary", id="restore", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#backups", DataTable).focus()
        self.load_backups()

    @in_thread("list", exclusive=True)
    def load_backups(self) -> list[BackupListing]:
        return list_backup_folders(self.ops.backups, self.ops.session.account_id())

    def _show_backups(self, records: list[BackupListing]) -> None:
        table = self.query_one("#backups", DataTable)
        table.clear()
        styles = styles_of(self)
        self.backups = {str(r.folder): r for r in records}
        for record in records:
            restored = ", ".join(r.label for r in record.restores)
            # A folder restore would refuse says so in its row (and why, when highlighted).
            last = (Text("refused: damaged or not a backup", style=styles.error)
                    if record.problem else
                    Text(restored or "-", style=styles.warning if restored else ""))
            table.add_row(Text(record.label, style="bold"),
                          Text(record.region),
                          Text(size(record.code_size), justify="right"),
                          Text(short_sha(record.code_sha256), style=styles.muted),
                          last,
                          key=str(record.folder))
        self.query_one("#restore", Button).disabled = not records
        if not records:
            self.say(f"no backups of account {self.ops.session.account_id()} yet; "
                     "deleting a version makes one", "warning")

    def selected(self) -> BackupListing | None:
        table = self.query_one("#backups", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self.backups.get(str(key.value))

    @on(DataTable.RowSelected, "#backups")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_restore()

    @on(Button.Pressed, "#restore")
    def _restore_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_restore()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(DataTable.RowHighlighted, "#backups")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.again_for is not None and str(event.row_key.value) != self.again_for:
            self.again_for = None  # the question was about another backup
            self.say("")
        record = self.backups.get(str(event.row_key.value))
        if record is not None and record.problem:
            self.say(f"{record.label}: {record.problem}; restore will refuse it", "error")

    def action_restore(self) -> None:
        record = self.selected()
        if self.busy or record is None:
            return
        folder = str(record.folder)
        again = self.again_for == folder
        if record.restores and not again:
            self._ask_again(AlreadyRestored(record.label, record.restores), folder)
            return
        self.busy = True
        self.query_one("#restore", Button).disabled = True
        self.query_one("#progress", ProgressBar).remove_class("-idle")
        self.say(f"verifying and publishing {record.label} again\N{HORIZONTAL ELLIPSIS}")
        self.restore(record.folder, again)

    def _ask_again(self, earlier: AlreadyRestored, folder: str) -> None:
        last = earlier.previous[-1]
        when = f" on {last.restored_at}" if last.restored_at else ""
        self.again_for = folder
        self.say(f"{earlier.label} was already restored as {last.label}{when}; restore it "
                 "again? ctrl+s publishes one more copy, escape keeps what there is", "warning")

    @in_thread("restore", exclusive=True)
    def restore(self, folder: Path, again: bool) -> RestoreResult | tuple[AlreadyRestored, str]:
        try:
            return restore_backup(self.ops, folder, again=again)
        except AlreadyRestored as earlier:  # a copy on AWS that restored.json does not know
            return earlier, str(folder)

    def worker_done(self, group: str, result: object) -> None:
        if group == "list":
            self._show_backups(result)  # type: ignore[arg-type]
            return
        self.query_one("#progress", ProgressBar).add_class("-idle")
        self.query_one("#restore", Button).disabled = False
        if isinstance(result, tuple):
            self._ask_again(*result)
            return
        assert isinstance(result, RestoreResult)
        self.changed = True
        self.again_for = None
        self.say(f"restored {result.source.label} as {result.label} ({result.arn})", "success")
        self.load_backups()

    def worker_failed(self, group: str, message: str) -> None:
        super().worker_failed(group, message)
        self.query_one("#progress", ProgressBar).add_class("-idle")
        self.query_one("#restore", Button).disabled = not self.backups
