"""The panel under a table that spells out the selected row: full ARN, hashes, license."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from layer_tui.safe_text import visible_line


class DetailsPanel(Static):
    """Label/value lines for the selected row; ``v`` toggles it."""

    DEFAULT_CSS = """
    DetailsPanel {
        height: auto;
        max-height: 12;
        padding: 0 1;
        border-top: solid $primary-muted;
        background: $surface;
        color: $foreground;
        overflow-y: auto;
        &.-hidden {
            display: none;
        }
    }
    """

    def show_fields(self, fields: Sequence[tuple[str, str]]) -> None:
        """``value`` may hold several lines (a function's layers); each line is shown with its
        control and bidi characters as escapes, for values come from AWS."""
        width = max((len(label) for label, _ in fields), default=0)
        lines: list[Content] = []
        for label, value in fields:
            first, *more = (visible_line(line) for line in (value or "\N{EN DASH}").split("\n"))
            lines.append(Content.assemble((label.ljust(width) + "  ", "$text-muted"), first))
            lines += [Content(" " * (width + 2) + line) for line in more]
        self.update(Content("\n").join(lines) if lines else Content(""))
