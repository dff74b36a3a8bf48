"""What the repin and undo dialogs share: the plan table, its outcomes, the report.

Both show a plan (function, current list, new list, flags), apply it one function at a time
with a progress bar, fill in each function's result as it comes, and end on a summary.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, ProgressBar

from layer_tui.aws.repin import RepinOutcome, RepinPlan, RepinReport
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine, layer_list, styles_of


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


def preview_rows(table: DataTable[Text], plan: RepinPlan, dialog: OperationDialog) -> None:
    """Fill ``table`` (Function, Current, New, Flags, Result) from ``plan``."""
    styles = styles_of(dialog)
    table.clear()
    for item in plan.items:
        changed = next((new for old, new in zip(item.current_layers, item.new_layers,
                                                strict=False) if old != new), None)
        old = next((old for old, new in zip(item.current_layers, item.new_layers,
                                            strict=False) if old != new), None)
        if item.blocked:
            note = Text(item.blocked, style=styles.error)
        elif not item.changes:
            note = Text("nothing to change", style=styles.muted)
        else:
            note = Text("; ".join(item.flags), style=styles.warning)
        table.add_row(
            Text(item.function, style="bold"),
            layer_list(item.current_layers, old, styles.warning),
            layer_list(item.new_layers, changed, styles.accent + Style(bold=True)),
            note,
            Text(""),
            key=item.function,
        )


def show_outcome(table: DataTable[Text], outcome: RepinOutcome,
                 dialog: OperationDialog) -> None:
    styles = styles_of(dialog)
    style = {"moved": styles.success, "failed": styles.error}.get(outcome.status, styles.warning)
    if outcome.status == "moved" or not outcome.detail:
        label = outcome.detail or outcome.status
    else:
        label = f"{outcome.status}: {outcome.detail}"
    if outcome.function in table.rows:
        table.update_cell(outcome.function, "result", Text(label, style=style),
                          update_width=True)


class PlanDialog(OperationDialog):
    """An OperationDialog that previews a RepinPlan and applies it function by function."""

    report: RepinReport | None = None

    def compose_plan_table(self, new_label: str, note_label: str) -> ComposeResult:
        table: DataTable[Text] = DataTable(id="preview", cursor_type="row", zebra_stripes=True)
        table.add_column("Function", key="function")
        table.add_column("Current", key="current")
        table.add_column(new_label, key="new")
        table.add_column(note_label, key="flags")
        table.add_column("Result", key="result")
        yield table

    def compose_controls(self, apply_label: str, variant: str) -> ComposeResult:
        with Vertical(classes="outcome"):
            yield ProgressBar(show_eta=False, classes="-idle", id="progress")
            yield StatusLine(id="status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(apply_label, variant=variant, id="apply", disabled=True)  # type: ignore[arg-type]

    def start_progress(self, total: int, message: str) -> None:
        self.busy = True
        self.query_one("#apply", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.remove_class("-idle")
        self.say(message)

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_action("apply")

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def outcome_arrived(self, outcome: RepinOutcome) -> None:
        """One function done (called on the UI thread from the apply worker)."""
        if outcome.status == "moved":
            self.changed = True
        self.query_one("#progress", ProgressBar).advance(1)
        show_outcome(self.query_one("#preview", DataTable), outcome, self)

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
