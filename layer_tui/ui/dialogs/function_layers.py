"""Change one function's layers from its screen: repin one layer, move one, remove one.

The preview is ``plan_function_layers`` run in a worker: the list before and after (the plan
table the repin dialog shows), the files of the merged /opt that change hands or stop being
shadowed, the unzipped budget after, and one line for each thing to know first (a stack that
will revert it, the last layer going, a target for another runtime or architecture). ``ctrl+s``
applies the plan on screen through ``apply_repin``: its RevisionId guards against a function
changed since, and ``u`` undoes it like a repin.
"""

from __future__ import annotations

from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, Select, Static

from layer_tui.aws.function_change import (
    REPIN,
    FunctionLayersPlan,
    LayerChange,
    plan_function_layers,
    versions_newest_build_first,
)
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinReport, apply_repin
from layer_tui.safe_text import visible_line
from layer_tui.ui.dialogs.base import version_label
from layer_tui.ui.dialogs.plan_dialog import PlanDialog, preview_rows
from layer_tui.ui.widgets.size_bar import compact_size, share_label
from layer_tui.ui.workers import in_thread

#: The preview names this many files that change hands; the rest are counted.
PATHS_SHOWN = 8


def version_choice(version: LayerVersion, newest: bool, current: str) -> str:
    """``geo:3  newest build`` / ``geo:4  restored copy of 1`` / ``geo:1  in use``."""
    notes = []
    if newest:
        notes.append("newest build")
    if version.restored_from is not None:
        notes.append(f"restored copy of {version.restored_from}")
    if version.arn == current:
        notes.append("in use")
    label = f"{version.layer_name}:{version.version}"
    return f"{label}  ({', '.join(notes)})" if notes else label


def opt_changes(plan: FunctionLayersPlan) -> list[tuple[str, str]]:
    """The preview's lines under the table: (text, style), every name already one line."""
    lines: list[tuple[str, str]] = []
    for note in plan.notes:
        lines.append((f"! {note}", "$text-warning"))
    for shadow in plan.newly_shadowed[:PATHS_SHOWN]:
        hidden = ", ".join(version_label(arn) for arn in shadow.hidden)
        was = plan.previous_winner.get(shadow.path)
        since = f" (was {version_label(was)}'s)" if was else " (newly shadowed)"
        lines.append((f"/opt/{shadow.path}: {version_label(shadow.winner)} wins over {hidden}"
                      f"{since}", "$text-warning"))
    if len(plan.newly_shadowed) > PATHS_SHOWN:
        lines.append((f"\N{HORIZONTAL ELLIPSIS} and {len(plan.newly_shadowed) - PATHS_SHOWN:,} "
                      "more files change hands", "$text-muted"))
    if plan.unshadowed:
        shown = ", ".join(f"/opt/{path}" for path in plan.unshadowed[:PATHS_SHOWN])
        more = len(plan.unshadowed) - PATHS_SHOWN
        lines.append((f"no longer shadowed: {shown}" + (f" and {more:,} more" if more > 0
                                                        else ""), "$text-muted"))
    if plan.before is not None and not plan.newly_shadowed and not plan.unshadowed:
        lines.append(("no file of /opt changes hands", "$text-muted"))
    if (budget := plan.budget_after) is not None:
        used, limit, complete = budget
        exact = "" if complete else "at least "
        lines.append((f"code + layers unzipped after: {exact}{compact_size(used)} "
                      f"({share_label(used, limit)})",
                      "$text-error" if used > limit else "$text-muted"))
    return lines


class FunctionLayersDialog(PlanDialog):
    """Apply one ``LayerChange`` to a function's list; dismisses True if it changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", priority=True, id="function-layers.apply"),
    ]

    def __init__(self, ops: LayerOperations, function_arn: str, change: LayerChange) -> None:
        super().__init__(ops)
        self.function_arn = function_arn
        self.change = change
        self.plan: FunctionLayersPlan | None = None
        self._planned: LayerChange | None = None

    @property
    def function_name(self) -> str:
        return self.function_arn.split(":")[6] if self.function_arn.count(":") >= 6 \
            else self.function_arn

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = f"Change the layers of {visible_line(self.function_name)}"
            yield Static(Content.styled(visible_line(self.function_arn), "$text-muted"))
            if self.change.kind == REPIN:
                yield Static(Content(f"New version of {version_label(self.change.arn)}"),
                             classes="field-label")
                yield Select[str]([], prompt="reading its versions\N{HORIZONTAL ELLIPSIS}",
                                  id="target")
            yield Static(Content("Preview (list before and after, then /opt)"),
                         classes="field-label")
            yield from self.compose_plan_table("New", "Flags")
            yield Static(Content(""), id="opt-changes")
            yield from self.compose_controls("Apply (ctrl+s)", "primary")

    def on_mount(self) -> None:
        if self.change.kind == REPIN:
            self.say("reading the layer's versions\N{HORIZONTAL ELLIPSIS}")
            self.query_one("#target", Select).focus()
            self.read_versions(self.change.arn)
        else:
            self.query_one("#cancel", Button).focus()
            self.start_plan(self.change)

    # -- the version picker ------------------------------------------------------------------

    @in_thread("versions", exclusive=True)
    def read_versions(self, arn: str) -> tuple[LayerVersion, ...]:
        return versions_newest_build_first(self.ops.session, arn)

    def _show_versions(self, versions: tuple[LayerVersion, ...]) -> None:
        picker: Select[str] = self.query_one("#target", Select)
        choices = [(version_choice(v, i == 0, self.change.arn), v.arn)
                   for i, v in enumerate(versions)]
        picker.set_options(choices)
        # The newest build, unless the function is on it already: then the next one.
        other = next((v.arn for v in versions if v.arn != self.change.arn), None)
        if other is None:
            self.say("this layer has no other version to repin to", "warning")
            return
        picker.value = other

    @on(Select.Changed, "#target")
    def _target_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.busy or event.value is Select.NULL or not isinstance(event.value, str):
            return
        self.start_plan(LayerChange(REPIN, self.change.arn, target=event.value))

    # -- the preview -------------------------------------------------------------------------

    def start_plan(self, change: LayerChange) -> None:
        self.plan = None
        self._planned = change
        self.query_one("#apply", Button).disabled = True
        self.say(f"planning: {change.description}\N{HORIZONTAL ELLIPSIS}")
        self.make_plan(change)

    @in_thread("plan", exclusive=True)
    def make_plan(self, change: LayerChange) -> tuple[LayerChange, FunctionLayersPlan]:
        # Read and changed through the function's own account (with several accounts scanned,
        # not the caller's): its name there is another function.
        own = self.ops.for_arn(self.function_arn)
        return change, plan_function_layers(own.session, self.function_arn, change)

    def _show_plan(self, change: LayerChange, plan: FunctionLayersPlan) -> None:
        if change != self._planned or self.busy:
            return  # a newer pick is being planned
        self.plan = plan
        preview_rows(self.query_one("#preview", DataTable), plan, self)
        self.query_one("#opt-changes", Static).update(Content("\n").join(
            Content.styled(visible_line(line), style) for line, style in opt_changes(plan)))
        item = plan.item
        runnable = bool(plan.runnable)
        self.query_one("#apply", Button).disabled = not runnable
        if plan.problem or (item is not None and item.blocked):
            self.say(str(plan.problem or (item.blocked if item else "")), "error")
        elif not runnable:
            self.say("nothing to change: the list would stay as it is", "warning")
        else:
            self.say(f"{change.description} in {self.function_name}; ctrl+s applies")

    # -- applying ----------------------------------------------------------------------------

    def action_apply(self) -> None:
        plan = self.plan
        if self.busy or self.report is not None or plan is None or not plan.runnable:
            return
        self.start_progress(1, "updating the function\N{HORIZONTAL ELLIPSIS}")
        if self.change.kind == REPIN:
            self.query_one("#target", Select).disabled = True
        self.query_one("#cancel", Button).focus()
        self.apply_plan(plan)

    @in_thread("apply", exclusive=True)
    def apply_plan(self, plan: FunctionLayersPlan) -> RepinReport:
        return apply_repin(
            self.ops.for_arn(self.function_arn), plan,
            progress=lambda outcome: self.app.call_from_thread(self.outcome_arrived, outcome),
            cancelled=self.cancel_requested.is_set,
        )

    def worker_done(self, group: str, result: object) -> None:
        if group == "versions":
            self.say("")
            self._show_versions(result)  # type: ignore[arg-type]
        elif group == "plan":
            change, plan = cast(tuple[LayerChange, FunctionLayersPlan], result)
            self._show_plan(change, plan)
        elif group == "apply":
            self.finish(result, "updated")  # type: ignore[arg-type]

    def worker_failed(self, group: str, message: str) -> None:
        super().worker_failed(group, message)
        if group == "apply":
            self.query_one("#cancel", Button).label = "Close"


__all__ = ["FunctionLayersDialog", "opt_changes", "version_choice"]
