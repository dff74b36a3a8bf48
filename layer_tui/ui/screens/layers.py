"""The layers of one region, or of every region at once."""

from __future__ import annotations

from rich.text import Text

from layer_tui.aws.models import Inventory, Layer
from layer_tui.ui.account_names import account_label
from layer_tui.ui.formatting import (
    CellStyles,
    LiveAge,
    age,
    joined,
    number,
    parse_aws_time,
    size,
    size_cell,
    text,
    timestamp,
)
from layer_tui.ui.runtimes import deprecated_among
from layer_tui.ui.screens.account_column import (
    account_cells,
    account_columns,
    account_field,
    findable_by_account,
)
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.screens.versions import VersionsScreen
from layer_tui.ui.selection import Selection
from layer_tui.ui.state import all_regions
from layer_tui.ui.widgets import Column, TableRow

ALL_REGIONS = "all regions"


def layer_flags(layer: Layer) -> tuple[str, ...]:
    """DEPRECATED when the newest build targets a deprecated runtime; N UNUSED versions."""
    flags = []
    latest = layer.newest_build
    if latest is not None and deprecated_among(latest.compatible_runtimes):
        flags.append("DEPRECATED")
    unused = sum(1 for v in layer.versions if not v.consumers)
    if unused:
        flags.append(f"{unused} UNUSED")
    return tuple(flags)


class LayersScreen(BrowseScreen):
    EMPTY_TEXT = "no layers in this region"

    def __init__(self, region: str | None, *, account: str | None = None) -> None:
        """``account`` narrows the screen to one account's layers (several accounts only)."""
        self.region_name = region
        self.account = account
        super().__init__()

    @property
    def accounts_shown(self) -> bool:
        """Whether rows of several accounts are in view (then they say whose they are)."""
        return self.account is None and self.host.several_accounts

    def columns(self) -> tuple[Column, ...]:
        region = (Column("region", "Region", max_width=16),) if self.region_name is None else ()
        return (
            Column("name", "Layer", max_width=40, keep=True),
            *account_columns(self.accounts_shown),
            *region,
            Column("latest", "Latest", justify="right"),
            Column("versions", "Versions", justify="right"),
            Column("size", "Size", justify="right"),
            Column("runtimes", "Runtimes", max_width=26),
            Column("arch", "Arch", max_width=14),
            Column("published", "Published", max_width=16),
            Column("consumers", "Consumers", justify="right"),
            Column("flags", "Flags", max_width=24, keep=True),
        )

    def crumbs(self) -> list[str]:
        whose = [account_label(self.host.inventory, self.account)] if self.account else []
        return ["regions", *whose, self.region_name or ALL_REGIONS, self.scoped("layers")]

    def refresh_regions(self) -> tuple[str, ...] | None:
        return (self.region_name,) if self.region_name else None

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        rows = []
        shown = self.accounts_shown
        for scanned in all_regions(inventory, self.region_name, self.account):
            whose, whose_sort = account_cells(shown, inventory, scanned.account, styles)
            for layer in scanned.layers:
                latest = layer.newest_build  # a restored copy is never the latest build
                flags = layer_flags(layer)
                runtimes = latest.compatible_runtimes if latest else ()
                created = parse_aws_time(latest.created) if latest else None
                region = [text(layer.region, styles.muted)] if self.region_name is None else []
                region_sort = [layer.region] if self.region_name is None else []
                flag_style = styles.error if "DEPRECATED" in flags else styles.warning
                cells: list[Text | LiveAge] = [
                    text(layer.name, "bold"),
                    *whose,
                    *region,
                    number(latest.version if latest else None),
                    number(len(layer.versions)),
                    size_cell(latest.code_size if latest else None),
                    text(joined(runtimes)),
                    text(joined(latest.compatible_architectures) if latest else ""),
                    age(created),
                    number(layer.consumer_count),
                    text(" ".join(flags), flag_style),
                ]
                sort_values = [
                    layer.name.lower(),
                    *whose_sort,
                    *region_sort,
                    latest.version if latest else None,
                    len(layer.versions),
                    latest.code_size if latest else None,
                    joined(runtimes),
                    joined(latest.compatible_architectures) if latest else "",
                    created,
                    layer.consumer_count,
                    " ".join(flags),
                ]
                row = TableRow.build(layer.arn, cells, sort_values, item=layer)
                rows.append(findable_by_account(row, scanned.account) if shown else row)
        return rows

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        layer: Layer = row.item
        latest = layer.latest
        fields = [("Layer ARN", layer.arn)]
        if self.host.several_accounts:
            fields.append(account_field(self.host.inventory, layer.arn.split(":")[4]))
        if latest is None:
            return fields
        stored = sum(v.code_size or 0 for v in layer.versions)
        fields += [
            ("Latest", latest.arn),
            ("Description", latest.description),
            ("License", latest.license or ""),
            ("Created", timestamp(latest.created)),
            ("SHA-256", latest.code_sha256 or ""),
            ("Stored", f"{size(stored)} in {len(layer.versions)} versions"),
        ]
        deprecated = deprecated_among(latest.compatible_runtimes)
        if deprecated:
            fields.append(("Deprecated", joined(deprecated)))
        return fields

    def open_row(self, row: TableRow) -> None:
        self.app.push_screen(VersionsScreen(row.key))

    def selection(self) -> Selection:
        row = self.table.selected_row
        return Selection(region=self.region_name, layer=row.item if row is not None else None)
