"""``e``: the current table to CSV or JSON — its model rows, in the order shown.

What is written is what the rows were built from (the layer version, the function, the journal
call), with real strings: a screen shows control characters as escapes, a file must not lie
about them. JSON escapes them itself; CSV keeps them, but a cell that starts with ``=``, ``+``,
``-``, ``@`` (or a tab or carriage return) gets a leading ``'``, because a spreadsheet would run
it as a formula — and layer descriptions and journal lines are text someone else wrote.

The file goes into the current directory when it is writable (next to the user's work), else
into ``$XDG_DATA_HOME/layer-tui/exports``; it is created 0600 and never overwrites a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import platformdirs
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from layer_tui import clock
from layer_tui.aws.paths import APP_NAME
from layer_tui.safe_text import visible_line
from layer_tui.ui.host import Host
from layer_tui.ui.widgets import Column, ResourceTable, TableRow

Format = Literal["csv", "json"]
#: What a spreadsheet takes for the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    """A model field as data: scalars as they are, lists of names as lists, nested models as
    how many there are (a version's consumers, a layer's versions)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        if all(isinstance(v, str | int | float) for v in value):
            return list(value)
        return len(value)
    return str(value)


def row_record(row: TableRow, columns: Sequence[Column]) -> dict[str, Any]:
    """One row as data: its model's fields, or (no model) its cells by column with its key."""
    item = row.item
    if is_dataclass(item) and not isinstance(item, type):
        return {f.name: _plain(getattr(item, f.name)) for f in fields(item)}
    record: dict[str, Any] = {"key": row.key}
    record.update({column.key: cell.plain for column, cell in zip(columns, row.cells,
                                                                   strict=False)})
    return record


def guarded(cell: Any) -> str:
    """A CSV cell a spreadsheet shows as text, never evaluates."""
    if isinstance(cell, list):
        cell = " ".join(str(v) for v in cell)
    if cell is None:
        return ""
    if isinstance(cell, bool | int | float):
        return str(cell)
    value = str(cell)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def render_export(records: Sequence[dict[str, Any]], fmt: Format, title: str) -> str:
    if fmt == "json":
        document = {"table": title, "exported_at": clock.now().isoformat(), "rows": records}
        return json.dumps(document, indent=1, ensure_ascii=True) + "\n"
    header: list[str] = []
    for record in records:
        header += [name for name in record if name not in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([guarded(record.get(name)) for name in header])
    return out.getvalue()


def export_folder() -> Path:
    here = Path.cwd()
    if os.access(here, os.W_OK | os.X_OK):
        return here
    return Path(platformdirs.user_data_dir(APP_NAME)) / "exports"


def default_path(title: str, fmt: Format) -> Path:
    slug = "-".join("".join(c if c.isalnum() else "-" for c in title.lower()).split("-"))
    slug = "-".join(part for part in slug.split("-") if part)[:60] or "table"
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return export_folder() / f"layer-tui-{slug}-{stamp}.{fmt}"


class ExportRefused(Exception):
    """Why the file was not written (one line); nothing was."""


def write_export(path: Path, content: str) -> Path:
    """Create ``path`` (0600, never over an existing file) with ``content``; its full path."""
    path = path.expanduser()
    if not path.name or path.is_dir():
        raise ExportRefused(f"{path} is a folder; give a file name")
    if path.parent == Path(platformdirs.user_data_dir(APP_NAME)) / "exports":
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.parent.is_dir():
        raise ExportRefused(f"folder {path.parent} does not exist; create it or give another")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ExportRefused(f"{path} exists; give another name (nothing was written)") from None
    except OSError as exc:
        raise ExportRefused(f"cannot write {path}: {exc.strerror}; choose another folder") \
            from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(content)
    except OSError as exc:
        path.unlink(missing_ok=True)  # never leave half a file behind
        raise ExportRefused(f"writing {path} failed: {exc.strerror}; nothing was kept") from None
    return path.resolve()


class ExportDialog(ModalScreen[Path | None]):
    """Which format, and where; the file is written here, so a refusal stays in the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", id="export.apply"),
    ]
    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
        & > Vertical {
            width: 80; height: auto; padding: 1 2;
            border: round $primary; background: $surface;
        }
        & RadioSet { width: 100%; height: auto; layout: horizontal; }
        & #export-status { color: $text-error; height: auto; }
        & Horizontal { height: auto; align-horizontal: right; }
    }
    """

    def __init__(self, title: str, rows: Sequence[TableRow], columns: Sequence[Column]) -> None:
        super().__init__()
        self.table_title = title
        self.rows = tuple(rows)
        self.columns = tuple(columns)
        self.fmt: Format = "csv"
        self._default = default_path(title, "csv")

    def compose(self) -> ComposeResult:
        with Vertical() as frame:
            frame.border_title = f"Export {len(self.rows):,} rows"
            yield Label(visible_line(self.table_title))
            with RadioSet(id="export-format"):
                yield RadioButton("CSV", value=True, id="export-csv")
                yield RadioButton("JSON", id="export-json")
            yield Input(str(self._default), id="export-path")
            yield Label("", id="export-status")
            with Horizontal():
                yield Button("Cancel", id="export-cancel")
                yield Button("Export (ctrl+s)", variant="primary", id="export-apply")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#export-path", Input))

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        self.fmt = "json" if event.pressed.id == "export-json" else "csv"
        path_input = self.query_one("#export-path", Input)
        if path_input.value == str(self._default):  # untouched: follow the format
            self._default = self._default.with_suffix(f".{self.fmt}")
            path_input.value = str(self._default)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-apply")
    def _submitted(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        value = self.query_one("#export-path", Input).value.strip()
        status = self.query_one("#export-status", Label)
        if not value:
            status.update("give a file name to write")
            return
        records = [row_record(row, self.columns) for row in self.rows]
        try:
            written = write_export(Path(value), render_export(records, self.fmt,
                                                              self.table_title))
        except ExportRefused as refused:
            status.update(visible_line(str(refused)))
            return
        self.dismiss(written)


async def export(app: App[object], host: Host, table: ResourceTable | None,
                 crumbs: Sequence[str]) -> None:
    """``e`` on a screen: ask where, write the rows ``table`` shows, say how many."""
    if table is None:
        host.notify("nothing to export here: open a table first", title="Export")
        return
    rows = table.shown_rows
    if not rows:
        host.notify("the table is empty: nothing to export", title="Export")
        return
    title = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} ".join(crumbs)
    if table.filter_text:
        title += f" (filter {table.filter_text!r})"
    written = await app.push_screen_wait(ExportDialog(title, rows, table.columns))
    if written is not None:
        host.notify(f"exported {len(rows):,} rows to {written}", title="Export", timeout=10)


__all__ = ["ExportDialog", "export", "guarded", "render_export", "row_record",
           "write_export"]
