"""A virtual table of domain rows keyed by ARN, filtered and sorted on the models.

Screens hand over every row once (``set_rows``); filtering and sorting work on the rows'
precomputed sort values and lower-cased text, never by reading cells back, and only the lines
on screen are ever rendered. Textual's DataTable measures every cell of every row it is given,
which costs seconds at 20,000 rows.
At 100,000 rows a filter keystroke sorts nothing (``RowOrder``; benchmarks/ui_filter.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from layer_tui import clock
from layer_tui.ui.widgets.table_model import (
    Column,
    RowOrder,
    TableRow,
    column_at,
    fit_layout,
    natural_widths,
    scrolled,
)
from layer_tui.ui.widgets.table_strips import (
    RowStrips,
    empty_words,
    header_text,
    sort_arrow,
    text_strip,
)


class ResourceTable(ScrollView, can_focus=True):
    """The table every browsing screen shows: a header line, then one line per row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--even-row",
        "resource-table--empty",
    }

    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        scrollbar-size-vertical: 1;
        & > .resource-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .resource-table--even-row {
            background: $surface-lighten-1 40%;
        }
        & > .resource-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .resource-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .resource-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_row", "Open", id="table.open"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page-down"),
        Binding("home", "first_row", "First row", show=False, id="table.first"),
        Binding("end", "last_row", "Last row", show=False, id="table.last"),
        Binding("s", "cycle_sort", "Sort", id="table.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="table.reverse"),
    ]

    cursor_row: reactive[int] = reactive(0, init=False)
    """Index of the highlighted row among the shown rows."""
    filter_text: reactive[str] = reactive("", init=False)
    """Case-insensitive substring every shown row contains in some column."""
    sort_column: reactive[int] = reactive(0, init=False)
    """Index of the column rows are sorted by."""
    sort_reverse: reactive[bool] = reactive(False, init=False)
    """Sort descending instead of ascending."""

    @dataclass
    class Changed(Message):
        """The shown rows changed (filter, sort or data): for counters."""

        table: ResourceTable
        shown: int
        total: int

        @property
        def control(self) -> ResourceTable:
            return self.table

    @dataclass
    class Highlighted(Message):
        """The cursor is on another row (or on none)."""

        table: ResourceTable
        row: TableRow | None

        @property
        def control(self) -> ResourceTable:
            return self.table

    @dataclass
    class Selected(Message):
        """Enter (or a double click) on a row: open it."""

        table: ResourceTable
        row: TableRow

        @property
        def control(self) -> ResourceTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        empty_text: str = "nothing here",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.empty_text = empty_text
        #: Whether enter opens a row here; "Open" leaves the footer and help when not.
        self.can_open = True
        self._columns: tuple[Column, ...] = tuple(columns)
        self._natural = natural_widths(self._columns, ())
        self._widths: tuple[int, ...] = ()
        self._all_rows: list[TableRow] = []
        self._order = RowOrder()
        self._view: list[TableRow] = []
        self._lines = RowStrips()
        self._highlighted: TableRow | None = None
        #: Cells taken by the columns that stay put when scrolling sideways.
        self._fixed = 0

    def on_mount(self) -> None:
        # Age cells ("3 minutes ago") are redrawn on the one clock's tick, with the header.
        self.set_interval(clock.TICK_SECONDS, self.redraw_ages)

    def redraw_ages(self) -> None:
        self._lines.clear()
        self.refresh()

    # -- what screens use -------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def shown_rows(self) -> list[TableRow]:
        return self._view

    @property
    def total_rows(self) -> int:
        return len(self._all_rows)

    @property
    def selected_row(self) -> TableRow | None:
        return self._view[self.cursor_row] if 0 <= self.cursor_row < len(self._view) else None

    @property
    def selected_key(self) -> str | None:
        row = self.selected_row
        return row.key if row else None

    @property
    def sort_label(self) -> str:
        if not self._columns:
            return ""
        return f"{self._columns[self.sort_column].label} {sort_arrow(self.sort_reverse)}"

    def set_columns(self, columns: Sequence[Column]) -> None:
        """New columns; the rows go (they no longer fit) until ``set_rows``."""
        self._columns = tuple(columns)
        self._all_rows = []
        self._order = RowOrder()
        if self.sort_column >= len(self._columns):
            self.set_reactive(ResourceTable.sort_column, 0)
        self._measure()
        self._rebuild(self.selected_key)

    def set_rows(
        self,
        rows: Sequence[TableRow],
        *,
        select: str | None = None,
        natural: tuple[int, ...] | None = None,
        sorted_by: tuple[int, bool] | None = None,
    ) -> None:
        """Replace every row; the selected ARN (or ``select``) stays selected if still there.

        ``natural`` is ``natural_widths(columns, rows)`` when the caller measured the rows
        already (off the UI thread, for large tables); ``sorted_by`` the (column, reversed)
        the caller sorted ``rows`` by (``sorted_rows``), used when the table still sorts so.
        """
        wanted = select or self.selected_key
        self._all_rows = list(rows)
        self._order = RowOrder(self._all_rows, sorted_by)
        if natural is None:
            self._measure()
        else:
            self._natural = natural
            self._fit()
        self._rebuild(wanted)

    def select_key(self, key: str) -> bool:
        index = next((i for i, row in enumerate(self._view) if row.key == key), None)
        if index is None:
            return False
        self.cursor_row = index
        return True

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_row":
            return (self.selected_row is not None or None) if self.can_open else False
        return True

    def action_cursor_up(self) -> None:
        self.cursor_row = max(0, self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.cursor_row = min(len(self._view) - 1, self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.cursor_row = max(0, self.cursor_row - self._page_height)

    def action_page_down(self) -> None:
        self.cursor_row = min(len(self._view) - 1, self.cursor_row + self._page_height)

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = len(self._view) - 1

    def action_select_row(self) -> None:
        if (row := self.selected_row) is not None:
            self.post_message(self.Selected(self, row))

    def action_cycle_sort(self) -> None:
        if self._columns:
            self.sort_column = (self.sort_column + 1) % len(self._columns)

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse

    # -- reactives --------------------------------------------------------------------------

    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, len(self._view) - 1)) if self._view else 0

    def watch_cursor_row(self) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlighted()

    def watch_filter_text(self) -> None:
        self._rebuild(self.selected_key)

    def watch_sort_column(self) -> None:
        self._rebuild(self.selected_key)

    def watch_sort_reverse(self) -> None:
        self._rebuild(self.selected_key)

    # -- building the view ------------------------------------------------------------------

    def _measure(self) -> None:
        self._natural = natural_widths(self._columns, self._all_rows)
        self._fit()

    def _fit(self) -> None:
        available = self.scrollable_content_region.width
        self._widths, self._fixed, virtual = fit_layout(self._natural, self._columns, available)
        self._lines.clear()
        self.virtual_size = Size(virtual, len(self._view) + 1)

    def _rebuild(self, wanted: str | None) -> None:
        self._view = (
            self._order.view(self._all_rows, self.filter_text, self.sort_column,
                             self.sort_reverse)
            if self._columns
            else []
        )
        self._lines.clear()
        target = 0
        if wanted is not None:
            target = next((i for i, r in enumerate(self._view) if r.key == wanted), 0)
        self.virtual_size = Size(self.virtual_size.width, len(self._view) + 1)
        self.set_reactive(ResourceTable.cursor_row, self.validate_cursor_row(target))
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlighted()
        self.post_message(self.Changed(self, len(self._view), len(self._all_rows)))

    def _post_highlighted(self) -> None:
        row = self.selected_row
        if row is not self._highlighted:
            self._highlighted = row
            self.post_message(self.Highlighted(self, row))

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_cursor_into_view(self) -> None:
        visible = self.scrollable_content_region.height - 1
        if visible <= 0:
            return
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._fit()
        self._scroll_cursor_into_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    # -- rendering (``table_strips``) --------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style
        width = max(self.size.width, self.virtual_size.width)
        console = self.app.console
        if y == 0:
            header = self.get_component_rich_style("resource-table--header")
            text = header_text(self._columns, self._widths, self.sort_column, self.sort_reverse)
            strip = text_strip(text, base + header, width, console)
        elif (index := scroll_y + y - 1) < len(self._view):
            style = base
            if index % 2 == 0:
                style += self.get_component_rich_style("resource-table--even-row")
            cursor = index == self.cursor_row
            if cursor:
                style += self.get_component_rich_style("resource-table--cursor")
            strip = self._lines.row(self._view[index], index, cursor, self._columns,
                                    self._widths, style, width, console)
        elif index == 0:
            empty = self.get_component_rich_style("resource-table--empty")
            words = empty_words(self.empty_text, self.filter_text, bool(self._all_rows))
            strip = text_strip(Text(" " + words), base + empty, width, console)
        else:
            strip = Strip.blank(width, base)
        return scrolled(strip, self._fixed, scroll_x, self.size.width)

    # -- mouse ------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x if offset.x < self._fixed else offset.x + round(self.scroll_x)
            index = column_at(self._widths, x)
            if index == self.sort_column:
                self.sort_reverse = not self.sort_reverse
            elif index is not None:
                self.sort_column = index
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._view):
            self.cursor_row = index
            if event.chain == 2:
                self.action_select_row()
