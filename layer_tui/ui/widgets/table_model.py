"""What a ResourceTable shows: its columns, and rows built once from the domain models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.text import Text

from layer_tui.ui.formatting import visible_cell


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


@dataclass(frozen=True, slots=True, eq=False)
class TableRow:
    """One row: its ARN key, its cells, the values it sorts by, the model behind it."""

    key: str
    cells: tuple[Text, ...]
    sort_values: tuple[Any, ...]
    item: Any = None
    haystack: str = field(default="")

    @classmethod
    def build(
        cls, key: str, cells: Sequence[Text], sort_values: Sequence[Any], item: Any = None
    ) -> TableRow:
        # Every table's cells pass here: whatever a screen built them from, no control or bidi
        # character reaches the terminal raw, and the filter matches what is shown. One
        # isprintable() over the row (C speed) clears nearly every row at once.
        shown = tuple(cells)
        plains = [cell.plain for cell in shown]
        if not " ".join(plains).isprintable():
            shown = tuple(visible_cell(cell) for cell in shown)
            plains = [cell.plain for cell in shown]
        haystack = "\t".join(plains).lower()
        return cls(key, shown, tuple(sort_values), item, haystack)


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


def fit_widths(
    natural: Sequence[int], columns: Sequence[Column], available: int
) -> tuple[int, ...]:
    """Shrink the widest columns until the table fits ``available`` cells (names last)."""
    widths = list(natural)
    floors = [
        width if column.width is not None else min(width, max(8, len(column.label) + 2))
        for width, column in zip(widths, columns, strict=True)
    ]
    excess = sum(widths) + 2 * len(widths) - available if available > 0 else 0
    for shrinkable in (
        [i for i, column in enumerate(columns) if not column.keep],
        list(range(len(widths))),
    ):
        while excess > 0 and shrinkable:
            index = max(shrinkable, key=lambda i: widths[i] - floors[i])
            if widths[index] <= floors[index]:
                break
            widths[index] -= 1
            excess -= 1
    return tuple(widths)


def sort_key(value: Any) -> tuple[int, Any]:
    # None sorts after everything (first when reversed) and is never compared with a value.
    return (1, 0) if value is None else (0, value)


def filtered_sorted(
    rows: Sequence[TableRow], needle: str, column: int, reverse: bool
) -> list[TableRow]:
    """The rows containing ``needle`` (any column, any case), sorted on one column's values."""
    needle = needle.strip().lower()
    kept = [r for r in rows if needle in r.haystack] if needle else rows
    return sorted(kept, key=lambda r: sort_key(r.sort_values[column]), reverse=reverse)


def line_text(cells: Sequence[Text], columns: Sequence[Column], widths: Sequence[int]) -> Text:
    """One table line: each cell cut (with an ellipsis) or padded to its column's width."""
    line = Text(no_wrap=True, end="")
    for cell, column, width in zip(cells, columns, widths, strict=False):
        piece = cell.copy()
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
