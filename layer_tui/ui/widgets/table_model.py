"""What a ResourceTable shows: its columns, and rows built once from the domain models."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.style import Style
from rich.text import Span, Text
from textual.strip import Strip

from layer_tui.ui.formatting import LiveAge, visible_cell


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: Fixed width in cells; ``None`` fits the widest cell up to ``max_width``.
    width: int | None = None
    max_width: int = 48
    justify: Literal["left", "right"] = "left"
    #: Names people read rows by: shrunk only once every other column is as narrow as it goes.
    keep: bool = False
    #: A column that gives way first (the account, with several): down to its label before
    #: any other column loses a cell.
    yields: bool = False


class PlainCell:
    """A cell in one style throughout (nearly every cell): its text, style and width. With its
    text it takes about 120 bytes where a rich ``Text`` (and its two lists) took about 290: a
    Functions row went from 3,700 bytes to 2,450 (``tests/test_big_estate_memory.py``). It
    becomes a ``Text`` only when its line is drawn."""

    __slots__ = ("cell_len", "plain", "style")
    #: A plain cell has no spans: one style over all of it.
    spans: tuple[Span, ...] = ()

    def __init__(self, plain: str, style: str | Style, cell_len: int) -> None:
        self.plain = plain
        self.style = style
        self.cell_len = cell_len

    def copy(self) -> Text:
        return Text(self.plain, style=self.style, no_wrap=True, overflow="ellipsis")

    def __repr__(self) -> str:
        return f"PlainCell({self.plain!r}, {self.style!r})"


#: What a row holds for each column: a ``Text`` with spans, a live age, else a PlainCell.
Cell = Text | PlainCell | LiveAge


def compact(cell: Text | LiveAge) -> Cell:
    """``cell`` as a PlainCell when it has one style throughout and no behaviour of its own."""
    if type(cell) is Text and not cell.spans:
        return PlainCell(cell.plain, cell.style, cell.cell_len)
    return cell


@dataclass(frozen=True, slots=True, eq=False)
class TableRow:
    """One row: its ARN key, its cells, the values it sorts by, the model behind it."""

    key: str
    cells: tuple[Cell, ...]
    sort_values: tuple[Any, ...]
    item: Any = None
    haystack: str = field(default="")

    @classmethod
    def build(
        cls, key: str, cells: Sequence[Text | LiveAge], sort_values: Sequence[Any],
        item: Any = None,
    ) -> TableRow:
        # Every table's cells pass here: whatever a screen built them from, no control or bidi
        # character reaches the terminal raw, and the filter matches what is shown. One
        # isprintable() over the row (C speed) clears nearly every row at once.
        shown = tuple(cells)
        plains = [cell.plain for cell in shown]
        if not " ".join(plains).isprintable():
            shown = tuple(visible_cell(cell) if isinstance(cell, Text) else cell
                          for cell in shown)
            plains = [cell.plain for cell in shown]
        haystack = "\t".join(plains).lower()
        return cls(key, tuple(compact(cell) for cell in shown), tuple(sort_values), item,
                   haystack)


def natural_widths(columns: Sequence[Column], rows: Sequence[TableRow]) -> tuple[int, ...]:
    """Each column's width before fitting: fixed, or its widest cell (label included)."""
    widths = []
    for index, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        widest = max((row.cells[index].cell_len for row in rows), default=0)
        widths.append(min(column.max_width, max(widest, len(column.label) + 2)))
    return tuple(widths)


def fixed_count(columns: Sequence[Column]) -> int:
    """How many leading columns stay put when the table scrolls sideways: up to the last
    name people read rows by among the first two (Region then Layer; Account and Region),
    else the first column alone."""
    kept = [index + 1 for index, column in enumerate(columns[:2]) if column.keep]
    return kept[-1] if kept else min(1, len(columns))


def fit_widths(
    natural: Sequence[int], columns: Sequence[Column], available: int
) -> tuple[int, ...]:
    """Shrink columns until the table fits ``available`` cells, the least important first.

    Widest ordinary columns give first, down to their floor (the label). The names (``keep``)
    never give while anything else can: what still does not fit scrolls sideways under the
    fixed leading columns. Only a name wider than the whole screen is cut to it.
    """
    widths = list(natural)
    if available <= 0:
        return tuple(widths)
    floors = [
        width if column.width is not None else min(width, max(8, len(column.label) + 2))
        for width, column in zip(widths, columns, strict=True)
    ]
    excess = sum(widths) + 2 * len(widths) - available
    for index, column in enumerate(columns):
        if column.yields and excess > 0:
            give = min(excess, max(0, widths[index] - floors[index]))
            widths[index] -= give
            excess -= give
    shrinkable = [i for i, column in enumerate(columns) if not column.keep]
    while excess > 0 and shrinkable:
        index = max(shrinkable, key=lambda i: widths[i] - floors[i])
        if widths[index] <= floors[index]:
            break
        widths[index] -= 1
        excess -= 1
    fixed = fixed_count(columns)
    # Leave a few cells of the scrolled part in sight, or sideways scrolling shows nothing.
    over = sum(widths[:fixed]) + 2 * fixed - max(available - 10, available // 2)
    for index in reversed(range(fixed)):
        if over <= 0:
            break
        give = min(over, widths[index] - floors[index])
        widths[index] -= give
        over -= give
    return tuple(widths)


def fit_layout(
    natural: Sequence[int], columns: Sequence[Column], available: int
) -> tuple[tuple[int, ...], int, int]:
    """(each column's width, the cells the fixed columns take, the width scrolled over).

    Sideways scrolling moves only what follows the fixed columns, so they count once.
    """
    widths = fit_widths(natural, columns, available)
    fixed = fixed_count(columns)
    fixed_cells = sum(widths[:fixed]) + 2 * fixed
    virtual = sum(widths) + 2 * len(widths) - fixed_cells + min(fixed_cells, available)
    return widths, fixed_cells, virtual


def sort_key(value: Any) -> tuple[int, Any]:
    # None sorts after everything (first when reversed) and is never compared with a value.
    return (1, 0) if value is None else (0, value)


def sorted_rows(
    rows: Sequence[TableRow], column: int, reverse: bool, *, in_thread: bool = False
) -> list[TableRow]:
    """``rows`` sorted on one column's values, None last (first when reversed).

    The order ``sort_key`` gives; without a None in the column the values are compared as
    they are, which halves the time at 100,000 rows (no tuple made per row and comparison).
    """
    values = [row.sort_values[column] for row in rows]
    keys = [sort_key(value) for value in values] if any(v is None for v in values) else values
    return [rows[index] for index in _sorted_indexes(keys, reverse, sliced=in_thread)]


#: Values a thread sorts in one call at most. One C call holds the interpreter until it
#: returns: a sort of 100,000 rows in a thread stopped the event loop for 80 ms or more.
SORT_SLICE = 8_192


def _sorted_indexes(keys: list[Any], reverse: bool, *, sliced: bool) -> list[int]:
    """The indexes of ``keys`` in (stable) sorted order. ``sliced`` (in a thread, past
    ``SORT_SLICE`` keys): slices sorted apart and merged in Python, between whose steps the
    event loop runs; it costs twice the processor time, so a sort on the loop itself (a key
    that re-sorts) is one call."""
    count = len(keys)
    if not sliced or count <= SORT_SLICE:
        return sorted(range(count), key=keys.__getitem__, reverse=reverse)
    runs = [sorted(range(start, min(start + SORT_SLICE, count)), key=keys.__getitem__,
                   reverse=reverse)
            for start in range(0, count, SORT_SLICE)]
    # merge keeps the runs' order between equal keys, as one stable sort would.
    return list(heapq.merge(*runs, key=keys.__getitem__, reverse=reverse))


def normalized_needle(needle: str) -> str:
    """What a filter text matches rows by: trimmed, lower-cased (``TableRow.haystack`` is)."""
    return needle.strip().lower()


def matching(rows: Sequence[TableRow], needle: str) -> list[TableRow]:
    """The rows containing ``needle`` (normalized) in any column, in their order."""
    return [r for r in rows if needle in r.haystack] if needle else list(rows)


class RowOrder:
    """A table's rows in its sort order, and the rows its filter picked out of them.

    At 100,000 rows a sort is the one step that would hold the event loop (a tenth of a
    second), so it is done once per order: a filter keystroke only picks rows out of that
    order, and one that extends the filter text picks them out of the rows shown already.
    ``presorted`` is the (column, reversed) a screen sorted ``rows`` by in its building thread.
    """

    def __init__(
        self, rows: Sequence[TableRow] = (), presorted: tuple[int, bool] | None = None
    ) -> None:
        self._sorted: Sequence[TableRow] = rows
        self._sorted_by = presorted
        self._shown: list[TableRow] = []
        self._shown_needle: str | None = None

    def view(
        self, rows: Sequence[TableRow], filter_text: str, column: int, reverse: bool
    ) -> list[TableRow]:
        """The rows to show: those of ``rows`` containing ``filter_text``, sorted."""
        needle = normalized_needle(filter_text)
        if self._sorted_by != (column, reverse):
            self._sorted, self._sorted_by = sorted_rows(rows, column, reverse), (column, reverse)
            self._shown_needle = None
        if self._shown_needle is not None and self._shown_needle in needle:
            # Typing on: every row containing the longer text contains the shorter one.
            self._shown = matching(self._shown, needle)
        else:
            self._shown = matching(self._sorted, needle)
        self._shown_needle = needle
        return self._shown


def filtered_sorted(
    rows: Sequence[TableRow], needle: str, column: int, reverse: bool
) -> list[TableRow]:
    """The rows containing ``needle`` (any column, any case), sorted on one column's values."""
    return matching(sorted_rows(rows, column, reverse), normalized_needle(needle))


def line_text(cells: Sequence[Cell], columns: Sequence[Column], widths: Sequence[int]) -> Text:
    """One table line: each cell cut (with an ellipsis) or padded to its column's width."""
    line = Text(no_wrap=True, end="")
    for cell, column, width in zip(cells, columns, widths, strict=False):
        if width <= 0:
            continue
        piece = cell.copy()  # a live age says how long ago it is now
        piece.truncate(width, overflow="ellipsis")
        gap = " " * (width - piece.cell_len)
        line.append(" ")
        if column.justify == "right":
            line.append(gap)
            line.append_text(piece)
        else:
            line.append_text(piece)
            line.append(gap)
        line.append(" ")
    return line


def scrolled(strip: Strip, fixed: int, scroll_x: int, width: int) -> Strip:
    """The visible part of a table line: the first ``fixed`` cells always, then the rest
    from ``scroll_x`` on (sideways scrolling moves what follows the names, not the names)."""
    if fixed <= 0 or fixed >= width or scroll_x == 0:
        return strip.crop(scroll_x, scroll_x + width)
    return Strip.join([strip.crop(0, fixed),
                       strip.crop(fixed + scroll_x, fixed + scroll_x + width - fixed)])


def column_at(widths: Sequence[int], x: int) -> int | None:
    """Which column the cell ``x`` of a line falls in (each has a cell of gap either side)."""
    for index, width in enumerate(widths):
        if x < width + 2:
            return index
        x -= width + 2
    return None
