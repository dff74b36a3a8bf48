"""The functions that use a layer version; ``t`` shows every version's consumers (drift)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from layer_tui.aws.models import LATEST, FunctionRef, Inventory, Layer, LayerVersion
from layer_tui.aws.session import AwsSession
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
from layer_tui.ui.index_lookup import IndexLookup, look_up, marked
from layer_tui.ui.messages import OpenFunction
from layer_tui.ui.runtimes import is_deprecated
from layer_tui.ui.screens.account_column import (
    account_cells,
    account_columns,
    account_crumbs,
    account_field,
    findable_by_account,
)
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.selection import Selection, find_version
from layer_tui.ui.state import LayerIndex, all_regions, find_layer
from layer_tui.ui.widgets import Column, TableRow
from layer_tui.ui.workers import in_thread

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
        #: What the Config index (--index) said of this version, once it has answered.
        self.index_lookup: IndexLookup | None = None
        super().__init__()

    def columns(self) -> tuple[Column, ...]:
        version = (Column("layer_version", "Uses", justify="right"),) if self.drift else ()
        return (
            Column("function", "Function", max_width=48, keep=True),
            # A version's consumers live in every scanned account of its region.
            *account_columns(self.host.several_accounts),
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
        whose = account_crumbs(self.host.several_accounts, self.host.inventory, self.version_arn)
        if self.host.config.index and not self.drift:
            version = find_version(self.host.inventory, self.version_arn)
            lookup = self.index_lookup or IndexLookup(self.version_arn)
            shown = [lookup.completed(version, self.host.inventory)] if version else []
            last = lookup.crumb(last, shown)
        return ["regions", *whose, self.parsed.region, self.parsed.name, self.scoped(last)]

    def on_mount(self) -> None:
        # BrowseScreen.on_mount runs too (Textual calls each class's handler).
        if self.host.config.latest_only:
            self.table.empty_text = LATEST_ONLY_EMPTY_TEXT
        if self.host.config.index:
            self._ask_index(self.host.aws_session(), self.host.config.index)

    @in_thread("config-index", exclusive=True)
    def _ask_index(self, session: AwsSession, option: str) -> None:
        lookup = look_up(session, option, self.version_arn)
        self.app.call_from_thread(self._index_answered, lookup)

    def _index_answered(self, lookup: IndexLookup) -> None:
        self.index_lookup = lookup
        if lookup.problem is not None:
            self.host.notify(lookup.problem, title="AWS Config", severity="warning")
        self.rebuild()

    def action_refresh(self) -> None:
        super().action_refresh()
        if self.host.config.index:  # and Config again: it may have recorded since
            self._ask_index(self.host.aws_session(), self.host.config.index)

    def empty_words(self) -> str:
        words = super().empty_words()
        latest_only = self.host.config.latest_only and words == self.EMPTY_TEXT
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
        shown = self.host.several_accounts
        rows = []
        for version in self._versions(layer):
            if self.index_lookup is not None:  # the Config index's consumers join the scan's
                version = self.index_lookup.completed(version, inventory)
            behind = layer.behind(version)
            for function in version.consumers:
                modified = parse_aws_time(function.last_modified)
                # "deleted" is judged in the function's own account (its layers of it).
                flags = joined(function_flags(function, index, function.account or account))
                whose, whose_sort = account_cells(shown, inventory, function.account, styles)
                uses = [number(version.version, "bold")] if self.drift else []
                uses_sort = [version.version] if self.drift else []
                runtime_style = styles.error if is_deprecated(function.runtime) else ""
                behind_text = (
                    f"{behind} ({version.version}\N{RIGHTWARDS ARROW}{newest})" if behind else "no"
                )
                cells: list[Text | LiveAge] = [
                    marked(consumer_label(function, styles), function, styles.muted),
                    *whose,
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
                    *whose_sort,
                    *uses_sort,
                    function.runtime,
                    joined(function.architectures),
                    modified,
                    function.layers.index(version.arn) if version.arn in function.layers else 99,
                    other_layers(function, version.arn),
                    behind,
                    flags,
                ]
                row = TableRow.build(
                    function.qualified_arn, cells, sort_values, item=(function, version)
                )
                rows.append(findable_by_account(row, function.account) if shown else row)
        return rows

    def open_row(self, row: TableRow) -> None:
        # The app opens it: the function screen links back here (a layer's consumers).
        self.post_message(OpenFunction(row.item[0]))

    def selection(self) -> Selection:
        """The row's function and the version it uses (in the drift view, not always this
        screen's); with no row, this screen's version."""
        inventory = self.host.inventory
        row = self.table.selected_row
        function, version = row.item if row is not None else (
            None, find_version(inventory, self.version_arn))
        return Selection(region=self.parsed.region,
                         layer=find_layer(inventory, self.parsed.layer_arn),
                         version=version, function=function)

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        function, version = row.item
        layers = "\n".join(f"{index}. {arn}" for index, arn in enumerate(function.layers, start=1))
        whose = [account_field(self.host.inventory, function.account)]
        return [
            ("Function", function.qualified_arn),
            *(whose if self.host.several_accounts else ()),
            *((("Aliases", joined(function.aliases)),) if function.aliases else ()),
            ("Uses", version.arn),
            ("Runtime", function.runtime or ""),
            ("Modified", timestamp(function.last_modified)),
            ("Layers", layers),
        ]
