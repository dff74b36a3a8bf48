"""The first screen: every region of the account, filling in as each one's scan finishes.

With several accounts it lists account x region: an Account column first, each account's
regions under it, and an account that could not be read at all as one row with the reason.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from layer_tui.aws.models import Inventory, RegionInventory
from layer_tui.ui.account_names import account_label
from layer_tui.ui.formatting import CellStyles, LiveAge, age, number, size, size_cell, text
from layer_tui.ui.screens.account_column import account_field, findable_by_account
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.selection import Selection
from layer_tui.ui.state import AccountScan, RegionScan, region_error_words
from layer_tui.ui.widgets import Column, TableRow

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


class RegionsScreen(BrowseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "all_layers", "All regions", id="regions.all-layers"),
    ]
    COLUMNS = (
        Column("region", "Region", max_width=16, keep=True),
        Column("status", "Status", max_width=34),
        Column("layers", "Layers", justify="right"),
        Column("versions", "Versions", justify="right"),
        Column("stored", "Stored", justify="right"),
        Column("functions", "Functions", justify="right"),
        Column("using", "Using layers", justify="right"),
        Column("scanned", "Scanned", max_width=18),
    )
    EMPTY_TEXT = "looking up the account and its regions" + ELLIPSIS
    ROOT = True
    COPIES_ARN = False
    #: With several accounts: whose regions these are, before anything else; account and
    #: region stay put when the table scrolls, and the status (a failed account's reason)
    #: keeps its width while the counts give way.
    ACCOUNT_COLUMNS = (
        Column("account", "Account", max_width=20, keep=True),
        COLUMNS[0],
        replace(COLUMNS[1], keep=True),
        *COLUMNS[2:],
    )
    ACCOUNTS_EMPTY_TEXT = "looking up the accounts" + ELLIPSIS

    def columns(self) -> tuple[Column, ...]:
        return self.ACCOUNT_COLUMNS if self.host.several_accounts else self.COLUMNS

    def crumbs(self) -> list[str]:
        return [self.scoped("regions")]

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        if self.host.several_accounts:
            return self._account_rows(inventory, styles)
        scans = self.host.scan_states
        names = [key[1] for key in scans]
        if inventory is not None:
            names += [r.region for r in inventory.regions if ("", r.region) not in scans]
        rows = []
        for name in names:
            scanned = inventory.region(name) if inventory is not None else None
            rows.append(self._row(name, scans.get(("", name)), scanned, styles))
        return rows

    def _account_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        """Account x region, accounts in the order they were resolved; an account that could
        not be read, or whose regions are not known yet, is one row."""
        scans = self.host.scan_states
        rows = []
        for account, state in self.host.account_scans.items():
            label = account_label(inventory, account) if state.summary.account else (
                state.summary.name or account)  # a profile that could not be read
            names = [key[1] for key in scans if key[0] == account]
            if inventory is not None:
                names += [r.region for r in inventory.account_regions(account)
                          if (account, r.region) not in scans]
            if state.failed or not names:
                rows.append(self._account_row(state, label, styles))
                continue
            for name in names:
                scanned = inventory.region(name, account) if inventory is not None else None
                row = self._row(name, scans.get((account, name)), scanned, styles,
                                account=account, label=label)
                rows.append(findable_by_account(row, account))
        return rows

    def _account_row(self, state: AccountScan, label: str, styles: CellStyles) -> TableRow:
        error = state.summary.error
        if error is not None:
            status, rank = text(region_error_words(error.code), styles.error), 2
        else:
            status, rank = text(f"looking up its regions{ELLIPSIS}", styles.accent), 1
        cells: list[Text | LiveAge] = [
            text(label, "bold"), text("", styles.muted), status,
            *(number(None) for _ in range(5)), age(None, styles.muted)]
        sort_values = [(label.lower(), ""), "", rank, None, None, None, None, None, None]
        key = state.summary.account or state.summary.source or state.summary.name
        row = TableRow.build(key, cells, sort_values, item=state)
        return findable_by_account(row, state.summary.account)

    def _row(
        self,
        name: str,
        scan: RegionScan | None,
        scanned: RegionInventory | None,
        styles: CellStyles,
        *,
        account: str = "",
        label: str = "",
    ) -> TableRow:
        status, rank = self._status(scan, scanned, styles)
        healthy = scanned is not None and scanned.error is None
        layers = len(scanned.layers) if healthy and scanned else None
        versions = scanned.version_count if healthy and scanned else None
        stored = scanned.stored_bytes if healthy and scanned else None
        functions = scanned.functions_scanned if healthy and scanned else None
        using = len({f.arn for f in scanned.functions}) if healthy and scanned else None
        scanned_at = scanned.scanned_at if scanned else None
        cells: list[Text | LiveAge] = [
            text(name, "bold"),
            status,
            number(layers),
            number(versions),
            size_cell(stored) if not healthy or scanned is None or scanned.sizes_known
            else text(ELLIPSIS, styles.muted),
            number(functions),
            number(using),
            age(scanned_at, styles.muted),
        ]
        sort_values = [name, rank, layers, versions, stored, functions, using, scanned_at]
        if not account:
            return TableRow.build(name, cells, sort_values, item=scanned)
        cells.insert(0, text(label, "bold"))
        sort_values.insert(0, (label.lower(), name))  # an account's regions by name
        return TableRow.build(f"{account}/{name}", cells, sort_values, item=scanned)

    def _status(
        self, scan: RegionScan | None, scanned: RegionInventory | None, styles: CellStyles
    ) -> tuple[Text, int]:
        if scan is not None and scan.running:
            verb = "refreshing" if scanned is not None else "scanning"
            if scan.stage == "queued":
                return text("queued", styles.muted), 1
            progress = f"{scan.done}/{scan.total}" if scan.total else (scan.done or "")
            if scan.stage == "sizes":  # listed already: only the sizes are on their way
                return text(f"reading sizes {progress}", styles.accent), 1
            return text(f"{verb}{ELLIPSIS} {scan.stage} {progress}".rstrip(), styles.accent), 1
        if scanned is None:
            return text("not scanned", styles.muted), 1
        if scanned.error is not None:
            return text(region_error_words(scanned.error.code), styles.error), 2
        return text("ok", styles.success), 0

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        if isinstance(row.item, AccountScan):
            summary = row.item.summary
            fields = [account_field(self.host.inventory, summary.account) if summary.account
                      else ("Account", "not known: its credentials could not be read")]
            if summary.source:
                fields.append(("From", summary.source))
            if summary.error is not None:
                fields += [("Error", summary.error.code), ("Why", summary.error.message)]
            return fields
        scanned: RegionInventory | None = row.item
        account, _, region = row.key.rpartition("/")
        fields = [("Region", region)]
        if account:
            fields.insert(0, account_field(self.host.inventory, account))
        if scanned is None:
            return fields
        if scanned.error is not None:
            fields += [("Error", scanned.error.code), ("Why", scanned.error.message)]
        else:
            fields += [
                ("Stored", size(scanned.stored_bytes) or "0 B"),
                ("External layers", str(len(scanned.external_layers))),
                ("Published versions", "scanned" if scanned.all_versions else "$LATEST only"),
            ]
        if scanned.scanned_at is not None:
            fields.append(("Scanned", f"{scanned.scanned_at:%Y-%m-%d %H:%M:%S UTC}"))
        return fields

    def open_row(self, row: TableRow) -> None:
        if isinstance(row.item, AccountScan):
            if (error := row.item.summary.error) is not None:
                title = account_label(self.host.inventory, row.key)
                self.notify(error.message, title=title, severity="error")
            return
        scanned: RegionInventory | None = row.item
        # Several accounts: one account's layers of the region (the key is account/region).
        account, _, region = row.key.rpartition("/")
        if scanned is not None and scanned.error is not None:
            self.notify(scanned.error.message, title=region, severity="error")
        else:  # still being scanned (or queued): its layers fill in as they come
            from layer_tui.ui.screens.layers import LayersScreen  # after the first paint

            self.app.push_screen(LayersScreen(region, account=account or None))

    def action_all_layers(self) -> None:
        from layer_tui.ui.screens.layers import LayersScreen

        self.app.push_screen(LayersScreen(None))

    def selection(self) -> Selection:
        # A region row is where a publish goes; a row still being scanned is no region yet.
        row = self.table.selected_row
        scanned = row.item if row is not None else None
        return Selection(row_region=scanned.region if isinstance(scanned, RegionInventory)
                         else None)

    def on_mount(self) -> None:
        # BrowseScreen.on_mount runs too (Textual calls each class's handler).
        self.watch(self.app, "scan_states", self._inventory_changed, init=False)
        self.watch(self.app, "account_scans", self._inventory_changed, init=False)
        self.watch(self.app, "load_error", self._show_load_error)

    def empty_words(self) -> str:
        error = self.host.load_error
        if error:
            return f"nothing scanned: {error}"
        return self.ACCOUNTS_EMPTY_TEXT if self.host.several_accounts else self.EMPTY_TEXT

    def _show_load_error(self, error: str | None) -> None:
        self.table.empty_text = self.empty_words()
        self.table.refresh()
