"""Undo the last repin batch from the journal: show what comes back, apply with ctrl+s.

A function changed since our repin (other RevisionId or other list) is shown blocked with its
reason and never overwritten.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, ProgressBar, Static

from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinOutcome, RepinPlan, RepinReport, apply_undo, plan_undo
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine
from layer_tui.ui.dialogs.repin import preview_rows, show_outcome, summarize_report


class UndoDialog(OperationDialog):
    """Restore each function's layer list from before the last repin; True if any changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Undo", priority=True, id="undo.apply"),
    ]

    def __init__(self, ops: LayerOperations) -> None:
        super().__init__(ops)
        self.batch: str | None = None
        self.plan: RepinPlan | None = None
        self.report: RepinReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = "Undo the last repin"
            yield Static(Content.styled("reading the journal\N{HORIZONTAL ELLIPSIS}",
                                        "$text-muted"), id="batch")
            table: DataTable[Text] = DataTable(id="preview", cursor_type="row", zebra_stripes=True)
            table.add_column("Function", key="function")
            table.add_column("Current", key="current")
            table.add_column("Restored", key="new")
            table.add_column("Note", key="flags")
            table.add_column("Result", key="result")
            yield table
            yield ProgressBar(show_eta=False, classes="-idle", id="progress")
            yield StatusLine(id="status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Undo (ctrl+s)", variant="warning", id="apply", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self.make_plan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="plan")
    def make_plan(self) -> tuple[str, RepinPlan] | None:
        return plan_undo(self.ops)

    def _show_plan(self, found: tuple[str, RepinPlan] | None) -> None:
        info = self.query_one("#batch", Static)
        if found is None:
            info.update(Content("Nothing to undo: the journal holds no repin batch not yet "
                                "undone."))
            return
        self.batch, self.plan = found
        info.update(Content.assemble(("batch ", "$text-muted"), (self.batch, "bold"),
                                     ("  \N{EM DASH} each function gets back the list it had "
                                      "before", "$text-muted")))
        preview_rows(self.query_one("#preview", DataTable), self.plan, self)
        runnable = [i for i in self.plan.items if not i.blocked and i.changes]
        self.query_one("#apply", Button).disabled = not runnable
        if runnable:
            self.say(f"{len(runnable)} of {len(self.plan.items)} will be restored; "
                     "ctrl+s applies")
        else:
            self.say("nothing can be restored: every function changed since", "warning")

    def action_apply(self) -> None:
        if self.busy or self.report is not None or self.plan is None or self.batch is None:
            return
        if self.query_one("#apply", Button).disabled:
            return
        self.busy = True
        self.query_one("#apply", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=len(self.plan.items), progress=0)
        bar.remove_class("-idle")
        self.say("restoring\N{HORIZONTAL ELLIPSIS}")
        self.apply_plan(self.batch, self.plan)

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @work(thread=True, exclusive=True, exit_on_error=False, group="apply")
    def apply_plan(self, batch: str, plan: RepinPlan) -> RepinReport:
        self.ops.check_writable()  # apply_undo itself does not check before its first call
        return apply_undo(
            self.ops, batch, plan,
            progress=lambda outcome: self.app.call_from_thread(self._outcome, outcome),
        )

    def _outcome(self, outcome: RepinOutcome) -> None:
        if outcome.status == "moved":
            self.changed = True
        self.query_one("#progress", ProgressBar).advance(1)
        show_outcome(self.query_one("#preview", DataTable), outcome, self)

    def cancel_message(self) -> str:
        return "an undo runs to the end once started (each function takes a moment)"

    def worker_done(self, group: str, result: object) -> None:
        if group == "plan":
            self._show_plan(result)  # type: ignore[arg-type]
            return
        report: RepinReport = result  # type: ignore[assignment]
        self.report = report
        self.changed = self.changed or report.count("moved") > 0
        level = "error" if report.count("failed") else (
            "success" if report.count("moved") == len(report.outcomes) else "warning")
        self.say(summarize_report(report, "restored"), level)
        cancel = self.query_one("#cancel", Button)
        cancel.label = "Close"
        cancel.focus()
