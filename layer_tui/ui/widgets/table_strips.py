"""How a ResourceTable's lines become strips: the header, the rows, and the strips kept.

Rendering is the table's hot path (every scroll and cursor move redraws the lines on screen),
so each row's strip is kept by its key, its stripe and whether the cursor is on it; the table
forgets them when widths, styles or the clock change. Ages in cells are computed when a row is
built, so a kept strip never shows a stale age past the next tick (the tick clears them).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from layer_tui.ui.widgets.table_model import Column, TableRow, line_text

UP = "\N{UPWARDS ARROW}"
DOWN = "\N{DOWNWARDS ARROW}"
#: Strips kept before the cache starts over (a screenful is a few dozen).
KEPT_STRIPS = 4_000


def sort_arrow(reverse: bool) -> str:
    return DOWN if reverse else UP


def header_labels(columns: Sequence[Column], sort_column: int, reverse: bool) -> list[Text]:
    """Each column's label, the sorted one with its arrow."""
    arrow = sort_arrow(reverse)
    return [Text(f"{c.label} {arrow}" if i == sort_column else c.label)
            for i, c in enumerate(columns)]


def header_text(columns: Sequence[Column], widths: Sequence[int], sort_column: int,
                reverse: bool) -> Text:
    """The header line: every label at its column's width, the sorted one with its arrow."""
    return line_text(header_labels(columns, sort_column, reverse), columns, widths)


def empty_words(empty_text: str, filter_text: str, has_rows: bool) -> str:
    """What a table without a row to show says: rows hidden by the filter are not "nothing
    here", so it names the filter and how to clear it; else the screen's own words."""
    if has_rows and filter_text:
        return f"no row matches {filter_text!r} (escape clears the filter)"
    return empty_text


def text_strip(text: Text, style: Style, width: int, console: Console) -> Strip:
    """``text`` in ``style``, padded with it to ``width`` cells.

    Padded as text, so one strip is made: every strip Textual makes carries seven caches, and
    a redraw of the table makes one per line.
    """
    length = text.cell_len
    if length < width:
        text = text.copy()
        text.append(" " * (width - length))
        length = width
    return Strip(Segment.apply_style(text.render(console), style), length)


class RowStrips:
    """The strips of rows already drawn, by row key, stripe and cursor."""

    def __init__(self) -> None:
        self._kept: dict[str, Strip] = {}

    def clear(self) -> None:
        self._kept.clear()

    def row(self, row: TableRow, index: int, cursor: bool, columns: Sequence[Column],
            widths: Sequence[int], style: Style, width: int, console: Console) -> Strip:
        """The strip of ``row`` at ``index`` (``style`` already holds stripe and cursor)."""
        key = f"{'*' if cursor else index % 2}{row.key}"
        if (kept := self._kept.get(key)) is not None:
            return kept
        strip = text_strip(line_text(row.cells, columns, widths), style, width, console)
        if len(self._kept) > KEPT_STRIPS:
            self._kept.clear()
        self._kept[key] = strip
        return strip
