"""The reverse view: every function that uses layers, and which of them are behind."""

from __future__ import annotations

from rich.text import Text

from layer_tui.aws.models import FunctionRef, Inventory
from layer_tui.ui.account_names import account_label
from layer_tui.ui.formatting import (
    CellStyles,
    LayerVersionArn,
    LiveAge,
    age,
    joined,
    number,
    parse_aws_time,
    text,
    timestamp,
)
from layer_tui.ui.function_flags import function_flags
from layer_tui.ui.runtimes import is_deprecated
from layer_tui.ui.screens.account_column import (
    account_cells,
    account_columns,
    account_field,
    findable_by_account,
)
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.screens.consumers import consumer_label, consumer_order
from layer_tui.ui.screens.layers import ALL_REGIONS
from layer_tui.ui.selection import Selection
from layer_tui.ui.state import LayerIndex, all_regions
from layer_tui.ui.widgets import Column, TableRow


class FunctionsScreen(BrowseScreen):
    EMPTY_TEXT = "no function here uses a layer"

    def __init__(self, region: str | None) -> None:
        self.region_name = region
        self._index = LayerIndex({}, {})
        super().__init__()

    def columns(self) -> tuple[Column, ...]:
        region = (Column("region", "Region", max_width=16),) if self.region_name is None else ()
        return (
            Column("function", "Function", max_width=48, keep=True),
            *account_columns(self.host.several_accounts),
            *region,
            Column("runtime", "Runtime", max_width=16),
            Column("count", "Layers", justify="right"),
            Column("layers", "Layer versions", max_width=40),
            Column("behind", "Behind latest", max_width=30),
            Column("flags", "Flags", max_width=30),
            Column("modified", "Modified", max_width=16),
        )

    def crumbs(self) -> list[str]:
        return ["regions", self.region_name or ALL_REGIONS, self.scoped("functions")]

    def refresh_regions(self) -> tuple[str, ...] | None:
        return (self.region_name,) if self.region_name else None

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        regions = all_regions(inventory, self.region_name)
        index = self._index = LayerIndex.of(regions)
        account = inventory.account if inventory else ""
        shown = self.host.several_accounts
        rows = []
        for scanned in regions:
            whose, whose_sort = account_cells(shown, inventory, scanned.account, styles)
            for function in scanned.functions:
                labels = [LayerVersionArn.parse(arn).label for arn in function.layers]
                behind = [index.latest_label(arn) for arn in function.layers if index.behind(arn)]
                modified = parse_aws_time(function.last_modified)
                flags = joined(function_flags(function, index, scanned.account or account))
                region = [text(scanned.region, styles.muted)] if self.region_name is None else []
                region_sort = [scanned.region] if self.region_name is None else []
                cells: list[Text | LiveAge] = [
                    consumer_label(function, styles),
                    *whose,
                    *region,
                    text(function.runtime, styles.error if is_deprecated(function.runtime) else ""),
                    number(len(function.layers)),
                    text(joined(labels)),
                    text(joined(behind), styles.warning)
                    if behind
                    else text("up to date", styles.success),
                    text(flags, styles.error),
                    age(modified),
                ]
                sort_values = [
                    consumer_order(function),
                    *whose_sort,
                    *region_sort,
                    function.runtime,
                    len(function.layers),
                    joined(labels),
                    len(behind),
                    flags,
                    modified,
                ]
                row = TableRow.build(function.qualified_arn, cells, sort_values, item=function)
                rows.append(findable_by_account(row, scanned.account) if shown else row)
        return rows

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        function: FunctionRef = row.item
        lines = []
        several, inventory = self.host.several_accounts, self.host.inventory
        for position, arn in enumerate(function.layers, start=1):
            owner = arn.split(":")[4] if arn.count(":") >= 4 else ""
            # With several accounts a layer of another scanned account is named by its owner.
            whose = (f"{account_label(inventory, owner)}'s layer, "
                     if several and owner != function.account else "")
            if self._index.is_external(arn):
                note = "  (another account's layer)"
            elif behind := self._index.behind(arn):
                note = f"  ({whose}{behind} behind latest)"
            else:
                note = f"  ({whose[:-2]})" if whose else ""
            lines.append(f"{position}. {arn}{note}")
        return [
            ("Function", function.qualified_arn),
            *((account_field(inventory, function.account),) if several else ()),
            *((("Aliases", joined(function.aliases)),) if function.aliases else ()),
            ("Runtime", function.runtime or ""),
            ("Architectures", joined(function.architectures)),
            ("Modified", timestamp(function.last_modified)),
            ("Layers", "\n".join(lines)),
        ]

    def open_row(self, row: TableRow) -> None:
        from layer_tui.ui.screens.function import FunctionScreen  # with what it needs, when opened

        self.app.push_screen(FunctionScreen(row.item))

    def selection(self) -> Selection:
        row = self.table.selected_row
        return Selection(region=self.region_name, function=row.item if row is not None else None)
