"""The ``/`` prompt: rows filter as you type; enter keeps the filter, escape clears it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterPrompt(Input):
    DEFAULT_CSS = """
    FilterPrompt {
        dock: bottom;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        display: none;
        &.-open {
            display: block;
        }
        &:focus {
            border: none;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", id="filter.clear"),
    ]

    @dataclass
    class Closed(Message):
        """The prompt closed; ``cleared`` when escape threw the filter away."""

        prompt: FilterPrompt
        cleared: bool

        @property
        def control(self) -> FilterPrompt:
            return self.prompt

    def __init__(self) -> None:
        super().__init__(placeholder="filter: any column, any case", id="filter-prompt")

    def open(self, current: str) -> None:
        self.value = current
        self.cursor_position = len(current)
        self.add_class("-open")
        # Focus now, not after the keys already read behind "/" (the App holds those until
        # this lands; ``ui.key_routing``).
        self.screen.set_focus(self)

    def close(self, *, cleared: bool) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed(self, cleared))

    def action_clear_filter(self) -> None:
        self.value = ""
        self.close(cleared=True)

    async def action_submit(self) -> None:
        self.close(cleared=False)
