"""The functions that use a layer version; ``t`` shows every version's consumers (drift)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from layer_tui.aws.models import LATEST, FunctionRef, Inventory, Layer, LayerVersion
from layer_tui.ui.formatting import (
    CellStyles,
    LayerVersionArn,
    age,
    joined,
    number,
    parse_aws_time,
    text,
    timestamp,
)
from layer_tui.ui.function_flags import function_flags
from layer_tui.ui.runtimes import is_deprecated
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.state import LayerIndex, all_regions, find_layer
from layer_tui.ui.widgets import Column, TableRow

#: With --latest-only, "no consumer" only means no $LATEST: published versions were not read.
LATEST_ONLY_EMPTY_TEXT = (
    "no function's $LATEST uses this version (published versions not scanned: --latest-only)"
)


def layer_position(function: FunctionRef, layer_version_arn: str) -> str:
    """``2/3``: where this layer sits in the function's list (later layers win on conflicts)."""
    if layer_version_arn in function.layers:
        return f"{function.layers.index(layer_version_arn) + 1}/{len(function.layers)}"
    return f"?/{len(function.layers)}"


def other_layers(function: FunctionRef, layer_version_arn: str) -> str:
    return joined(
        LayerVersionArn.parse(arn).label for arn in function.layers if arn != layer_version_arn
    )


def consumer_label(function: FunctionRef, styles: CellStyles) -> Text:
    """``billing:1 (alias prod)``, ``billing ($LATEST)``: the name, qualifier and aliases.

    A published version is a consumer in its own right (it keeps its layers for ever, and an
    alias may route traffic to it), so it is named as such, never folded into the function.
    """
    name = function.function if function.version == LATEST else (
        f"{function.function}:{function.version}"
    )
    label = text(name, "bold")
    rest = function.label[len(name):]
    if rest:
        label.append_text(text(rest, styles.muted if function.version == LATEST else ""))
    return label


def consumer_order(function: FunctionRef) -> tuple[str, int]:
    """By name, then ``$LATEST`` before the published versions in number order."""
    return (function.function.lower(), int(function.version) if function.version.isdigit() else -1)


class ConsumersScreen(BrowseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "toggle_drift", "Drift", id="consumers.drift"),
    ]
    EMPTY_TEXT = "no function uses this version"

    drift: reactive[bool] = reactive(False, init=False)
    """Show the consumers of every version of this layer, side by side."""

    def __init__(self, version_arn: str) -> None:
        self.version_arn = version_arn
        self.parsed = LayerVersionArn.parse(version_arn)
        super().__init__()

    def columns(self) -> tuple[Column, ...]:
        version = (Column("layer_version", "Uses", justify="right"),) if self.drift else ()
        return (
            Column("function", "Function", max_width=48, keep=True),
            *version,
            Column("runtime", "Runtime", max_width=16),
            Column("arch", "Arch", max_width=14),
            Column("modified", "Modified", max_width=16),
            Column("position", "Position", justify="right"),
            Column("others", "Other layers", max_width=36),
            Column("behind", "Behind latest", max_width=16),
            Column("flags", "Flags", max_width=30),
        )

    def crumbs(self) -> list[str]:
        last = "consumers of every version" if self.drift else f"v{self.parsed.version} consumers"
        return ["regions", self.parsed.region, self.parsed.name, self.scoped(last)]

    def on_mount(self) -> None:
        # BrowseScreen.on_mount runs too (Textual calls each class's handler).
        if self.tui.config.latest_only:
            self.table.empty_text = LATEST_ONLY_EMPTY_TEXT

    def empty_words(self) -> str:
        words = super().empty_words()
        latest_only = self.tui.config.latest_only and words == self.EMPTY_TEXT
        return LATEST_ONLY_EMPTY_TEXT if latest_only else words

    def refresh_regions(self) -> tuple[str, ...] | None:
        return (self.parsed.region,)

    def watch_drift(self) -> None:
        self.table.set_columns(self.columns())
        self.rebuild()

    def action_toggle_drift(self) -> None:
        self.drift = not self.drift

    def _versions(self, layer: Layer) -> list[LayerVersion]:
        if self.drift:
            return list(layer.versions)
        return [v for v in layer.versions if v.arn == self.version_arn]

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        layer = find_layer(inventory, self.parsed.layer_arn)
        if layer is None:
            return []
        # Against the newest build, not the highest number: a restored copy of an old version
        # is the highest number and old code (Layer.newest_build).
        target = layer.newest_build
        newest = target.version if target else 0
        index = LayerIndex.of(all_regions(inventory, self.parsed.region))
        account = inventory.account if inventory else ""
        rows = []
        for version in self._versions(layer):
            behind = layer.behind(version)
            for function in version.consumers:
                modified = parse_aws_time(function.last_modified)
                flags = joined(function_flags(function, index, account))
                uses = [number(version.version, "bold")] if self.drift else []
                uses_sort = [version.version] if self.drift else []
                runtime_style = styles.error if is_deprecated(function.runtime) else ""
                behind_text = (
                    f"{behind} ({version.version}\N{RIGHTWARDS ARROW}{newest})" if behind else "no"
                )
                cells = [
                    consumer_label(function, styles),
                    *uses,
                    text(function.runtime, runtime_style),
                    text(joined(function.architectures)),
                    age(modified),
                    text(layer_position(function, version.arn)),
                    text(other_layers(function, version.arn)),
                    text(behind_text, styles.warning if behind else styles.success),
                    text(flags, styles.error),
                ]
                sort_values = [
                    consumer_order(function),
                    *uses_sort,
                    function.runtime,
                    joined(function.architectures),
                    modified,
                    function.layers.index(version.arn) if version.arn in function.layers else 99,
                    other_layers(function, version.arn),
                    behind,
                    flags,
                ]
                rows.append(
                    TableRow.build(
                        function.qualified_arn, cells, sort_values, item=(function, version)
                    )
                )
        return rows

    def open_row(self, row: TableRow) -> None:
        self.tui.open_function(row.item[0])

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        function, version = row.item
        layers = "\n".join(f"{index}. {arn}" for index, arn in enumerate(function.layers, start=1))
        return [
            ("Function", function.qualified_arn),
            *((("Aliases", joined(function.aliases)),) if function.aliases else ()),
            ("Uses", version.arn),
            ("Runtime", function.runtime or ""),
            ("Modified", timestamp(function.last_modified)),
            ("Layers", layers),
        ]
