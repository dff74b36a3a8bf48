"""What the repin and undo dialogs share: the plan table, its outcomes, the report.

Both show a plan (function, current list, new list, flags), apply it one function at a time
with a progress bar, fill in each function's result as it comes, and end on a summary. Under
the table a note explains the flag words and tells the row under the cursor in full.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import Button, DataTable, ProgressBar, Static
from textual.widgets.data_table import ColumnKey

from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinItem, RepinOutcome, RepinPlan, RepinReport
from layer_tui.safe_text import visible_line
from layer_tui.ui.dialogs.base import (
    OperationDialog,
    StatusLine,
    layer_list,
    styles_of,
    version_label,
)
from layer_tui.ui.dialogs.plan_cells import (
    RESULT_WIDTH,
    flag_cell,
    legend,
    result_cell,
    row_story,
)
from layer_tui.ui.widgets.measured_table import MeasuredTable


def summarize_report(report: RepinReport, verb: str = "moved") -> str:
    """``2 moved; 1 skipped (api: already on the target); 1 failed (job: …)``."""
    parts = [f"{report.count('moved')} {verb}"]
    for status, label in (("skipped", "skipped"), ("changed", "changed since the plan"),
                          ("failed", "failed")):
        picked = [o for o in report.outcomes if o.status == status]
        if picked:
            why = ", ".join(f"{o.function}: {o.detail}" if o.detail else o.function
                            for o in picked)
            parts.append(f"{len(picked)} {label} ({why})")
    return "; ".join(parts)


def _changed_pair(item: RepinItem) -> tuple[str | None, str | None]:
    """(the ARN the plan takes out, the ARN it puts in); Nones when nothing changes."""
    for old, new in zip(item.current_layers, item.new_layers, strict=False):
        if old != new:
            return old, new
    return None, None


def _list_cell(arns: tuple[str, ...], highlight: str | None, style: Style | str,
               narrow: bool) -> Text:
    """The whole list; narrow, the entry that changes and how many others (``geo:1 +2``)."""
    if not narrow or len(arns) <= 1:
        return layer_list(arns, highlight, style)
    keep = arns.index(highlight) if highlight in arns else 0
    cell = layer_list((arns[keep],), highlight, style)
    cell.append(f" +{len(arns) - 1}", "dim")
    return cell


def _column_widths(table: DataTable[Text], plan: RepinPlan, narrow: bool) -> list[int]:
    """Each column's width with every cell whole (labels included, padding not)."""
    def list_width(arns: tuple[str, ...], highlight: str | None) -> int:
        labels = [version_label(a) for a in arns] or ["(no layers)"]
        if not narrow or len(labels) == 1:
            return len(", ".join(labels))
        kept = version_label(highlight) if highlight in arns else labels[0]
        return len(f"{kept} +{len(labels) - 1}")

    widths = [column.label.cell_len for column in table.columns.values()]
    widths[4] = max(widths[4], RESULT_WIDTH)
    for item in plan.items:
        old, new = _changed_pair(item)
        widths[0] = max(widths[0], len(item.function))
        widths[1] = max(widths[1], list_width(item.current_layers, old))
        widths[2] = max(widths[2], list_width(item.new_layers, new))
        widths[3] = max(widths[3], len(flag_cell(item, letters=narrow)))
    return widths


def _fit(table: DataTable[Text], plan: RepinPlan) -> tuple[bool, int | None]:
    """How the plan fits the room the table has: (narrow cells, the width the Function
    column is held to). The name column gives last: first the lists shrink to the entry that
    changes and the flags to letters; only then is a long name shortened (it is told in full
    under the table)."""
    available = table.scrollable_content_region.width
    if not available:
        return False, None
    if not table.show_vertical_scrollbar:  # more rows than the table's height bring one
        available -= table.styles.scrollbar_size_vertical
    padding = 2 * table.cell_padding * len(table.columns)
    if sum(_column_widths(table, plan, False)) + padding <= available:
        return False, None
    widths = _column_widths(table, plan, True)
    room = available - padding - sum(widths[1:])
    return True, (max(room, 12) if widths[0] > room else None)


def preview_rows(table: DataTable[Text], plan: RepinPlan, dialog: OperationDialog,
                 outcomes: dict[str, RepinOutcome] | None = None) -> None:
    """Fill ``table`` (Function, Current, New, Flags, Result) from ``plan``.

    Flags and results are short whole words (``plan_cells``) explained under the table; when
    the table is wider than the dialog even so, cells narrow (``_fit``), never cut mid-word."""
    styles = styles_of(dialog)
    narrow, name_width = _fit(table, plan)
    table.clear()
    for column in table.columns.values():  # clear() keeps the widths of the longest cells
        column.content_width = column.label.cell_len
    result_column = table.columns[ColumnKey("result")]
    result_column.content_width = max(result_column.content_width, RESULT_WIDTH)
    name_column = next(iter(table.columns.values()))
    name_column.auto_width = name_width is None
    name_column.width = name_width or 0
    for item in plan.items:
        old, changed = _changed_pair(item)
        if item.blocked:
            style = styles.error
        elif not item.changes:
            style = styles.muted
        else:
            style = styles.warning
        table.add_row(
            Text(item.function, style="bold", no_wrap=True, overflow="ellipsis"),
            _list_cell(item.current_layers, old, styles.warning, narrow),
            _list_cell(item.new_layers, changed, styles.accent + Style(bold=True), narrow),
            Text(flag_cell(item, letters=narrow), style=style),
            Text(""),
            key=item.function,
        )
    for outcome in (outcomes or {}).values():
        show_outcome(table, outcome, dialog)
    if isinstance(dialog, PlanDialog):
        dialog.shown_plan = plan
        dialog.narrow = narrow
        dialog.explain_row()


def show_outcome(table: DataTable[Text], outcome: RepinOutcome,
                 dialog: OperationDialog) -> None:
    styles = styles_of(dialog)
    style = {"moved": styles.success, "failed": styles.error}.get(outcome.status, styles.warning)
    if outcome.function in table.rows:
        table.update_cell(outcome.function, "result", Text(result_cell(outcome), style=style))


class PlanDialog(OperationDialog):
    """An OperationDialog that previews a RepinPlan and applies it function by function."""

    # Five columns of names and lists: wider than a form where the terminal has the room.
    DEFAULT_CSS = """
    PlanDialog > #frame { width: 124; }
    /* Once applying, the form's choices are fixed; on a short terminal they give their rows
       to the table, the progress and the summary. */
    PlanDialog.-short.-applying #frame > .field-label,
    PlanDialog.-short.-applying #frame > Select,
    PlanDialog.-short.-applying #frame > SelectionList { display: none; }
    """

    report: RepinReport | None = None
    #: The plan the table shows, and each function's outcome once applied.
    shown_plan: RepinPlan | None = None
    #: Whether the table shows flags as letters (the legend then spells them out).
    narrow = False
    outcomes: dict[str, RepinOutcome]

    def __init__(self, ops: LayerOperations) -> None:
        super().__init__(ops)
        self.outcomes = {}

    def compose_plan_table(self, new_label: str, note_label: str) -> ComposeResult:
        table: DataTable[Text] = MeasuredTable(id="preview", cursor_type="row", zebra_stripes=True)
        table.add_column("Function", key="function")
        table.add_column("Current", key="current")
        table.add_column(new_label, key="new")
        table.add_column(note_label, key="flags")
        table.add_column("Result", key="result")
        yield table

    def explain_row(self) -> None:
        """The legend of the words in the table, and the row under the cursor in full."""
        plan = self.shown_plan
        table = self.query_one("#preview", DataTable)
        item = None
        if plan is not None and table.row_count and 0 <= table.cursor_row < table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
            item = next((i for i in plan.items if i.function == key), None)
        lines = [legend(plan.items, letters=self.narrow)] if plan is not None else []
        if item is not None:
            lines.append(row_story(item, self.outcomes.get(item.function)))
        text = "\n".join(visible_line(line) for line in lines if line)
        note = self.query_one("#plan-note", Static)
        note.update(Content(text))
        note.display = bool(text)  # an empty note would still take a line

    @on(DataTable.RowHighlighted, "#preview")
    def _row_highlighted(self) -> None:
        self.explain_row()

    def on_resize(self) -> None:
        # The cells stack or spread out again with the room the dialog has.
        if self.shown_plan is not None:
            self.call_after_refresh(self._refill)

    def _refill(self) -> None:
        if self.shown_plan is not None and self.is_mounted:
            table = self.query_one("#preview", DataTable)
            row = table.cursor_row
            preview_rows(table, self.shown_plan, self, self.outcomes)
            table.move_cursor(row=row)

    def compose_controls(self, apply_label: str, variant: str) -> ComposeResult:
        with Vertical(classes="outcome"):
            # Docked with the outcome: the words of the table are explained wherever the
            # form is scrolled to.
            yield Static(Content(""), id="plan-note", classes="muted")
            yield ProgressBar(show_eta=False, classes="-idle", id="progress")
            yield StatusLine(id="status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(apply_label, variant=variant, id="apply", disabled=True)  # type: ignore[arg-type]

    def start_progress(self, total: int, message: str) -> None:
        self.busy = True
        self.add_class("-applying")
        self.query_one("#apply", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.remove_class("-idle")
        self.say(message)

    @on(Button.Pressed, "#apply")
    async def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.run_action("apply")

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def outcome_arrived(self, outcome: RepinOutcome) -> None:
        """One function done (called on the UI thread from the apply worker)."""
        if outcome.status == "moved":
            self.changed = True
        self.outcomes[outcome.function] = outcome
        self.query_one("#progress", ProgressBar).advance(1)
        show_outcome(self.query_one("#preview", DataTable), outcome, self)
        self.explain_row()

    def finish(self, report: RepinReport, verb: str) -> None:
        """The batch ended: say what happened, and turn Cancel into Close."""
        self.report = report
        self.changed = self.changed or report.count("moved") > 0
        level = "success" if report.count("moved") == len(report.outcomes) else "warning"
        if report.count("failed"):
            level = "error"
        self.say(summarize_report(report, verb), level)
        cancel = self.query_one("#cancel", Button)
        cancel.label = "Close"
        cancel.focus()
