"""Where you are (regions, region, layer, version) and what the table shows."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from layer_tui.safe_text import visible_line

CHEVRON = (" \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} ", "$text-muted")


class CrumbBar(Static):
    DEFAULT_CSS = """
    CrumbBar {
        height: 1;
        padding: 0 1;
        background: $surface;
        color: $foreground;
    }
    """

    def show(
        self, crumbs: Sequence[str], *, shown: int, total: int, filter_text: str, sort: str
    ) -> None:
        parts: list[str | tuple[str, str]] = []
        for index, crumb in enumerate(crumbs):
            if index:
                parts.append(CHEVRON)
            last = index == len(crumbs) - 1
            parts.append((visible_line(crumb), "bold $text-primary" if last else "$text-muted"))
        count = f"{shown:,}" if shown == total else f"{shown:,} of {total:,}"
        parts += ["   ", (f"[{count}]", "$text-accent")]
        if filter_text:
            filtered = visible_line(filter_text)
            parts += ["  ", ("filter ", "$text-muted"), (filtered, "bold $text-warning")]
        if sort:
            parts += ["  ", ("sort ", "$text-muted"), (sort, "")]
        self.update(Content.assemble(*parts))
