"""``i`` on a version: what is inside its zip, read over HTTP Range without downloading it.

A summary line (files, sizes, share of the 250 MiB unzipped budget, bytes it cost to list),
the findings, a lazily built folder tree with totals, the 20 largest files, the text of small
text files, and a file-by-file diff against another version of the same layer. Every AWS call
and every byte read runs in a thread worker; the worker also builds the folder structure and
its totals, so the UI thread only creates the tree nodes someone looks at.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, Static, Tree
from textual.worker import Worker, WorkerState

from layer_tui.aws.errors import describe
from layer_tui.aws.inspection import InspectReport
from layer_tui.aws.zipformat import ZipEntry
from layer_tui.safe_text import visible_line
from layer_tui.ui.contents_loading import LoadedContents, LoadedDiff, load_contents, load_diff
from layer_tui.ui.formatting import CellStyles, LayerVersionArn, size
from layer_tui.ui.screens.hosted import HostedScreen
from layer_tui.ui.selection import Selection, find_version, of_version
from layer_tui.ui.widgets import CrumbBar, HeaderBar, ResourceTable
from layer_tui.ui.widgets.entry_diff import (
    CompareVersionsProvider,
    EntryDiffView,
    version_label,
    version_number,
)
from layer_tui.ui.widgets.findings_list import FindingsList
from layer_tui.ui.widgets.key_footer import KeyFooter
from layer_tui.ui.widgets.largest_files import LargestFilesTable
from layer_tui.ui.widgets.member_diff import open_member_diff
from layer_tui.ui.widgets.member_text import (
    TEXT_LIMIT,
    MemberText,
    MemberTextScreen,
    is_text_member,
    read_text_member,
)
from layer_tui.ui.widgets.size_bar import ContentsSummary
from layer_tui.ui.widgets.zip_tree import ZipTree, ZipTreeHeader
from layer_tui.ui.workers import in_thread


class ContentsScreen(HostedScreen):
    """The inside of one layer version; ``c`` compares it with another version."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="contents.back"),
        Binding("c", "compare", "Diff previous", id="contents.compare"),
        Binding("C", "pick_comparison", "Diff with\N{HORIZONTAL ELLIPSIS}",
                key_display="C", id="contents.compare-with"),
        Binding("r", "reload", "Reload", id="contents.reload"),
        Binding("y", "copy_arn", "Copy ARN", id="contents.copy-arn"),
    ]  # fmt: skip
    COMMANDS: ClassVar = {CompareVersionsProvider}
    DEFAULT_CSS = """
    ContentsScreen {
        & #contents-switcher { height: 1fr; }
        & #contents-body { height: 1fr; }
        & #tree-pane { width: 1fr; }
        & #largest-pane { width: 1fr; border-left: solid $primary-muted; }
        & #contents-error { padding: 1 2; color: $text-error; }
    }
    """

    def __init__(
        self, session: Any, version_arn: str, *, other_versions: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.session = session
        self.version_arn = version_arn
        self.parsed = LayerVersionArn.parse(version_arn)
        self.other_versions = tuple(a for a in other_versions if a != version_arn)
        self.report: InspectReport | None = None
        self._reports: dict[str, InspectReport] = {}
        self._diff: LoadedDiff | None = None

    # -- composition --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield CrumbBar()
        yield ContentsSummary()
        yield FindingsList(classes="-hidden")
        with ContentSwitcher(initial="contents-body", id="contents-switcher"):
            with Horizontal(id="contents-body"):
                with Vertical(id="tree-pane"):
                    yield ZipTreeHeader()
                    yield ZipTree(id="zip-tree")
                with Vertical(id="largest-pane"):
                    yield LargestFilesTable(id="largest-table")
            yield EntryDiffView(id="contents-diff")
            yield Static(id="contents-error")
        yield KeyFooter()

    @property
    def zip_tree(self) -> ZipTree:
        return self.query_one(ZipTree)

    @property
    def largest_table(self) -> LargestFilesTable:
        return self.query_one(LargestFilesTable)

    @property
    def diff_view(self) -> EntryDiffView:
        return self.query_one(EntryDiffView)

    @property
    def mode(self) -> str:
        return self.query_one(ContentSwitcher).current or ""

    def on_mount(self) -> None:
        header = self.query_one(HeaderBar)
        self.watch(self.app, "header_info", lambda info: setattr(header, "info", info))
        tree_header = self.query_one(ZipTreeHeader)
        self.watch(self.zip_tree, "order", lambda order: setattr(tree_header, "order", order),
                   init=False)
        self.watch(self.zip_tree, "order", self._show_crumbs, init=False)
        self.zip_tree.focus()
        self._start_loading()

    def crumbs(self) -> list[str]:
        last = f"v{self.parsed.version} contents"
        if self.mode == "contents-diff" and self._diff is not None:
            last = (
                f"{version_label(self._diff.old_arn)}\N{RIGHTWARDS ARROW}"
                f"{version_label(self._diff.new_arn)} diff"
            )
        return ["regions", self.parsed.region, self.parsed.name, last]

    def _show_crumbs(self) -> None:
        if self.mode == "contents-diff":
            table = self.diff_view.table
            shown, total, sort = len(table.shown_rows), table.total_rows, table.sort_label
        else:
            shown = total = self.report.files if self.report else 0
            sort = self.zip_tree.order
        self.query_one(CrumbBar).show(self.crumbs(), shown=shown, total=total, filter_text="",
                                      sort=sort)  # fmt: skip

    # -- loading ------------------------------------------------------------------------------

    def _start_loading(self) -> None:
        self.query_one(ContentsSummary).show_loading(self.parsed.label)
        self.query_one(ContentSwitcher).current = "contents-body"
        self.query_one("#contents-body").loading = True
        self._show_crumbs()
        self._load(self.version_arn, self.other_versions)

    def _lambda(self) -> Any:
        return self.session.client("lambda", self.parsed.region)

    @in_thread("contents", exclusive=True)
    def _load(self, arn: str, known_versions: tuple[str, ...]) -> LoadedContents:
        region = self.parsed.region
        return load_contents(self._lambda(), lambda: self.session.client("s3", region), arn,
                             self.parsed.layer_arn, known_versions)

    def _loaded(self, loaded: LoadedContents) -> None:
        report = loaded.report
        self.report = report
        self._reports[report.arn] = report
        if loaded.other_versions:
            self.other_versions = loaded.other_versions
        self.query_one("#contents-body").loading = False
        self.query_one(ContentsSummary).show_totals(
            files=report.files, zipped=report.code_size, unzipped=report.uncompressed_size,
            fetched=report.bytes_fetched,
        )  # fmt: skip
        findings = self.query_one(FindingsList)
        findings.show_findings(report.findings)
        findings.remove_class("-hidden")
        self.zip_tree.show_folder(loaded.folder)
        self.largest_table.show_entries(loaded.largest)
        self._show_crumbs()
        self.refresh_bindings()

    def _failed(self, error: BaseException) -> None:
        self.query_one("#contents-body").loading = False
        message = str(describe(error, f"inspecting {self.parsed.label}"))
        self.query_one(ContentsSummary).update(
            Content.assemble(("could not inspect ", "$text-error"), (self.parsed.label, "bold"))
        )
        self.query_one("#contents-error", Static).update(Content(visible_line(message)))
        self.query_one(ContentSwitcher).current = "contents-error"

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place this screen's workers turn into widgets (or error lines)."""
        worker = event.worker
        if worker.group not in ("contents", "contents-diff", "contents-member"):
            return
        # Shown here, in the screen: the app's generic toast would say it a second time.
        event.stop()
        if event.state is WorkerState.SUCCESS:
            result = worker.result
            if isinstance(result, LoadedContents):
                self._loaded(result)
            elif isinstance(result, LoadedDiff):
                self._diff_loaded(result)
            elif isinstance(result, MemberText):
                self.app.push_screen(MemberTextScreen(result))
        elif event.state is WorkerState.ERROR and worker.error is not None:
            if worker.group == "contents":
                self._failed(worker.error)
            elif worker.group == "contents-diff":
                message = visible_line(str(describe(worker.error, "comparing versions")))
                self.diff_view.query_one("#diff-summary", Static).update(
                    Content.assemble((message, "$text-error"))
                )
            else:
                self.notify(str(describe(worker.error, "reading the file")),
                            title="Contents", severity="error", timeout=10)  # fmt: skip

    # -- opening files ------------------------------------------------------------------------

    @on(Tree.NodeSelected)
    def _node_selected(self, event: Tree.NodeSelected[Any]) -> None:
        if isinstance(event.node.data, ZipEntry):
            self.open_entry(event.node.data)

    @on(ResourceTable.Selected, "#largest-table")
    def _largest_selected(self, event: ResourceTable.Selected) -> None:
        entry: ZipEntry = event.row.item
        if is_text_member(entry):
            self.open_entry(entry)
        else:
            self.zip_tree.reveal(entry.path)
            self.zip_tree.focus()

    def open_entry(self, entry: ZipEntry) -> None:
        """Show a small text file; anything else gets a line saying why not."""
        if not is_text_member(entry):
            why = (f"larger than {size(TEXT_LIMIT)}" if entry.size > TEXT_LIMIT
                   else "not a text file this viewer knows")  # fmt: skip
            self.notify(f"{entry.path}: {why}", title="Contents", timeout=4)
            return
        self._read_member(entry)

    @in_thread("contents-member", exclusive=True)
    def _read_member(self, entry: ZipEntry) -> MemberText:
        code_size = self.report.code_size if self.report else None
        return read_text_member(self._lambda(), self.version_arn, entry, code_size)

    @on(ResourceTable.Selected, "#diff-table")
    def _diff_row_selected(self, event: ResourceTable.Selected) -> None:
        if self._diff is not None:  # a changed text file: its unified diff, read by Range
            open_member_diff(self, self._lambda(), event.row.item, self._diff.old_arn,
                             self._diff.new_arn)

    # -- comparing versions -------------------------------------------------------------------

    def default_comparison(self) -> str | None:
        """The previous version (the newest older one), else the oldest newer one."""
        mine = self.parsed.version or 0
        older = [a for a in self.other_versions if version_number(a) < mine]
        if older:
            return max(older, key=version_number)
        newer = [a for a in self.other_versions if version_number(a) > mine]
        return min(newer, key=version_number) if newer else None

    def comparison_choices(self) -> list[tuple[str, str]]:
        """(ARN, help) of every other version, the default first, then newest first."""
        default = self.default_comparison()
        rest = sorted((a for a in self.other_versions if a != default), key=version_number,
                      reverse=True)  # fmt: skip
        choices = [(default, "previous version (default)")] if default else []
        return choices + [(a, "diff against this version") for a in rest]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("compare", "pick_comparison"):
            return True if self.report is not None and self.other_versions else None
        return super().check_action(action, parameters)

    def selection(self) -> Selection:
        inventory = self.host.inventory
        version = find_version(inventory, self.version_arn)
        return of_version(inventory, version, self.parsed.region)

    def action_compare(self) -> None:
        other = self.default_comparison()
        if other is None:
            self.notify("no other version of this layer to compare with", severity="warning")
            return
        self.compare_with(other)

    def action_pick_comparison(self) -> None:
        commands = [
            SimpleCommand(version_label(arn), partial(self.compare_with, arn), help_text)
            for arn, help_text in self.comparison_choices()
        ]
        if commands:
            placeholder = "Compare with version\N{HORIZONTAL ELLIPSIS}"
            self.app.search_commands(commands, placeholder=placeholder)

    def compare_with(self, other_arn: str) -> None:
        """Show the file-by-file diff between this version and ``other_arn`` (older → newer)."""
        if self.report is None:
            return
        old, new = sorted((self.version_arn, other_arn), key=version_number)
        self._diff = None
        # The diff needs the rows more than this version's findings do.
        self.query_one(FindingsList).add_class("-hidden")
        self.query_one(ContentSwitcher).current = "contents-diff"
        self.diff_view.show_loading(version_label(old), version_label(new))
        self.diff_view.table.focus()
        self._show_crumbs()
        styles = CellStyles.from_variables(self.app.theme_variables)
        self._load_diff(self.report, other_arn, self._reports.get(other_arn), styles)

    @in_thread("contents-diff", exclusive=True)
    def _load_diff(
        self, mine: InspectReport, other_arn: str, cached: InspectReport | None, styles: CellStyles
    ) -> LoadedDiff:
        return load_diff(self._lambda(), mine, other_arn, cached, styles)

    def _diff_loaded(self, loaded: LoadedDiff) -> None:
        self._reports[loaded.other.arn] = loaded.other
        self._diff = loaded
        self.diff_view.show_diff(loaded.diff, version_label(loaded.old_arn),
                                 version_label(loaded.new_arn), loaded.rows)  # fmt: skip
        self._show_crumbs()

    # -- the rest -----------------------------------------------------------------------------

    @on(ResourceTable.Changed)
    def _table_changed(self) -> None:
        self._show_crumbs()

    def action_back(self) -> None:
        if self.mode == "contents-diff" and self.report is not None:
            self.query_one(FindingsList).remove_class("-hidden")
            self.query_one(ContentSwitcher).current = "contents-body"
            self.zip_tree.focus()
            self._show_crumbs()
            return
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.report = None
        self._reports.clear()
        self._start_loading()

    def action_copy_arn(self) -> None:
        self.host.copy_arn(self.version_arn)


__all__ = ["ContentsScreen", "LoadedContents", "LoadedDiff"]
