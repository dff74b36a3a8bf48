"""Enter on a function: its facts, its layers in merge order, and the /opt they make.

The layers table fills at once from the inventory (zipped sizes, the flags the inventory can
tell); a worker then reads GetFunction and every layer's central directory (nothing is
downloaded) and the table, the budget bar, the findings and the merged /opt panel fill in.
Actions on the function (repin one layer, reorder, remove, pull) hang off ``BINDINGS``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from layer_tui.aws.errors import describe
from layer_tui.aws.findings import plural
from layer_tui.aws.function_change import REMOVE, REORDER, REPIN, LayerChange
from layer_tui.aws.function_view import FunctionFacts, FunctionView, find_function
from layer_tui.aws.merged_opt import DELETED, MergedOpt, merged_opt
from layer_tui.aws.models import FunctionRef, Inventory
from layer_tui.safe_text import visible_line
from layer_tui.ui.formatting import CellStyles, LayerVersionArn, joined, text, timestamp
from layer_tui.ui.function_flags import layer_flags
from layer_tui.ui.screens.account_column import account_crumbs
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.selection import Selection, of_version
from layer_tui.ui.state import LayerIndex, all_regions
from layer_tui.ui.widgets import (
    Column,
    CrumbBar,
    DetailsPanel,
    FilterPrompt,
    HeaderBar,
    ResourceTable,
    TableRow,
)
from layer_tui.ui.widgets.findings_list import FindingsList
from layer_tui.ui.widgets.key_footer import KeyFooter
from layer_tui.ui.widgets.size_bar import (
    SEPARATOR,
    budget_bar,
    budget_style,
    compact_size,
    compact_size_cell,
    share_label,
)
from layer_tui.ui.workers import in_thread

#: The merged /opt panel names this many shadowed files; the CLI's --json has them all.
SHADOWED_SHOWN = 12
#: The actions that change this function's list.
_CHANGES = frozenset({"repin", "move_layer", "remove_layer"})
#: Flags that mean the next deploy (or the function itself) breaks: shown as errors.
_SEVERE = frozenset({DELETED, "architecture"})


class FunctionScreen(BrowseScreen):
    """One function configuration; its rows are its layers in merge order (1 first)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload", id="function.reload"),
        # Changes to this function's list (absent in read-only: ``check_action``).
        Binding("m", "repin", "Repin layer", id="function.repin-layer"),
        Binding("left_square_bracket,shift+up", "move_layer(-1)", "Move up", key_display="[",
                id="function.move-up"),
        Binding("right_square_bracket,shift+down", "move_layer(1)", "Move down",
                key_display="]", id="function.move-down"),
        Binding("x", "remove_layer", "Remove layer", id="function.remove-layer"),
    ]
    DEFAULT_CSS = """
    FunctionScreen {
        & #function-facts { height: auto; padding: 0 1; background: $surface; }
        & #function-budget { height: 1; padding: 0 1; background: $surface; }
        & ResourceTable { height: auto; max-height: 9; }
        & #function-opt {
            height: 1fr; padding: 0 1; border-top: solid $primary-muted;
            border-title-color: $text-primary; border-title-style: bold;
        }
    }
    """
    EMPTY_TEXT = "this function uses no layer"

    def __init__(self, function: FunctionRef) -> None:
        self.function = function
        self.region_name = function.region or function.arn.split(":")[3]
        self.view: FunctionView | None = None
        self._index = LayerIndex({}, {})
        super().__init__()

    # -- what BrowseScreen asks -------------------------------------------------------------

    def columns(self) -> tuple[Column, ...]:
        return (
            Column("position", "#", justify="right"),
            Column("layer", "Layer version", max_width=40, keep=True),
            Column("zipped", "Zipped", justify="right"),
            Column("unzipped", "Unzipped", justify="right"),
            Column("flags", "Flags", max_width=36),
            Column("runtimes", "Runtimes", max_width=28),
            Column("arch", "Arch", max_width=14),
        )

    def crumbs(self) -> list[str]:
        whose = account_crumbs(self.host.several_accounts, self.host.inventory, self.function.arn)
        return ["regions", *whose, self.region_name, "functions", self.function.label]

    def refresh_regions(self) -> tuple[str, ...] | None:
        return (self.region_name,)

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        self._index = LayerIndex.of(all_regions(inventory, self.region_name))
        # "deleted" is judged in the function's own account (several accounts: not the home's).
        account = self.function.account or (inventory.account if inventory else "")
        opt = self.view.opt if self.view else None
        arns = [layer.arn for layer in opt.layers] if opt else list(self.function.layers)
        rows = []
        for position, arn in enumerate(arns, start=1):
            known = self._index.versions.get(arn)
            if opt is not None:
                layer = opt.layer_at(position)
                flags, zipped, unzipped = layer.flags, layer.code_size, layer.unzipped_size
                runtimes, arches = layer.compatible_runtimes, layer.compatible_architectures
            else:
                flags = layer_flags(self.function, arn, self._index, account)
                sizes = self.function.layer_sizes
                zipped = sizes[position - 1] if position <= len(sizes) else None
                unzipped = None
                runtimes = known.compatible_runtimes if known else ()
                arches = known.compatible_architectures if known else ()
            severe = bool(set(flags) & _SEVERE)
            cells = [
                text(str(position)),
                text(LayerVersionArn.parse(arn).label, "bold"),
                compact_size_cell(zipped),
                compact_size_cell(unzipped),
                text(joined(flags), styles.error if severe else styles.warning),
                text(joined(runtimes)),
                text(joined(arches)),
            ]
            sort = [position, arn, zipped or 0, unzipped or 0, joined(flags), joined(runtimes),
                    joined(arches)]  # fmt: skip
            rows.append(TableRow.build(arn, cells, sort, item=position))
        return rows

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        position: int = row.item
        lines = [("Layer", f"{position}. {row.key}")]
        if self.view is not None:
            layer = self.view.opt.layer_at(position)
            won = sum(1 for p in self.view.opt.winners.values() if p == position)
            lines.append(("Files", f"{len(layer.entries):,} listed, {won:,} win under /opt"))
            if layer.problem:
                lines.append(("Not read", layer.problem))
        return lines

    def open_row(self, row: TableRow) -> None:
        if row.key in self._index.versions:
            self.app.push_screen(ConsumersScreen(row.key))
        else:
            self.notify("not a version of this account's layers the scan knows (another "
                        "account's, or deleted)", severity="warning")  # fmt: skip

    def selection(self) -> Selection:
        """This function, and the layer version of the row (``i`` inspects it); ``P`` pulls
        the function's /opt."""
        row = self.table.selected_row
        inventory = self.host.inventory
        version = self._index.versions.get(row.key) if row is not None else None
        return of_version(inventory, version, self.region_name, self.function)

    # -- composition and loading ------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield CrumbBar()
        yield Static(id="function-facts")
        yield Static(id="function-budget")
        table = ResourceTable(self.columns(), empty_text=self.EMPTY_TEXT)
        yield table
        yield FindingsList(classes="-hidden")
        yield Static(id="function-opt")
        details = DetailsPanel()
        details.set_class(not self.host.show_details, "-hidden")
        yield details
        yield FilterPrompt()
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_facts(None)
        self._start_loading()

    def _start_loading(self) -> None:
        self.query_one("#function-budget", Static).update(
            Content.assemble(("reading ", "$text-muted"), (self.function.label, "bold"),
                             ("'s layers (central directories only)\N{HORIZONTAL ELLIPSIS}",
                              "$text-muted"))
        )  # fmt: skip
        self.query_one("#function-opt", Static).border_title = "merged /opt"
        self._load(self.function.qualified_arn)

    @in_thread("function", exclusive=True)
    def _load(self, qualified_arn: str) -> FunctionView:
        # With several accounts the function's own account reads it (another's is refused).
        session = self.host.session_for(self.function.account)
        facts = find_function(session, qualified_arn)
        return FunctionView(facts, merged_opt(session, facts.configuration))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "function":
            return
        event.stop()  # said here, in the screen, not a second time as a toast
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, FunctionView):
            self._loaded(event.worker.result)
        elif event.state is WorkerState.ERROR and event.worker.error is not None:
            message = str(describe(event.worker.error, f"reading {self.function.label}"))
            self.query_one("#function-budget", Static).update(
                Content.assemble((visible_line(message), "$text-error"))
            )

    def _loaded(self, view: FunctionView) -> None:
        self.view = view
        self._show_facts(view.facts)
        self._show_budget(view.opt)
        findings = self.query_one(FindingsList)
        findings.show_findings(view.opt.findings)
        findings.set_class(not view.opt.findings, "-hidden")
        self.query_one("#function-opt", Static).update(opt_panel(view.opt))
        self.rebuild()

    def _show_facts(self, facts: FunctionFacts | None) -> None:
        fn = self.function
        runtime = facts.runtime if facts else fn.runtime
        arches = facts.architectures if facts else fn.architectures
        modified = facts.last_modified if facts else fn.last_modified
        code = facts.code_size if facts else fn.code_size
        parts: list[tuple[str, str]] = [
            (fn.label, "bold"), SEPARATOR, (runtime or "?", ""), (" on ", ""),
            (joined(arches), ""), SEPARATOR, ("code ", "$text-muted"),
            (compact_size(code), "bold"), SEPARATOR, ("modified ", "$text-muted"),
            (timestamp(modified), ""),
        ]  # fmt: skip
        if facts is not None:
            state = f"{facts.state or '?'} / last update {facts.last_update_status or '?'}"
            ok = facts.state == "Active" and facts.last_update_status in ("Successful", None)
            parts += [
                ("\n", ""), ("handler ", "$text-muted"), (facts.handler or "-", ""),
                SEPARATOR, ("state ", "$text-muted"), (state, "" if ok else "$warning"),
                SEPARATOR, ("managed by ", "$text-muted"),
                (joined(facts.managed_by) or "nothing its tags name", ""),
            ]  # fmt: skip
        # Every piece came from AWS: one line each, control characters shown as escapes.
        self.query_one("#function-facts", Static).update(Content.assemble(
            *[(piece if piece == "\n" else visible_line(piece), style) for piece, style in parts]
        ))

    def _show_budget(self, opt: MergedOpt) -> None:
        used, limit = opt.unzipped_total, opt.limit
        exact = "" if opt.complete else "at least "
        self.query_one("#function-budget", Static).update(Content.assemble(
            ("code + layers unzipped ", "$text-muted"), (f"{exact}{compact_size(used)}", "bold"),
            (f" ({used:,} B)", "$text-muted"), SEPARATOR, budget_bar(used, limit, width=30), " ",
            (share_label(used, limit), budget_style(used, limit)),
        ))  # fmt: skip

    # -- changing this function's layers (``dialogs.function_layers``) -----------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _CHANGES:
            if self.host.read_only:
                return False
            return None if self.table.selected_row is None else True
        return super().check_action(action, parameters)

    def action_repin(self) -> None:
        self._change(REPIN)

    def action_move_layer(self, delta: int) -> None:
        self._change(REORDER, delta)

    def action_remove_layer(self) -> None:
        self._change(REMOVE)

    def _change(self, kind: str, delta: int = 0) -> None:
        from layer_tui.ui.dialogs.function_layers import FunctionLayersDialog

        if self.host.read_only or (row := self.table.selected_row) is None:
            return

        def done(changed: bool | None) -> None:
            if changed:
                self.action_reload()
                self.host.start_scan([self.region_name])

        change = LayerChange(kind, row.key, delta)
        self.app.push_screen(
            FunctionLayersDialog(self.host.operations, self.function.qualified_arn, change),
            done)

    def action_reload(self) -> None:
        self.view = None
        self._start_loading()
        self.rebuild()


def opt_panel(opt: MergedOpt) -> Content:
    """The merged /opt in words: files and who wins them, shadowed files, duplicates."""
    lines: list[Content] = [Content.assemble(
        (f"{len(opt.winners):,}", "bold"), (" files under /opt from ", "$text-muted"),
        (plural(len(opt.layers), "layer"), "bold"),
        (" (later layers overwrite earlier ones)", "$text-muted"),
    )]  # fmt: skip
    if not opt.complete:
        lines.append(Content.assemble(("some layers could not be read: they are left out",
                                       "$warning")))  # fmt: skip
    if opt.shadowed:
        lines.append(Content.assemble((f"{len(opt.shadowed):,} shadowed files", "bold $warning"),
                                      (" — path, the layer that wins, the layers it hides",
                                       "$text-muted")))  # fmt: skip
        for shadow in opt.shadowed[:SHADOWED_SHOWN]:
            hidden = joined(_label(arn) for arn in shadow.hidden)
            lines.append(Content.assemble(
                "  ", (visible_line(f"/opt/{shadow.path}"), ""), "  ",
                (_label(shadow.winner), "bold"), (" over ", "$text-muted"), (hidden, ""),
            ))  # fmt: skip
        if len(opt.shadowed) > SHADOWED_SHOWN:
            lines.append(Content.assemble((f"  \N{HORIZONTAL ELLIPSIS} and "
                                           f"{len(opt.shadowed) - SHADOWED_SHOWN:,} more "
                                           "(layer-tui function --json lists all)",
                                           "$text-muted")))  # fmt: skip
    else:
        lines.append(Content.assemble(("no file of one layer is overwritten by another",
                                       "$success")))  # fmt: skip
    for duplicate in opt.duplicate_distributions:
        others = joined(f"{d.version} ({_label(d.arn)})" for d in duplicate.hidden)
        lines.append(Content.assemble(
            ("installed twice: ", "$warning"), (visible_line(duplicate.project), "bold"), " ",
            (visible_line(duplicate.winner.version), "bold"),
            (f" from {_label(duplicate.winner.arn)} wins over ", "$text-muted"),
            (visible_line(others), ""),
        ))  # fmt: skip
    return Content("\n").join(lines)


def _label(arn: str) -> str:
    return LayerVersionArn.parse(arn).label


__all__ = ["FunctionScreen", "opt_panel"]
