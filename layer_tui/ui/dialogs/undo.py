"""Undo the last repin batch from the journal: show what comes back, apply with ctrl+s.

A function changed since our repin (other RevisionId or other list), one whose update the
journal holds without a RevisionId, or one whose old list names a version deleted since, is shown
blocked with its reason and never overwritten. What the plan notes (deleted versions, unreadable
journal lines) is shown above the table before anything can be applied.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, Static

from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinPlan, RepinReport
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.ui.dialogs.plan_dialog import PlanDialog, preview_rows
from layer_tui.ui.workers import in_thread


class UndoDialog(PlanDialog):
    """Restore each function's layer list from before the last repin; True if any changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Undo", priority=True, id="undo.apply"),
    ]

    def __init__(self, ops: LayerOperations) -> None:
        super().__init__(ops)
        self.batch: str | None = None
        self.plan: RepinPlan | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = "Undo the last repin"
            yield Static(Content.styled("reading the journal\N{HORIZONTAL ELLIPSIS}",
                                        "$text-muted"), id="batch")
            yield from self.compose_plan_table("Restored", "Note")
            yield from self.compose_controls("Undo (ctrl+s)", "warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self.make_plan()

    @in_thread("plan", exclusive=True)
    def make_plan(self) -> tuple[tuple[str, RepinPlan] | None, str | None]:
        found = plan_undo(self.ops)
        # With a plan its notes carry the journal's warning; without, it is said here.
        return found, self.ops.journal.take_warning()

    def _show_plan(self, answer: tuple[tuple[str, RepinPlan] | None, str | None]) -> None:
        found, warning = answer
        info = self.query_one("#batch", Static)
        if found is None:
            info.update(Content("Nothing to undo: the journal holds no repin batch not yet "
                                "undone." + (f"\n{warning}" if warning else "")))
            return
        self.batch, self.plan = found
        notes = [("\n" + note, "$warning") for note in self.plan.notes]
        info.update(Content.assemble(("batch ", "$text-muted"), (self.batch, "bold"),
                                     ("  \N{EM DASH} each function gets back the list it had "
                                      "before", "$text-muted"), *notes))
        preview_rows(self.query_one("#preview", DataTable), self.plan, self)
        runnable = self.plan.runnable
        self.query_one("#apply", Button).disabled = not runnable
        if runnable:
            self.say(f"{len(runnable)} of {len(self.plan.items)} will be restored; "
                     "ctrl+s applies")
        else:
            self.say("nothing can be restored: each function says why in the table", "warning")

    def action_apply(self) -> None:
        if self.busy or self.report is not None or self.plan is None or self.batch is None:
            return
        if self.query_one("#apply", Button).disabled:
            return
        self.start_progress(len(self.plan.items), "restoring\N{HORIZONTAL ELLIPSIS}")
        self.apply_plan(self.batch, self.plan)

    @in_thread("apply", exclusive=True)
    def apply_plan(self, batch: str, plan: RepinPlan) -> RepinReport:
        return apply_undo(
            self.ops, batch, plan,
            progress=lambda outcome: self.app.call_from_thread(self.outcome_arrived, outcome),
        )

    def cancel_message(self) -> str:
        return "an undo runs to the end once started (each function takes a moment)"

    def worker_done(self, group: str, result: object) -> None:
        if group == "plan":
            self._show_plan(result)  # type: ignore[arg-type]
            return
        self.finish(result, "restored")  # type: ignore[arg-type]
