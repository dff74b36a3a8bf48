"""``?``: every binding of the screen it was opened from, read from the bindings themselves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

#: Textual's own scrolling and focus keys: true, but noise in a list of what this app does.
GENERIC_ACTIONS = frozenset(
    {
        "scroll_left",
        "scroll_right",
        "page_left",
        "page_right",
        "focus_next",
        "focus_previous",
        "screen.copy_text",
        "copy_text",
    }
)


def screen_bindings(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) for each action usable on ``screen`` now, as the footer knows them."""
    app = screen.app
    by_action: dict[tuple[int, str], tuple[list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system or binding.action in GENERIC_ACTIONS:
            continue
        slot = by_action.setdefault((id(active.node), binding.action), ([], binding.description))
        display = binding.key_display or app.get_key_display(binding)
        if display not in slot[0]:
            slot[0].append(display)
    return [(" ".join(keys), description) for keys, description in by_action.values()]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 64;
            height: auto;
            max-height: 80%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    def __init__(self, title: str, bindings: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._entries = list(bindings)

    @property
    def entries(self) -> list[tuple[str, str]]:
        """The (keys, description) lines shown, in order."""
        return list(self._entries)

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _ in self._entries), default=0)
        lines = [
            Content.assemble((keys.rjust(width), "bold $text-accent"), "  ", description)
            for keys, description in self._entries
        ]
        lines.append(Content.assemble(("\nescape closes this help", "$text-muted")))
        with VerticalScroll() as body:
            body.border_title = f"Keys: {self._title}"
            yield Static(Content("\n").join(lines))

    def action_close(self) -> None:
        self.dismiss()
