"""Undo the last repin batch from the journal: show what comes back, apply with ctrl+s.

A function changed since our repin (other RevisionId or other list), one whose update the
journal holds without a RevisionId, or one whose old list names a version deleted since, is shown
blocked with its reason and never overwritten. What the plan notes (deleted versions, unreadable
journal lines) is shown above the table before anything can be applied.

The plan is made before the dialog opens: with nothing to undo, ``u`` says so in a
notification instead of opening a dialog that only says that. The dialog opens on what it will
do in words (which layer versions come back on which functions, where, from the repin of when),
not on a batch id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, Static

from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinItem, RepinPlan, RepinReport
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.ui.dialogs.plan_dialog import PlanDialog, preview_rows
from layer_tui.ui.formatting import ago, timestamp
from layer_tui.ui.workers import in_thread

#: (batch, plan, when the batch ran) or None, and the journal's warning (unreadable lines).
UndoFound = tuple[tuple[str, RepinPlan, str] | None, str | None]


def _find_undo(ops: LayerOperations) -> UndoFound:
    found = plan_undo(ops)
    # With a plan its notes carry the journal's warning; without, it is said by the caller.
    warning = ops.journal.take_warning()
    if found is None:
        return None, warning
    batch, plan = found
    when = next((e.at for e in ops.journal.history() if e.batch == batch and e.at), "")
    return (batch, plan, when), warning


async def undo_plan(ops: LayerOperations) -> UndoFound:
    """The undo of the newest repin batch, planned off the UI thread (it reads AWS)."""
    return await asyncio.to_thread(_find_undo, ops)


def nothing_to_undo(warning: str | None) -> str:
    return ("Nothing to undo: the journal holds no repin batch not yet undone"
            + (f" ({warning})" if warning else ""))


def _short(arn: str) -> str:
    """``geo:2`` for a layer version ARN."""
    parts = arn.split(":")
    return ":".join(parts[6:8]) if len(parts) == 8 else arn


def _names(values: Iterable[str], limit: int = 4) -> str:
    shown = sorted(set(values))
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" and {more} more" if more > 0 else "")


def restore_summary(plan: RepinPlan, when: str) -> str:
    """``puts back geo:2 (now geo:3) on billing-worker, geo-import in eu-north-1; from the
    repin of 2026-11-22 18:55:00 UTC (5 minutes ago)``."""
    items: list[RepinItem] = [i for i in plan.items if i.changes]
    back = {_short(a) for i in items for a in i.new_layers if a not in i.current_layers}
    now = {_short(a) for i in items for a in i.current_layers if a not in i.new_layers}
    regions = {i.region for i in plan.items} or {plan.region}
    functions = [i.function for i in items] or [i.function for i in plan.items]
    count = len(functions)
    what = f"puts back {_names(back)}" if back else "puts back the old layer lists"
    if now:
        what += f" (now {_names(now)})"
    where = (f"on {count} function{'s' if count != 1 else ''} ({_names(functions)}) "
             f"in {_names(regions)}")
    since = f"; from the repin of {timestamp(when)} ({ago(when)})" if when else ""
    return f"{what} {where}{since}"


class UndoDialog(PlanDialog):
    """Restore each function's layer list from before the last repin; True if any changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Undo", priority=True, id="undo.apply"),
    ]

    def __init__(self, ops: LayerOperations, found: UndoFound | None = None) -> None:
        """``found``: the plan ``undo_plan`` made; without it the dialog plans on open."""
        super().__init__(ops)
        self.found = found
        self.batch_id: str | None = None
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
        if self.found is None:
            self.make_plan()
        else:
            self._show_plan(self.found)

    @in_thread("plan", exclusive=True)
    def make_plan(self) -> UndoFound:
        return _find_undo(self.ops)

    def _show_plan(self, answer: UndoFound) -> None:
        found, warning = answer
        info = self.query_one("#batch", Static)
        if found is None:  # the caller notifies instead; kept for a plan made elsewhere
            info.update(Content(nothing_to_undo(warning)))
            return
        self.batch_id, self.plan, when = found
        notes = [("\n" + note, "$warning") for note in self.plan.notes]
        info.update(Content.assemble((restore_summary(self.plan, when), "bold"),
                                     ("\nbatch " + self.batch_id, "$text-muted"), *notes))
        preview_rows(self.query_one("#preview", DataTable), self.plan, self)
        runnable = self.plan.runnable
        self.query_one("#apply", Button).disabled = not runnable
        if runnable:
            self.say(f"{len(runnable)} of {len(self.plan.items)} will be restored; "
                     "ctrl+s applies")
        else:
            self.say("nothing can be restored: each function says why in the table", "warning")

    def action_apply(self) -> None:
        if self.busy or self.report is not None or self.plan is None or self.batch_id is None:
            return
        if self.query_one("#apply", Button).disabled:
            return
        self.start_progress(len(self.plan.items), "restoring\N{HORIZONTAL ELLIPSIS}")
        self.apply_plan(self.batch_id, self.plan)

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
