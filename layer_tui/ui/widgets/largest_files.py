"""The biggest files of a layer version, biggest first, paths cut from the left to fit."""

from __future__ import annotations

from collections.abc import Sequence

from layer_tui.aws.zipformat import ZipEntry
from layer_tui.safe_text import visible_line
from layer_tui.ui.formatting import text
from layer_tui.ui.widgets.resource_table import ResourceTable
from layer_tui.ui.widgets.size_bar import compact_size_cell
from layer_tui.ui.widgets.table_model import Column, TableRow

LARGEST_COLUMNS = (
    Column("path", "Largest files", max_width=72, keep=True),
    Column("size", "Unzipped", justify="right"),
    Column("zipped", "Zipped", justify="right"),
)
#: Two size columns of at most 10 cells, 2 cells of padding per column, a scrollbar.
_OTHER_COLUMNS = 2 * 10 + 3 * 2 + 1


def short_path(path: str, width: int) -> str:
    """The end of a long path matters most: ``…/numpy/core/_multiarray.so``."""
    return path if len(path) <= width else "\N{HORIZONTAL ELLIPSIS}" + path[-(width - 1) :]


class LargestFilesTable(ResourceTable):
    """Rows keyed by path; the paths are re-cut whenever the table's width changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(LARGEST_COLUMNS, empty_text="no files", id=id)
        self._entries: tuple[ZipEntry, ...] = ()
        self._cut_for = -1

    def on_mount(self) -> None:
        # Biggest first: the point of this table.
        self.set_reactive(ResourceTable.sort_column, 1)
        self.set_reactive(ResourceTable.sort_reverse, True)
        self.set_rows([])

    def show_entries(self, entries: Sequence[ZipEntry]) -> None:
        self._entries = tuple(entries)
        self._cut_for = -1
        self._fill()

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        width = self.scrollable_content_region.width
        if width == self._cut_for:
            return
        self._cut_for = width
        room = max(16, width - _OTHER_COLUMNS)
        self.set_rows([self._row(entry, room) for entry in self._entries])

    @staticmethod
    def _row(entry: ZipEntry, room: int) -> TableRow:
        cells = [
            # Escaped before it is cut, so the cut fits what is shown.
            text(short_path(visible_line(entry.path), room)),
            compact_size_cell(entry.size),
            compact_size_cell(entry.compressed_size),
        ]
        sort_values = [entry.path, entry.size, entry.compressed_size]
        return TableRow.build(entry.path, cells, sort_values, item=entry)


__all__ = ["LARGEST_COLUMNS", "LargestFilesTable", "short_path"]
