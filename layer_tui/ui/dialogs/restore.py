"""Restoring a deleted layer version from its backup: published again, under a new number.

AWS never reuses a version number, so a restore cannot bring back the ARN functions listed;
the dialog says so before anything happens.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, ProgressBar, Static

from layer_tui.aws.backups import BackupRecord, list_backups
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.publishing import prepare_archive, publish_layer_version, restore_request
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine, styles_of, version_label
from layer_tui.ui.formatting import short_sha, size
from layer_tui.ui.workers import in_thread


class RestoreDialog(OperationDialog):
    """Pick a backup and publish it again; True once a version was restored."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "restore", "Restore", priority=True, id="restore.apply"),
    ]

    def __init__(self, ops: LayerOperations) -> None:
        super().__init__(ops)
        self.backups: dict[str, BackupRecord] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = "Restore a deleted layer version"
            yield Static(Content.styled(
                "A restore publishes the backed-up zip and settings as a NEW version: the "
                "version number will change (AWS never reuses one), so functions that listed "
                "the old ARN must be repinned to the new one.", "$text-warning"))
            table: DataTable[Text] = DataTable(id="backups", cursor_type="row", zebra_stripes=True)
            table.add_column("Backup of", key="label")
            table.add_column("Region", key="region")
            table.add_column("Size", key="size")
            table.add_column("SHA-256", key="sha")
            yield table
            yield ProgressBar(show_eta=False, classes="-idle", id="progress")
            yield StatusLine(id="status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Restore (ctrl+s)", variant="primary", id="restore", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#backups", DataTable).focus()
        self.load_backups()

    @in_thread("list", exclusive=True)
    def load_backups(self) -> list[BackupRecord]:
        return list_backups(self.ops.backups, self.ops.session.account_id())

    def _show_backups(self, records: list[BackupRecord]) -> None:
        table = self.query_one("#backups", DataTable)
        styles = styles_of(self)
        self.backups = {r.arn: r for r in records}
        for record in records:
            table.add_row(Text(version_label(record.arn), style="bold"),
                          Text(record.arn.split(":")[3]),
                          Text(size(record.code_size), justify="right"),
                          Text(short_sha(record.code_sha256), style=styles.muted),
                          key=record.arn)
        self.query_one("#restore", Button).disabled = not records
        if not records:
            self.say(f"no backups of account {self.ops.session.account_id()} yet; "
                     "deleting a version makes one", "warning")

    def selected(self) -> BackupRecord | None:
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

    def action_restore(self) -> None:
        record = self.selected()
        if self.busy or record is None:
            return
        self.busy = True
        self.query_one("#restore", Button).disabled = True
        self.query_one("#progress", ProgressBar).remove_class("-idle")
        self.say(f"publishing {version_label(record.arn)} again\N{HORIZONTAL ELLIPSIS}")
        self.restore(record)

    @in_thread("restore", exclusive=True)
    def restore(self, record: BackupRecord) -> tuple[str, dict[str, Any]]:
        prepared = prepare_archive(record.zip_path)  # a .zip: nothing temporary to discard
        request = restore_request(record.metadata(), record.zip_path)
        return record.arn, publish_layer_version(self.ops, request, prepared)

    def worker_done(self, group: str, result: object) -> None:
        if group == "list":
            self._show_backups(result)  # type: ignore[arg-type]
            return
        old, response = result  # type: ignore[misc]
        self.changed = True
        self.query_one("#progress", ProgressBar).add_class("-idle")
        self.query_one("#restore", Button).disabled = False
        self.say(f"restored {version_label(old)} as {version_label(response['LayerVersionArn'])}"
                 f" ({response['LayerVersionArn']})", "success")

    def worker_failed(self, group: str, message: str) -> None:
        super().worker_failed(group, message)
        self.query_one("#progress", ProgressBar).add_class("-idle")
        self.query_one("#restore", Button).disabled = not self.backups
