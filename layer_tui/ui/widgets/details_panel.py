"""The panel under a table that spells out the selected row: full ARN, hashes, license."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static


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
        width = max((len(label) for label, _ in fields), default=0)
        lines: list[Content] = []
        for label, value in fields:
            first, *more = (value or "\N{EN DASH}").split("\n")
            lines.append(Content.assemble((label.ljust(width) + "  ", "$text-muted"), first))
            lines += [Content(" " * (width + 2) + line) for line in more]
        self.update(Content("\n").join(lines) if lines else Content(""))
