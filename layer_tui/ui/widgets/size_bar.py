"""One line that sums a layer version up: files, sizes, its share of the unzipped budget."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from layer_tui.aws.checks import UNZIPPED_LIMIT, WARN_SHARE
from layer_tui.safe_text import visible_line
from layer_tui.ui.formatting import size

#: Eighths of a cell, so a 1% layer still shows a sliver rather than nothing.
_EIGHTHS = (
    " \N{LEFT ONE EIGHTH BLOCK}\N{LEFT ONE QUARTER BLOCK}\N{LEFT THREE EIGHTHS BLOCK}"
    "\N{LEFT HALF BLOCK}\N{LEFT FIVE EIGHTHS BLOCK}\N{LEFT THREE QUARTERS BLOCK}"
    "\N{LEFT SEVEN EIGHTHS BLOCK}"
)
_FULL = "\N{FULL BLOCK}"
SEPARATOR = (" \N{BOX DRAWINGS LIGHT VERTICAL} ", "$text-muted")


def compact_size(value: int | None) -> str:
    """``458 B`` rather than humanize's ``458 Bytes``: columns stay narrow."""
    if value is None:
        return ""
    return f"{value:,} B" if abs(value) < 1024 else size(value)


def compact_size_cell(value: int | None) -> Text:
    if value is None:
        return Text("\N{EN DASH}", style="dim", justify="right")
    return Text(compact_size(value), justify="right", no_wrap=True)


def budget_style(used: int, limit: int = UNZIPPED_LIMIT) -> str:
    """Colour of a share of the budget: the same thresholds as the size check."""
    if used > limit:
        return "$error"
    return "$warning" if used > limit * WARN_SHARE else "$primary"


def budget_bar(used: int, limit: int = UNZIPPED_LIMIT, width: int = 14) -> Content:
    """``████▍░░░`` filled to ``used / limit`` (capped at full), coloured by how close it is."""
    share = min(1.0, used / limit) if limit > 0 else 1.0
    eighths = round(share * width * 8)
    full, part = divmod(eighths, 8)
    filled = _FULL * full + (_EIGHTHS[part] if part and full < width else "")
    empty = width - len(filled)
    return Content.assemble(
        (filled, budget_style(used, limit)),
        ("\N{LIGHT SHADE}" * empty, "$panel-lighten-2"),
    )


def share_label(used: int, limit: int = UNZIPPED_LIMIT) -> str:
    share = used / limit * 100 if limit > 0 else 100.0
    shown = "<0.1" if 0 < share < 0.1 else f"{share:.1f}"
    return f"{shown}% of {limit / 1_048_576:.0f} MiB"


class ContentsSummary(Static):
    """``182 files │ zipped 1.0 MiB │ unzipped 3.2 MiB │ ███▌ 1.3% of 250 MiB │ fetched 4 KiB``."""

    DEFAULT_CSS = """
    ContentsSummary {
        height: 1;
        padding: 0 1;
        background: $surface;
        color: $foreground;
    }
    """

    def show_loading(self, label: str) -> None:
        self.update(
            Content.assemble(
                ("inspecting ", "$text-muted"),
                (visible_line(label), "bold"),
                ("\N{HORIZONTAL ELLIPSIS}", "$text-muted"),
            )
        )

    def show_totals(
        self,
        *,
        files: int,
        zipped: int | None,
        unzipped: int,
        fetched: int,
        limit: int = UNZIPPED_LIMIT,
    ) -> None:
        parts: list[str | tuple[str, str] | Content] = [
            (f"{files:,}", "bold"),
            (" files", "$text-muted"),
            SEPARATOR,
            ("zipped ", "$text-muted"),
            (compact_size(zipped) if zipped is not None else "?", "bold"),
            SEPARATOR,
            ("unzipped ", "$text-muted"),
            (compact_size(unzipped), "bold"),
            (f" ({unzipped:,} B)", "$text-muted"),
            SEPARATOR,
            budget_bar(unzipped, limit),
            " ",
            (share_label(unzipped, limit), budget_style(unzipped, limit)),
            SEPARATOR,
            ("fetched ", "$text-muted"),
            (compact_size(fetched), "bold"),
        ]
        self.update(Content.assemble(*parts))


__all__ = [
    "ContentsSummary",
    "budget_bar",
    "budget_style",
    "compact_size",
    "compact_size_cell",
    "share_label",
]
