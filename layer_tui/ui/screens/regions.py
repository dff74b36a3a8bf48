"""The first screen: every region of the account, filling in as each one's scan finishes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from layer_tui.aws.models import Inventory, RegionInventory
from layer_tui.ui.formatting import CellStyles, age, number, size, size_cell, text
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.state import RegionScan, region_error_words
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

    def crumbs(self) -> list[str]:
        return [self.scoped("regions")]

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        scans = self.tui.scan_states
        names = list(scans)
        if inventory is not None:
            names += [r.region for r in inventory.regions if r.region not in scans]
        rows = []
        for name in names:
            scanned = inventory.region(name) if inventory is not None else None
            rows.append(self._row(name, scans.get(name), scanned, styles))
        return rows

    def _row(
        self,
        name: str,
        scan: RegionScan | None,
        scanned: RegionInventory | None,
        styles: CellStyles,
    ) -> TableRow:
        status, rank = self._status(scan, scanned, styles)
        healthy = scanned is not None and scanned.error is None
        layers = len(scanned.layers) if healthy and scanned else None
        versions = scanned.version_count if healthy and scanned else None
        stored = scanned.stored_bytes if healthy and scanned else None
        functions = scanned.functions_scanned if healthy and scanned else None
        using = len({f.arn for f in scanned.functions}) if healthy and scanned else None
        scanned_at = scanned.scanned_at if scanned else None
        cells = [
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
        return TableRow.build(name, cells, sort_values, item=scanned)

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
        scanned: RegionInventory | None = row.item
        fields = [("Region", row.key)]
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
        scanned: RegionInventory | None = row.item
        if scanned is None:  # still being scanned (or queued): its layers fill in as they come
            self.tui.open_layers(row.key)
        elif scanned.error is not None:
            self.notify(scanned.error.message, title=row.key, severity="error")
        else:
            self.tui.open_layers(row.key)

    def action_all_layers(self) -> None:
        self.tui.open_layers(None)

    def on_mount(self) -> None:
        # BrowseScreen.on_mount runs too (Textual calls each class's handler).
        self.watch(self.app, "scan_states", self._inventory_changed, init=False)
        self.watch(self.app, "load_error", self._show_load_error)

    def empty_words(self) -> str:
        error = self.tui.load_error
        return f"nothing scanned: {error}" if error else self.EMPTY_TEXT

    def _show_load_error(self, error: str | None) -> None:
        self.table.empty_text = self.empty_words()
        self.table.refresh()
