"""Keep the newest N versions of a layer and delete the old ones nothing depends on.

The plan is made twice: from the cache while the dialog opens, then from the live reading of
every version (``delete_check``), which is what Delete waits for. A version used by anything
(a published function version behind an alias included), granted to another account or needed
by an undo is kept and listed with the reason; delete it on its own, with the typed name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Button, Input, ProgressBar, Static

from layer_tui.aws.delete_check import DeleteAssessment, assess_deletes
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations, plan_keep_newest
from layer_tui.ui.dialogs.delete import LIVE_CHECK, DeleteVersionDialog, delete_title
from layer_tui.ui.workers import in_thread


class KeepNewestDialog(DeleteVersionDialog):
    """Delete every old version nothing depends on, keeping the newest N."""

    DEFAULT_KEEP = 3
    STOP_ON_CHANGE = False

    def __init__(
        self, ops: LayerOperations, versions: Sequence[LayerVersion], keep: int = DEFAULT_KEEP
    ) -> None:
        self.all_versions = tuple(versions)
        self.keep = keep
        #: Live readings of every version of the layer, once in.
        self.all_readings: dict[str, DeleteAssessment] = {}
        super().__init__(ops, self._plan(keep))

    def _plan(self, keep: int) -> list[LayerVersion]:
        return plan_keep_newest(self.all_versions, max(keep, 1), self.all_readings or None)

    def kept_for_dependants(self) -> list[DeleteAssessment]:
        """Old versions (past the newest ``keep``) kept because something depends on them."""
        newest_first = sorted(self.all_versions, key=lambda v: v.version, reverse=True)
        old = newest_first[max(self.keep, 1):]
        if not self.all_readings:
            return [DeleteAssessment.from_cache(v) for v in old if v.consumers]
        return [self.all_readings[v.arn] for v in old
                if v.arn in self.all_readings and self.all_readings[v.arn].needs_typed_name]

    def compose_extra(self) -> ComposeResult:
        yield Static(
            Content.styled(
                "Keep the newest (old versions anything depends on are kept too):",
                "$text-muted",
            ),
            classes="field-label",
        )
        yield Input(str(self.keep), type="integer", id="keep", max_length=4)

    def _targets(self) -> Content:
        planned = super()._targets()
        kept = self.kept_for_dependants()
        if not kept:
            return planned
        lines = [planned, Content.styled("kept, because something depends on it:", "$text-muted")]
        for reading in kept:
            reasons = reading.reasons() if reading.live else ["used, as the last scan saw"]
            lines.append(Content(f"  {reading.label}: {'; '.join(reasons)}"))
        return Content("\n").join(lines)

    # Textual hands the event to a handler that takes one: this one needs it, to stop the
    # base's handler running a second time; the base's own takes none.
    def on_mount(self, event: events.Mount) -> None:  # type: ignore[override]
        super().on_mount()
        # Textual would run the base handler again after this one (it calls every class's
        # on_mount): a second live check, and focus back on Cancel.
        event.prevent_default()
        # N is what the user came to set; Delete stays disabled until the live reading is in
        # and Cancel is a tab away, so starting in the field deletes nothing by itself.
        self.query_one("#keep", Input).focus()

    @in_thread(LIVE_CHECK, exclusive=True)
    def check_live(self, versions: tuple[LayerVersion, ...]) -> dict[str, DeleteAssessment]:
        # Every version: keep N may change after the reading is in.
        return assess_deletes(self.ops.session, self.ops.journal, self.all_versions,
                              accounts=self.ops.accounts)

    def start_live_check(self) -> None:
        # Even with nothing planned from the cache: a consumer gone since frees a version.
        if self.all_versions:
            self.say("checking live\N{HORIZONTAL ELLIPSIS}; Delete waits for it")
            self.check_live(self.versions)

    def live_readings_arrived(self, readings: Mapping[str, DeleteAssessment]) -> None:
        self.all_readings = dict(readings)
        self._replan(self.keep)
        self.live = True
        self._show_readings()
        self.say("checked live" + ("" if self.versions else ": nothing to delete"))

    def _replan(self, keep: int) -> None:
        self.keep = keep
        self.versions = tuple(self._plan(keep))
        self.readings = {v.arn: self.all_readings.get(v.arn) or DeleteAssessment.from_cache(v)
                         for v in self.versions}
        frame = self.query_one("#frame")
        frame.border_title = delete_title(len(self.versions))
        self.query_one("#progress", ProgressBar).total = max(len(self.versions), 1)

    @on(Input.Changed, "#keep")
    def _keep_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.busy:
            return
        try:
            keep = int(event.value)
        except ValueError:
            keep = 0
        if keep < 1:
            self.say("keep at least the newest version", "error")
            self.versions = ()
            self.readings = {}
        else:
            self.say("" if self.live else "checking live\N{HORIZONTAL ELLIPSIS}")
            self._replan(keep)
        self._show_readings()

    @on(Input.Submitted, "#keep")
    def _keep_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#cancel", Button).focus()
