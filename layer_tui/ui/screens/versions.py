"""The versions of one layer, newest first, with who uses each."""

from __future__ import annotations

from rich.text import Text

from layer_tui.aws.models import Inventory, LayerVersion
from layer_tui.ui.formatting import (
    CellStyles,
    LayerVersionArn,
    LiveAge,
    age,
    joined,
    number,
    parse_aws_time,
    short_sha,
    size,
    size_cell,
    text,
    timestamp,
)
from layer_tui.ui.runtimes import deprecated_among
from layer_tui.ui.screens.account_column import account_crumbs
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.selection import Selection
from layer_tui.ui.state import find_layer
from layer_tui.ui.widgets import Column, TableRow


def version_flags(version: LayerVersion, latest: int | None) -> tuple[str, ...]:
    flags = []
    if version.version == latest:
        flags.append("LATEST")
    if version.restored_from:
        flags.append(f"RESTORED {version.restored_from}")
    if not version.consumers:
        flags.append("UNUSED")
    if deprecated_among(version.compatible_runtimes):
        flags.append("DEPRECATED")
    return tuple(flags)


class VersionsScreen(BrowseScreen):
    COLUMNS = (
        Column("version", "Version", justify="right"),
        Column("created", "Created", max_width=16),
        Column("size", "Size", justify="right"),
        Column("sha", "SHA-256", width=10),
        Column("runtimes", "Runtimes", max_width=26),
        Column("arch", "Arch", max_width=14),
        Column("description", "Description", max_width=30),
        Column("consumers", "Consumers", justify="right"),
        Column("flags", "Flags", max_width=26, keep=True),
    )
    EMPTY_TEXT = "this layer has no versions left"

    def __init__(self, layer_arn: str) -> None:
        self.layer_arn = layer_arn
        self.parsed = LayerVersionArn.parse(layer_arn)
        super().__init__()

    def on_mount(self) -> None:
        # Newest first is how people read versions.
        self.table.set_reactive(type(self.table).sort_reverse, True)

    def crumbs(self) -> list[str]:
        whose = account_crumbs(self.host.several_accounts, self.host.inventory, self.layer_arn)
        return ["regions", *whose, self.parsed.region, self.parsed.name, self.scoped("versions")]

    def refresh_regions(self) -> tuple[str, ...] | None:
        return (self.parsed.region,)

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        layer = find_layer(inventory, self.layer_arn)
        if layer is None:
            return []
        # LATEST is the newest build: a restored copy of an old one is flagged RESTORED instead.
        latest = layer.newest_build.version if layer.newest_build else None
        rows = []
        for version in layer.versions:
            flags = version_flags(version, latest)
            created = parse_aws_time(version.created)
            if "DEPRECATED" in flags:
                flag_style = styles.error
            elif "UNUSED" in flags:
                flag_style = styles.warning
            else:
                flag_style = styles.success
            cells: list[Text | LiveAge] = [
                number(version.version, "bold"),
                age(created),
                size_cell(version.code_size),
                text(short_sha(version.code_sha256), styles.muted),
                text(joined(version.compatible_runtimes)),
                text(joined(version.compatible_architectures)),
                text(version.description),
                number(len(version.consumers)),
                text(" ".join(flags), flag_style),
            ]
            sort_values = [
                version.version,
                created,
                version.code_size,
                version.code_sha256,
                joined(version.compatible_runtimes),
                joined(version.compatible_architectures),
                version.description.lower(),
                len(version.consumers),
                " ".join(flags),
            ]
            rows.append(TableRow.build(version.arn, cells, sort_values, item=version))
        return rows

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        version: LayerVersion = row.item
        fields = [
            ("ARN", version.arn),
            ("Description", version.description),
            ("License", version.license or ""),
            ("Created", timestamp(version.created)),
            (
                "Size",
                f"{size(version.code_size)} ({version.code_size:,} bytes zipped)"
                if version.code_size is not None
                else "",
            ),
            ("SHA-256", version.code_sha256 or ""),
            ("Runtimes", joined(version.compatible_runtimes)),
        ]
        deprecated = deprecated_among(version.compatible_runtimes)
        if deprecated:
            fields.append(("Deprecated", joined(deprecated)))
        return fields

    def open_row(self, row: TableRow) -> None:
        self.app.push_screen(ConsumersScreen(row.key))

    def selection(self) -> Selection:
        row = self.table.selected_row
        return Selection(region=self.parsed.region,
                         layer=find_layer(self.host.inventory, self.layer_arn),
                         version=row.item if row is not None else None)
