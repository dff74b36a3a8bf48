"""Two versions of a layer compared file by file: added, removed, changed (by CRC-32 or size)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from textual.app import ComposeResult
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from layer_tui.aws.inspection import EntryDiff
from layer_tui.ui.formatting import CellStyles, LayerVersionArn, text
from layer_tui.ui.widgets import Column, ResourceTable, TableRow
from layer_tui.ui.widgets.size_bar import compact_size, compact_size_cell

DIFF_COLUMNS = (
    Column("change", "Change", width=9),
    Column("path", "Path", max_width=72, keep=True),
    Column("before", "Before", justify="right"),
    Column("after", "After", justify="right"),
    Column("delta", "\N{GREEK CAPITAL LETTER DELTA} size", justify="right"),
    Column("crc", "CRC-32", width=17),
)
#: How the change column sorts: what was added, then changed, then removed.
_CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}


def signed_size(delta: int) -> str:
    if delta == 0:
        return "0 B"
    return ("+" if delta > 0 else "\N{MINUS SIGN}") + compact_size(abs(delta))


def diff_rows(diff: EntryDiff, styles: CellStyles) -> list[TableRow]:
    rows: list[TableRow] = []
    for entry in diff.added:
        rows.append(TableRow.build(
            entry.path,
            [text("added", styles.success), text(entry.path), text(None),
             compact_size_cell(entry.size), text(signed_size(entry.size), styles.success),
             text(f"{entry.crc32:08x}", styles.muted)],
            [_CHANGE_ORDER["added"], entry.path, None, entry.size, entry.size, entry.crc32],
            item=entry,
        ))  # fmt: skip
    for change in diff.changed:
        delta = change.size_delta
        delta_style = styles.error if delta > 0 else styles.success if delta < 0 else styles.muted
        crcs = f"{change.old.crc32:08x}\N{RIGHTWARDS ARROW}{change.new.crc32:08x}"
        rows.append(TableRow.build(
            change.path,
            [text("changed", styles.warning), text(change.path), compact_size_cell(change.old.size),
             compact_size_cell(change.new.size), text(signed_size(delta), delta_style),
             text(crcs, styles.muted)],
            [_CHANGE_ORDER["changed"], change.path, change.old.size, change.new.size, delta,
             change.new.crc32],
            item=change,
        ))  # fmt: skip
    for entry in diff.removed:
        rows.append(TableRow.build(
            entry.path,
            [text("removed", styles.error), text(entry.path), compact_size_cell(entry.size),
             text(None), text(signed_size(-entry.size), styles.success),
             text(f"{entry.crc32:08x}", styles.muted)],
            [_CHANGE_ORDER["removed"], entry.path, entry.size, None, -entry.size, entry.crc32],
            item=entry,
        ))  # fmt: skip
    return rows


def diff_summary(diff: EntryDiff, old_label: str, new_label: str) -> Content:
    arrow = " \N{RIGHTWARDS ARROW} "
    head: list[str | tuple[str, str]] = [
        (old_label, "bold"), (arrow, "$text-muted"), (new_label, "bold"), "   ",
    ]  # fmt: skip
    if diff.unchanged:
        same = "identical file lists (paths, sizes, CRC-32)"
        return Content.assemble(*head, (same, "$text-success"))
    delta = diff.size_delta
    return Content.assemble(
        *head,
        (f"+{len(diff.added):,} added", "$text-success"), "  ",
        (f"\N{MINUS SIGN}{len(diff.removed):,} removed", "$text-error"), "  ",
        (f"~{len(diff.changed):,} changed", "$text-warning"), "  ",
        ("unzipped ", "$text-muted"),
        (signed_size(delta), "$text-error" if delta > 0 else "$text-success"),
    )  # fmt: skip


def version_label(arn: str) -> str:
    parsed = LayerVersionArn.parse(arn)
    return f"v{parsed.version}" if parsed.version is not None else arn


def version_number(arn: str) -> int:
    return LayerVersionArn.parse(arn).version or 0


class CompareVersionsProvider(Provider):
    """Palette: ``Compare with v6`` for every other version of the layer on screen.

    Works on any screen with ``comparison_choices()`` (ARN, help) and ``compare_with(arn)``.
    """

    def _commands(self) -> list[tuple[str, Any, str]]:
        screen: Any = self.screen
        if not hasattr(screen, "comparison_choices"):
            return []
        return [
            (f"Compare with {version_label(arn)}", partial(screen.compare_with, arn), help_text)
            for arn, help_text in screen.comparison_choices()
        ]

    async def discover(self) -> Hits:
        for title, run, help_text in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)


class EntryDiffView(Vertical):
    """A one-line verdict over a table of the files that differ."""

    DEFAULT_CSS = """
    EntryDiffView {
        height: 1fr;
        & > #diff-table {
            height: 1fr;
        }
        & > #diff-summary {
            height: 1;
            padding: 0 1;
            background: $surface;
        }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="diff-summary")
        yield ResourceTable(DIFF_COLUMNS, empty_text="no file differs", id="diff-table")

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#diff-table", ResourceTable)

    def show_loading(self, old_label: str, new_label: str) -> None:
        self.query_one("#diff-summary", Static).update(
            Content.assemble(("comparing ", "$text-muted"), (old_label, "bold"),
                             (" \N{RIGHTWARDS ARROW} ", "$text-muted"), (new_label, "bold"),
                             "\N{HORIZONTAL ELLIPSIS}")
        )  # fmt: skip
        self.table.set_rows([])

    def show_diff(
        self, diff: EntryDiff, old_label: str, new_label: str, rows: Sequence[TableRow]
    ) -> None:
        """``rows`` from ``diff_rows`` (build them in a worker: they can be many)."""
        self.query_one("#diff-summary", Static).update(diff_summary(diff, old_label, new_label))
        self.table.set_rows(rows)


__all__ = [
    "DIFF_COLUMNS",
    "CompareVersionsProvider",
    "EntryDiffView",
    "diff_rows",
    "diff_summary",
    "signed_size",
    "version_label",
    "version_number",
]
