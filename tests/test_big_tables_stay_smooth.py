"""Big tables stay smooth: a filter keystroke sorts nothing, and rows arrive sorted (issue 17.4).

At 100,000 rows one sort on the event loop is a tenth of a second in which no key is answered.
The promises: the table sorts its rows once per sort order, a filter keystroke only picks rows
out of that order (extending the text picks out of the rows shown), and a browsing screen sorts
the rows it builds in its building thread, so taking them in sorts nothing on the event loop.
What is shown is always what filtering and sorting every row from scratch would show.
"""

from __future__ import annotations

import threading
from functools import total_ordering
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from ui_fixtures import make_app, pilot_test
from waiting import wait_until

from layer_tui.aws.models import Inventory
from layer_tui.ui.formatting import CellStyles
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.widgets import Column, ResourceTable, TableRow

#: Every comparison a sort makes, with the thread it ran on.
COMPARED: list[str] = []


@total_ordering
class Counted:
    """A sort value that records each comparison (and where it was made)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Counted) and self.value == other.value

    def __lt__(self, other: Counted) -> bool:
        COMPARED.append(threading.current_thread().name)
        return self.value < other.value

    def __hash__(self) -> int:
        return hash(self.value)


COLUMNS = (Column("name", "Name", keep=True), Column("size", "Size", justify="right"))


def rows(count: int) -> list[TableRow]:
    # Names and sizes in different orders, so a sort on either column means something.
    return [TableRow.build(f"arn:{n}", [Text(f"fn-{(n * 37) % count:04d}"), Text(str(n % 7))],
                           [Counted((n * 37) % count), Counted(n % 7)]) for n in range(count)]


def oracle(all_rows: list[TableRow], needle: str, column: int, reverse: bool) -> list[str]:
    """Filter and sort every row from scratch: what the table must show."""
    needle = needle.strip().lower()
    kept = [r for r in all_rows if needle in r.haystack]
    ordered = sorted(kept, key=lambda r: r.sort_values[column].value, reverse=reverse)
    return [r.key for r in ordered]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceTable(COLUMNS)


@pilot_test
async def test_filter_keystrokes_sort_nothing_and_show_what_a_full_filter_would() -> None:
    """Attack: every keystroke of the filter sorts all the rows again (a tenth of a second at
    100,000), or a narrowed view is reused when the text gets shorter (backspace) and rows go
    missing. Promise: typing, deleting and retyping the filter makes no comparison at all,
    and each view is the from-scratch answer; a new sort order sorts once and is right."""
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(ResourceTable)
        all_rows = rows(600)
        table.set_rows(all_rows)
        await pilot.pause()
        COMPARED.clear()
        for text in ("f", "fn-0", "fn-01", "fn-012", "fn-01", "FN-0", "", "-05", " 3"):
            table.filter_text = text
            assert [r.key for r in table.shown_rows] == oracle(all_rows, text, 0, False), text
        assert COMPARED == []
        table.sort_column = 1
        assert COMPARED  # a new order is sorted, once
        table.filter_text = "fn-00"
        assert [r.key for r in table.shown_rows] == oracle(all_rows, "fn-00", 1, False)
        table.sort_reverse = True
        assert [r.key for r in table.shown_rows] == oracle(all_rows, "fn-00", 1, True)
        table.filter_text = "fn-0"
        assert [r.key for r in table.shown_rows] == oracle(all_rows, "fn-0", 1, True)


class CountedFunctions(FunctionsScreen):
    """The Functions screen with rows whose sort values count their comparisons."""

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        width = len(self.table.columns) if self.is_mounted else len(self.columns())
        return [TableRow.build(f"arn:{n}", [Text(f"fn-{n}")] * width,
                               [Counted((n * 37) % 500)] * width) for n in range(500)]

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        return []


@pilot_test
async def test_rows_built_in_a_thread_arrive_sorted() -> None:
    """Attack: the screen builds its rows in a thread but hands them over unsorted, so the
    table sorts every row on the event loop as it takes them in. Promise: no comparison is
    made on the event loop's thread while the rows are built and shown, and they are shown
    in order."""
    app: Any = make_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.inventory is not None, "the scan's inventory")
        main = threading.current_thread().name
        COMPARED.clear()
        screen = CountedFunctions(None)
        app.push_screen(screen)
        await wait_until(pilot, lambda: screen.is_mounted and screen.rows_ready
                         and screen.table.total_rows == 500, "the rows shown")
        assert COMPARED and main not in COMPARED
        shown = [row.sort_values[0].value for row in screen.table.shown_rows]
        assert shown == sorted(shown)


class WatchedBuild(CountedFunctions):
    """``CountedFunctions`` that says when its rows are being built."""

    building = False

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        WatchedBuild.building = True
        try:
            # As many live objects as a big estate's rows are, against the whole heap: enough
            # that the collector would start a full collection (it waits for a quarter more).
            import gc

            alive = [[n] for n in range(len(gc.get_objects()))]
            rows = super().build_rows(inventory, styles)
            del alive
            return rows
        finally:
            WatchedBuild.building = False


@pilot_test
async def test_no_full_collection_walks_the_heap_while_big_rows_are_built() -> None:
    """Attack: building 100,000 rows makes millions of objects, and the cyclic collector's
    full collections (each walking every object alive, holding the interpreter for seconds)
    run in the middle of it, stalling the event loop. Promise: while a big estate's rows are
    built no generation-2 collection runs, even with the collector set to run one every few
    dozen allocations; afterwards what was built is frozen out of later walks."""
    import gc
    from dataclasses import replace

    app: Any = make_app()
    during_build: list[int] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2 and WatchedBuild.building:
            during_build.append(2)

    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.inventory is not None, "the scan's inventory")
        region = max(app.inventory.regions, key=lambda r: len(r.functions))
        # A big estate as the screen sees it: tens of thousands of functions.
        many = region.functions * (12_000 // len(region.functions) + 1)
        app.inventory = replace(app.inventory, regions=(replace(region, functions=many),))
        screen = WatchedBuild(None)
        thresholds = gc.get_threshold()
        gc.set_threshold(50, 1, 1)
        gc.callbacks.append(collecting)
        try:
            app.push_screen(screen)
            await wait_until(pilot, lambda: screen.is_mounted and screen.rows_ready
                             and screen.table.total_rows == 500, "the rows shown")
            frozen = gc.get_freeze_count()
        finally:
            gc.callbacks.remove(collecting)
            gc.set_threshold(*thresholds)
            gc.unfreeze()  # the next test starts with a collector as usual
        assert during_build == []
        assert frozen > 0
