"""What every browsing screen shares: header, crumbs, table, details, filter prompt, footer.

A screen subclass says which columns it has, how to turn the app's inventory into rows, what
the details panel shows for a row and what enter opens. Rows are rebuilt from the models when
the inventory changes, but only for the screen on top; others catch up when they come back.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from layer_tui.aws.models import Inventory
from layer_tui.ui.bulk_allocation import bulk_allocation
from layer_tui.ui.formatting import CellStyles
from layer_tui.ui.screens.hosted import MUTATING_ACTIONS, HostedScreen
from layer_tui.ui.state import all_regions, region_names
from layer_tui.ui.widgets import (
    Column,
    CrumbBar,
    DetailsPanel,
    FilterPrompt,
    HeaderBar,
    ResourceTable,
    TableRow,
)
from layer_tui.ui.widgets.key_footer import KeyFooter
from layer_tui.ui.widgets.table_model import natural_widths, sorted_rows
from layer_tui.ui.workers import in_thread

#: What an empty table says until its first rows are built (never "no versions left" while
#: they are still being read).
READING_TEXT = "reading\N{HORIZONTAL ELLIPSIS}"



class BrowseScreen(HostedScreen):
    """A screen that is one table of domain rows keyed by ARN."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="browse.back"),
        Binding("slash", "filter", "Filter", key_display="/", id="browse.filter"),
        Binding("r", "refresh", "Refresh", id="browse.refresh"),
        Binding("y", "copy_arn", "Copy ARN", id="browse.copy-arn"),
        Binding("v", "toggle_details", "Details", show=False, id="browse.details"),
    ]

    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    EMPTY_TEXT: ClassVar[str] = "nothing here"
    #: Whether enter on a row opens something (hides "Open" from footer and help otherwise).
    CAN_OPEN: ClassVar[bool] = True
    #: The screen the app starts on: escape has nowhere to go back to.
    ROOT: ClassVar[bool] = False
    #: Whether rows are keyed by an ARN worth copying.
    COPIES_ARN: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        self._stale = True
        self._building = False
        self._had_selection = False
        self._build_again = False

    # -- what subclasses provide ------------------------------------------------------------

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        raise NotImplementedError

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        return [("ARN", row.key)]

    def open_row(self, row: TableRow) -> None:
        """Enter on a row; drill down by pushing the next screen."""

    def refresh_regions(self) -> tuple[str, ...] | None:
        """Regions ``r`` rescans; None rescans every region."""
        return None

    def columns(self) -> tuple[Column, ...]:
        return self.COLUMNS

    def empty_words(self) -> str:
        """What the table says when it has no rows: a region this screen shows that is still
        being scanned (or never was) is said so, not called empty."""
        scans = self.host.scan_states
        inventory = self.host.inventory
        regions = self.refresh_regions() or region_names(scans)
        unread = [r for r in regions if not all_regions(inventory, r)]
        # Keyed by (account, region): a region is still being scanned in any account.
        scanning = [r for r in unread if any(s.running for k, s in scans.items() if k[1] == r)]
        if scanning:
            return f"scanning {', '.join(scanning)}\N{HORIZONTAL ELLIPSIS} rows fill in as it goes"
        if unread and self.refresh_regions():
            return f"{', '.join(unread)} is not scanned yet: r scans it"
        return self.EMPTY_TEXT

    def scoped(self, crumb: str) -> str:
        """``crumb``, marked when consumers are $LATEST only (--latest-only): a count of
        consumers (or "unused") then leaves out published versions and their aliases."""
        return f"{crumb} ($LATEST only)" if self.host.config.latest_only else crumb

    # -- composition and data flow ----------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield CrumbBar()
        table = ResourceTable(self.columns(), empty_text=READING_TEXT)
        table.can_open = self.CAN_OPEN
        yield table
        details = DetailsPanel()
        details.set_class(not self.host.show_details, "-hidden")
        yield details
        yield FilterPrompt()
        yield KeyFooter()

    @property
    def table(self) -> ResourceTable:
        return self.query_one(ResourceTable)

    def export_table(self) -> ResourceTable | None:
        return self.table

    @property
    def rows_ready(self) -> bool:
        """Whether the table holds rows built from the newest inventory, none being built or
        queued: what a test or a snapshot waits for instead of a clock."""
        return self.is_mounted and not (self._stale or self._building or self._build_again)

    def on_mount(self) -> None:
        header = self.query_one(HeaderBar)
        self.watch(self.app, "header_info", lambda info: setattr(header, "info", info))
        self.watch(self.app, "inventory", self._inventory_changed, init=False)
        self.watch(self.app, "theme", self._inventory_changed, init=False)
        self.rebuild()
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.query_one(DetailsPanel).set_class(not self.host.show_details, "-hidden")
        if self._stale:
            self.rebuild()

    def _inventory_changed(self) -> None:
        self._stale = True
        if self.is_current:
            self.rebuild()

    def rebuild(self) -> None:
        """Rebuild every row from the models (the table keeps the selected ARN).

        Rows are built and measured in a thread: at 20,000 functions that takes seconds, and
        the screen must keep answering keys meanwhile. One build runs at a time; asking again
        while it runs schedules one more build from the newest inventory when it ends.
        """
        self._stale = False
        if self._building:
            self._build_again = True
            return
        self._building = True
        styles = CellStyles.from_variables(self.app.theme_variables)
        table = self.table
        self._build_rows(self.host.inventory, styles, table.columns,
                         (table.sort_column, table.sort_reverse))

    @in_thread("rows")
    def _build_rows(
        self, inventory: Inventory | None, styles: CellStyles, columns: tuple[Column, ...],
        order: tuple[int, bool],
    ) -> None:
        built: tuple[list[TableRow], tuple[int, ...]] | None = None
        size = sum(len(r.functions) + len(r.layers) for r in inventory.regions) if inventory else 0
        try:
            with bulk_allocation(size):
                # Sorted here too: at 100,000 rows the sort would hold the event loop.
                rows = self.build_rows(inventory, styles)
                rows = sorted_rows(rows, *order, in_thread=True) if columns else rows
                built = (rows, natural_widths(columns, rows))
        finally:
            self.app.call_from_thread(self._rows_built, columns, built, order)

    def _rows_built(
        self, columns: tuple[Column, ...], built: tuple[list[TableRow], tuple[int, ...]] | None,
        order: tuple[int, bool],
    ) -> None:
        self._building = False
        # Rows built for columns the screen has since replaced (drift toggle) are dropped.
        if built is not None and self.is_attached and columns == self.table.columns:
            rows, natural = built
            self.table.empty_text = self.empty_words()
            self.table.set_rows(rows, natural=natural, sorted_by=order)
            self._show_details()
        if self._build_again and self.is_attached:
            self._build_again = False
            self.rebuild()

    @on(ResourceTable.Changed)
    def _table_changed(self, event: ResourceTable.Changed) -> None:
        self.query_one(CrumbBar).show(
            self.crumbs(),
            shown=event.shown,
            total=event.total,
            filter_text=event.table.filter_text,
            sort=event.table.sort_label,
        )

    @on(ResourceTable.Highlighted)
    def _row_highlighted(self) -> None:
        self._show_details()
        # The keys shown depend only on whether a row is selected (``check_action``); the
        # footer redraws whole on every refresh, and rows are re-set on every scan tick.
        selected = self.table.selected_row is not None
        if selected != self._had_selection:
            self._had_selection = selected
            self.refresh_bindings()

    @on(ResourceTable.Selected)
    def _row_selected(self, event: ResourceTable.Selected) -> None:
        self.open_row(event.row)

    def _show_details(self) -> None:
        panel = self.query_one(DetailsPanel)
        row = self.table.selected_row
        panel.show_fields(self.details(row) if row else [])

    # -- the filter prompt ------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterPrompt).open(self.table.filter_text)

    @on(FilterPrompt.Changed)
    def _filter_typed(self, event: FilterPrompt.Changed) -> None:
        event.stop()
        self.table.filter_text = event.value

    @on(FilterPrompt.Closed)
    def _filter_closed(self, event: FilterPrompt.Closed) -> None:
        if event.cleared:
            self.table.filter_text = ""
        self.set_focus(self.table)
        self.refresh_bindings()  # escape's word changes: "Clear filter" or "Back"

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return not self.ROOT or bool(self.table.filter_text)
        if action in MUTATING_ACTIONS and self.host.read_only:
            return False
        if action == "copy_arn" and not self.COPIES_ARN:
            return False
        if action in ("copy_arn", "toggle_details") and self.table.selected_row is None:
            return None
        return True

    def action_back(self) -> None:
        # A kept filter is the nearer thing to undo: escape clears it before it leaves.
        if self.table.filter_text:
            self.table.filter_text = ""
            self.refresh_bindings()
        elif not self.ROOT:
            self.app.pop_screen()

    def action_refresh(self) -> None:
        from layer_tui.ui.refreshing import refresh

        refresh(self.host, self.refresh_regions())  # says it started and when it has landed

    def action_copy_arn(self) -> None:
        if (row := self.table.selected_row) is not None:
            self.host.copy_arn(row.key)

    def action_toggle_details(self) -> None:
        self.host.show_details = not self.host.show_details
        self.query_one(DetailsPanel).set_class(not self.host.show_details, "-hidden")
