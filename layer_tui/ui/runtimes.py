"""Which Lambda runtimes are deprecated, and the keyboard-first picker that offers them.

The answer comes from the shipped, editable lifecycle table (``layer_tui/data/runtimes.json``,
read by ``layer_tui.aws.lifecycle``): a runtime counts as deprecated once its date has passed on
the app's clock, so frozen-clock snapshots stay stable. A runtime whose deprecation date AWS's
page does not give (null in the table) is not flagged.

The picker lists ticked runtimes first, then current ones, deprecated ones last and marked so;
typing filters it (a field above the list takes the letters even while the list has focus), and
a tick is a ✓, not only a colour, so it reads on a monochrome terminal and in a screenshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from rich.segment import Segment
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.strip import Strip
from textual.widgets import Input, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

from layer_tui.aws import lifecycle

TICK = "\N{CHECK MARK}"


def deprecation_date(runtime: str | None) -> date | None:
    row = lifecycle.lifecycle(runtime)
    return row.deprecated if row is not None else None


def is_deprecated(runtime: str | None) -> bool:
    return lifecycle.is_deprecated(runtime)


def deprecated_among(runtimes: Iterable[str | None]) -> tuple[str, ...]:
    return lifecycle.deprecated_among(tuple(runtimes))


def _natural(runtime: str) -> tuple[Any, ...]:
    """``python3.13`` before ``python3.9``: family by name, then newest version first."""
    family = re.match(r"[a-z]+", runtime)
    numbers = [int(n) for n in re.findall(r"\d+", runtime)]
    return (family.group() if family else runtime, [-n for n in numbers], runtime)


def runtime_order(runtimes: Iterable[str], ticked: Iterable[str] = ()) -> list[str]:
    """Ticked first, then current runtimes, then deprecated ones, each group naturally sorted."""
    chosen = set(ticked)
    return sorted(set(runtimes) | chosen, key=lambda r: (
        r not in chosen, is_deprecated(r), _natural(r)))


class TickList(SelectionList[str]):
    """A SelectionList whose ticked rows show a ✓ (the stock one differs only in colour)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 3:
            return strip
        glyph = TICK if selection.value in self.selected else " "
        segments[1] = Segment(glyph, segments[1].style)
        return Strip(segments, strip.cell_length)


class RuntimePicker(Vertical):
    """A search field over a TickList of runtimes; ``selected`` is what is ticked."""

    DEFAULT_CSS = """
    RuntimePicker { height: auto; }
    RuntimePicker > Input { margin: 0; }
    RuntimePicker > TickList { height: auto; max-height: 8; }
    """

    def __init__(self, runtimes: Sequence[str], ticked: Sequence[str] = (),
                 *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.known = tuple(runtimes)
        self._ticked = set(ticked)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type to search runtimes; space ticks", id="runtime-search")
        yield TickList(*self._options(""), id="runtimes")

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(runtime_order(self._ticked))

    @property
    def ticks(self) -> TickList:
        return self.query_one(TickList)

    def _options(self, needle: str) -> list[tuple[str, str, bool]]:
        needle = needle.strip().lower()
        shown = [r for r in runtime_order(self.known, self._ticked) if needle in r.lower()]
        return [(f"{r}  (deprecated)" if is_deprecated(r) else r, r, r in self._ticked)
                for r in shown]

    @on(Input.Changed, "#runtime-search")
    def _search_typed(self, event: Input.Changed) -> None:
        event.stop()
        picks = self.ticks
        with picks.prevent(SelectionList.SelectedChanged):
            picks.clear_options()
            picks.add_options(self._options(event.value))
        if picks.option_count:
            picks.highlighted = 0

    @on(Input.Submitted, "#runtime-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.ticks.focus()

    @on(SelectionList.SelectedChanged, "#runtimes")
    def _ticks_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        shown = {self.ticks.get_option_at_index(i).value for i in range(self.ticks.option_count)}
        self._ticked = (self._ticked - shown) | set(self.ticks.selected)

    def on_key(self, event: events.Key) -> None:
        # Letters typed on the list search it: the list itself has no use for them.
        search = self.query_one("#runtime-search", Input)
        if self.ticks.has_focus and event.is_printable and event.character not in (None, " "):
            event.stop()
            event.prevent_default()
            search.focus()
            search.insert_text_at_cursor(event.character or "")
