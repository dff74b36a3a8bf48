"""What the screen shows, read the way the Pilot tests read it: through our widgets' public
accessors and the app's record of what it said, never Textual's private attributes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from waiting import rows_ready, wait_until

from layer_tui.ui.widgets import ResourceTable


class DialogHost(App[None]):
    """The smallest app a dialog opens on (given made, or as a function that makes it once the
    app runs); records what the dialog dismissed with."""

    CSS = "Screen { background: $surface; }"
    #: The title the dialog snapshots were taken under (a snapshot's SVG names its app).
    TITLE = "Host"

    def __init__(self, dialog: Screen[Any] | Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_dialog = dialog if not isinstance(dialog, Screen) else (lambda: dialog)
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make_dialog(), self.results.append)


def table(app: Any) -> ResourceTable:
    """The table of the screen on top."""
    return app.screen.query_one(ResourceTable)


def shown_keys(app: Any) -> list[str]:
    """The keys (ARNs, region names) of the rows shown, in the order shown."""
    return [row.key for row in table(app).shown_rows]


def row_text(app: Any, key: str) -> str:
    """The cells of the row keyed ``key``, joined by `` | ``."""
    row = next(r for r in table(app).shown_rows if r.key == key)
    return " | ".join(cell.plain for cell in row.cells)


def said(app: Any) -> list[str]:
    """Every notification the app has shown, oldest first (kept after its toast expires)."""
    return [entry.message for entry in app.said]


async def open_row(pilot: Any, key: str, screen: type[Any]) -> None:
    """Put the cursor on the row keyed ``key`` once it shows, press enter, wait for ``screen``."""
    app = pilot.app
    await wait_until(pilot, lambda: table(app).select_key(key), what=f"{key} listed")
    await wait_until(pilot, lambda: rows_ready(app), what="the rows settled")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, screen), what=f"{key} opened")


def footer_keys(app: Any) -> dict[str, str]:
    """What the footer of the screen on top shows: description -> the key it names."""
    return {str(key.description): str(key.key_display)
            for key in app.screen.query("FooterKey")}


def highlighted_command(app: Any) -> str:
    """The command the palette (or a search like ``g``'s) would run on enter; "" while it is
    not open or has found nothing yet."""
    from textual.command import CommandList, CommandPalette

    if not isinstance(app.screen, CommandPalette):
        return ""
    commands = app.screen.query_one(CommandList)
    if commands.highlighted is None:
        return ""
    prompt = commands.get_option_at_index(commands.highlighted).prompt
    return str(getattr(prompt, "plain", prompt))


def composed_strips(app: Any) -> list[Strip]:
    """The screen on top as the terminal shows it, one strip a line, through public calls
    only: at each cell the widget on top there (``Screen.get_widget_at``), each run of cells
    of one widget drawn by it (``Widget.render_lines``). Line for line the compositor's."""
    screen = app.screen
    width, height = screen.size
    lines: list[Strip] = []
    for y in range(height):
        pieces: list[Strip] = []
        x = 0
        while x < width:
            widget, region = screen.get_widget_at(x, y)
            end = x + 1
            while end < min(width, region.right) and screen.get_widget_at(end, y)[0] is widget:
                end += 1
            [piece] = widget.render_lines(Region(x - region.x, y - region.y, end - x, 1))
            pieces.append(piece)
            x = end
        lines.append(Strip.join(pieces))
    return lines


def measured(table: Any) -> bool:
    """Whether a DataTable has rows and has measured them: every column at least as wide as
    its widest cell (what it is drawn at from then on)."""
    return bool(table.row_count) and all(
        column.content_width >= max((cell.cell_len if isinstance(cell, Text) else len(str(cell))
                                     for cell in table.get_column(key)), default=0)
        for key, column in table.columns.items() if column.auto_width)
