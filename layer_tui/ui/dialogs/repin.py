"""Repin: move functions from any version of a layer to one target version.

The preview is ``plan_repin`` run in a worker each time the target or the ticked functions
change; ``ctrl+s`` applies only the plan on screen (its RevisionIds guard against functions that
changed since). Cancel stops after the function in flight; the summary says what moved, what
was skipped and what failed, and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, DataTable, Select, SelectionList, Static

from layer_tui.aws.models import LATEST, Layer
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import (
    RepinPlan,
    RepinReport,
    UnzippedSizes,
    apply_repin,
    function_label,
    plan_repin,
)
from layer_tui.ui.dialogs.plan_dialog import PlanDialog, preview_rows
from layer_tui.ui.runtimes import TickList
from layer_tui.ui.workers import in_thread

_DEBOUNCE = 0.3


class RepinDialog(PlanDialog):
    """Move consumers of ``layer`` to one version; dismisses True if any function moved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", priority=True, id="repin.apply"),
    ]

    def __init__(
        self,
        ops: LayerOperations,
        region: str,
        layer: Layer,
        target_version: int | None = None,
        functions: Sequence[str] | None = None,
    ) -> None:
        super().__init__(ops)
        self.region_name = region
        self.target_layer = layer
        numbers = [v.version for v in layer.versions]
        # By default the newest build, never a restored copy of an old one.
        latest = layer.newest_build.version if layer.newest_build else None
        self.target = target_version if target_version in numbers else latest
        self.given = tuple(functions) if functions is not None else None
        #: function → the version it lists now ($LATEST configurations only can change). With
        #: several accounts a function is its ARN: the plan then changes it through its own
        #: account's session, and two accounts' functions of one name stay apart.
        self.on_version: dict[str, int] = {}
        for version in layer.versions:
            for ref in version.consumers:
                if ref.version == LATEST:
                    key = ref.arn if ops.accounts is not None else ref.function
                    self.on_version.setdefault(key, version.version)
        for name in self.given or ():
            self.on_version.setdefault(name, 0)
        self.plan: RepinPlan | None = None
        self._plan_key: tuple[object, ...] | None = None
        self._debounce: Timer | None = None
        #: Unzipped sizes of the layers in the plans, read once each, for the 250 MB check.
        self.layer_sizes = UnzippedSizes(ops.session)

    # -- composition -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            frame.border_title = f"Repin consumers of {self.target_layer.name}"
            yield Static(Content.styled(self.target_layer.arn, "$text-muted"))
            yield Static(Content("Target version"), classes="field-label")
            yield Select(
                [(f"{v.layer_name}:{v.version}  ({len(v.consumers)} consumers)", v.version)
                 for v in self.target_layer.versions],
                value=self.target if self.target is not None else Select.NULL,
                allow_blank=self.target is None,
                id="target",
            )
            yield Static(Content("Functions to move (space ticks)"), classes="field-label")
            yield TickList(
                *[(self._function_label(name), name, self._ticked_by_default(name))
                  for name in sorted(self.on_version)],
                id="functions",
            )
            yield Static(Content("Preview"), classes="field-label plan-label")
            yield from self.compose_plan_table("New", "Flags")
            yield from self.compose_controls("Apply (ctrl+s)", "primary")

    def _function_label(self, name: str) -> str:
        number = self.on_version.get(name)
        label = function_label(self.ops, name)
        return f"{label}  ({self.target_layer.name}:{number})" if number else label

    def _ticked_by_default(self, name: str) -> bool:
        if self.given is not None:
            return name in self.given
        return self.on_version.get(name) != self.target

    def on_mount(self) -> None:
        self.query_one("#functions", SelectionList).focus()
        self.schedule_plan(now=True)

    # -- the preview -------------------------------------------------------------------------

    def chosen(self) -> tuple[str, ...]:
        return tuple(sorted(self.query_one("#functions", SelectionList).selected))

    def target_arn(self) -> str | None:
        return f"{self.target_layer.arn}:{self.target}" if self.target is not None else None

    @on(Select.Changed, "#target")
    def _target_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.busy or event.value == self.target or event.value is Select.NULL:
            return
        self.target = int(event.value)  # type: ignore[call-overload]
        if self.given is None:
            choices = self.query_one("#functions", SelectionList)
            with self.prevent(SelectionList.SelectedChanged):
                choices.deselect_all()
                for name in self.on_version:
                    if self._ticked_by_default(name):
                        choices.select(name)
        self.schedule_plan()

    @on(SelectionList.SelectedChanged, "#functions")
    def _ticks_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        if not self.busy:
            self.schedule_plan()

    def schedule_plan(self, now: bool = False) -> None:
        self.query_one("#apply", Button).disabled = True
        self.plan = None
        if self._debounce is not None:
            self._debounce.stop()
        if now:
            self._start_plan()
        else:
            self._debounce = self.set_timer(_DEBOUNCE, self._start_plan)

    def _start_plan(self) -> None:
        target, functions = self.target_arn(), self.chosen()
        if target is None or not functions:
            self.query_one("#preview", DataTable).clear()
            self.say("pick a target version and at least one function", "warning")
            return
        self._plan_key = (target, functions)
        self.say("reading the functions\N{HORIZONTAL ELLIPSIS}")
        self.make_plan(target, functions)

    @in_thread("plan", exclusive=True)
    def make_plan(self, target: str, functions: tuple[str, ...]) -> tuple[object, RepinPlan]:
        return (target, functions), plan_repin(
            self.ops, self.region_name, target, functions, unzipped_size=self.layer_sizes
        )

    def _show_plan(self, key: object, plan: RepinPlan) -> None:
        if key != self._plan_key or self.busy:
            return  # a newer selection is being planned
        self.plan = plan
        preview_rows(self.query_one("#preview", DataTable), plan, self)
        runnable = plan.runnable
        self.query_one("#apply", Button).disabled = not runnable
        if plan.problem:
            self.say(plan.problem, "error")
        elif not runnable:
            self.say("nothing to move: every ticked function is on the target or blocked",
                     "warning")
        else:
            self.say(f"{len(runnable)} of {len(plan.items)} will move to "
                     f"{self.target_layer.name}:{self.target}; ctrl+s applies")

    # -- applying ----------------------------------------------------------------------------

    def action_apply(self) -> None:
        plan = self.plan
        if self.busy or self.report is not None or plan is None or not plan.runnable:
            return
        if self._plan_key != (self.target_arn(), self.chosen()):
            return
        self.start_progress(
            len(plan.items),
            "moving\N{HORIZONTAL ELLIPSIS} (escape stops after the function in flight)",
        )
        for selector in ("#target", "#functions"):
            self.query_one(selector).disabled = True
        self.query_one("#cancel", Button).focus()
        self.apply_plan(plan)

    @in_thread("apply", exclusive=True)
    def apply_plan(self, plan: RepinPlan) -> RepinReport:
        return apply_repin(
            self.ops, plan,
            progress=lambda outcome: self.app.call_from_thread(self.outcome_arrived, outcome),
            cancelled=self.cancel_requested.is_set,
        )

    def cancel_message(self) -> str:
        return "stopping after the function in flight\N{HORIZONTAL ELLIPSIS}"

    def worker_done(self, group: str, result: object) -> None:
        if group == "plan":
            key, plan = cast(tuple[object, RepinPlan], result)
            self._show_plan(key, plan)
            return
        self.finish(result, "moved")  # type: ignore[arg-type]

    def worker_failed(self, group: str, message: str) -> None:
        super().worker_failed(group, message)
        if group == "apply":
            self.query_one("#cancel", Button).label = "Close"
