"""Deleting layer versions: exact ARNs, who depends on them read live, a verified backup first.

Deletion is irreversible for us (AWS never reuses the number), and a version that live
functions list breaks their next deploy. The cache cannot say who depends on a version now, so
the dialog shows what the cache says and at once reads it live (``delete_check``: consumers
with published versions and aliases, other accounts granted, repin undos that need it); Delete
stays disabled until that reading is in. It opens on Cancel when nothing depends on what would
go, and otherwise on a field where the user types ``<layer>:<version>``; enter there confirms
only once it matches. The core reads everything once more right before deleting; if that finds
something new, nothing is deleted and the dialog shows it and asks for the typed name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, ProgressBar, Static

from layer_tui.aws import delete_batch
from layer_tui.aws.delete_batch import DeleteOutcome, DeleteProgress
from layer_tui.aws.delete_check import DeleteAssessment, assess_deletes
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations
from layer_tui.safe_text import visible_line
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine
from layer_tui.ui.workers import in_thread

#: Worker groups: the live reading on open, and the deletes.
LIVE_CHECK = "delete-live-check"
DELETE = "delete"


def confirmation_text(assessments: Sequence[DeleteAssessment]) -> str:
    """What the user must type: ``geo:3``, or ``geo:2,3`` for several versions that need it."""
    named = sorted(
        {(a.label.rsplit(":", 1)[0], int(a.label.rsplit(":", 1)[1]))
         for a in assessments if a.needs_typed_name}
    )
    layers = dict.fromkeys(name for name, _ in named)
    return " ".join(
        f"{name}:{','.join(str(n) for layer, n in named if layer == name)}" for name in layers
    )


def assessment_lines(reading: DeleteAssessment) -> list[Content]:
    """What depends on one version, one line each, under its ARN."""
    if not reading.live:
        users = len(reading.consumers)
        cached = (f"  the last scan saw {users} function configuration(s) using it"
                  if users else "  the last scan saw no function using it")
        return [Content.styled(cached, "$text-muted"),
                *(Content(f"    {visible_line(ref.label)}") for ref in reading.consumers)]
    if reading.is_empty:
        return [Content.styled("  no function uses it (checked live); no one else is granted",
                               "$text-muted")]
    lines: list[Content] = []
    if reading.consumers:
        lines.append(Content.styled(f"  used by {len(reading.consumers)}:", "$text-warning"))
        lines += [Content(f"    {visible_line(reading.consumer_label(ref))}")
                  for ref in reading.consumers]
    if reading.unchecked:  # with several accounts: a possible consumer, never safe
        lines.append(Content.styled("  not checked:", "$text-warning"))
        lines += [Content(f"    {visible_line(u.describe())}") for u in reading.unchecked]
    if reading.grants:
        lines.append(Content.styled("  also granted to:", "$text-warning"))
        lines += [Content(f"    {reading.grant_label(grant)}") for grant in reading.grants]
    lines += [Content.styled(f"  {d.describe()}", "$text-warning")
              for d in reading.undo_batches]
    return lines


def warning_text(readings: Sequence[DeleteAssessment]) -> str:
    """Why the typed name is asked for, in as many sentences as there are kinds of harm."""
    sentences = []
    if any(r.consumers for r in readings):
        sentences.append("Live functions still list this. Functions that use it keep working, "
                         "but their next deploy (any update of their layers) will fail with "
                         '"Layer version does not exist".')
    owners = {r.arn.split(":")[4] for r in readings if r.arn.count(":") >= 5}
    if any(ref.account not in owners for r in readings for ref in r.consumers):
        sentences.append("Functions in other accounts list it: their teams' next deploy "
                         "would fail.")
    if any(r.unchecked for r in readings):
        sentences.append("Some accounts could not be checked now: their functions may use "
                         "it.")
    if any(r.grants and r.accounts for r in readings):
        sentences.append("Accounts outside this scan may use it: their functions are "
                         "invisible here, and their next deploy would fail too.")
    elif any(r.grants for r in readings):
        sentences.append("Other accounts may use it: their functions are invisible from this "
                         "account, and their next deploy would fail too.")
    if any(r.undo_batches for r in readings):
        sentences.append("A repin not yet undone moved functions away from it: after the "
                         "delete, that undo can no longer put them back.")
    return " ".join(sentences)


def delete_title(count: int) -> str:
    """The dialog's title: "Delete layer version", "Delete 3 layer versions"."""
    return "Delete layer version" if count == 1 else f"Delete {count} layer versions"


class DeleteVersionDialog(OperationDialog):
    """Back up then delete one or more layer versions; dismisses True if any was deleted."""

    #: A version whose confirm-time check found something new stops the batch (single delete:
    #: the user looks again); keep-newest goes on with the versions still free.
    STOP_ON_CHANGE = True

    def __init__(self, ops: LayerOperations, versions: Sequence[LayerVersion]) -> None:
        super().__init__(ops)
        self.versions = tuple(sorted(versions, key=lambda v: (v.layer_name, -v.version)))
        #: What the dialog shows for each version: the cache's word, then the live reading.
        self.readings: dict[str, DeleteAssessment] = {
            v.arn: DeleteAssessment.from_cache(v) for v in self.versions
        }
        self.live = False
        self.expected = confirmation_text(list(self.readings.values()))
        self.add_class("-destructive")

    @property
    def has_consumers(self) -> bool:
        """Whether the typed name is asked for (anything depends on what would go)."""
        return bool(self.expected)

    def learned_news(self) -> bool:
        """Whether a live reading of a version names other consumers than the scan did (one
        attached or detached since): the tables, drawn from the scan, are then out of date."""
        for version in self.versions:
            reading = self.readings.get(version.arn)
            if reading is not None and reading.live and (
                {ref.qualified_arn for ref in reading.consumers}
                != {ref.qualified_arn for ref in version.consumers}
            ):
                return True
        return False

    def shown(self) -> list[DeleteAssessment]:
        return [self.readings[v.arn] for v in self.versions if v.arn in self.readings]

    # -- composition -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            count = len(self.versions)
            frame.border_title = delete_title(count)
            yield from self.compose_extra()
            with VerticalScroll(id="targets"):
                yield Static(self._targets(), id="target-list")
            yield Static(Content(""), classes="danger", id="consumer-warning")
            yield Static(Content(""), classes="field-label", id="confirm-label")
            yield Input(id="confirm-name", select_on_focus=False)
            yield Static(
                Content("A backup (zip, metadata, policy) is made and verified first."),
                classes="muted",
            )
            with Vertical(classes="outcome"):
                yield ProgressBar(total=max(count, 1), show_eta=False, classes="-idle",
                                  id="progress")
                yield StatusLine(id="status")
                with Horizontal(classes="buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button("Delete", variant="error", id="delete", disabled=True)

    def compose_extra(self) -> ComposeResult:
        """Room above the target list (the keep-newest dialog puts its N field here)."""
        yield from ()

    def _targets(self) -> Content:
        lines: list[Content] = []
        if not self.versions:
            return Content.styled("nothing to delete", "$text-muted")
        for version in self.versions:
            lines.append(Content.styled(version.arn, "bold"))
            lines += assessment_lines(self.readings[version.arn])
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        self._show_readings()
        if self.has_consumers:
            self.query_one("#confirm-name", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()
        self.start_live_check()

    def start_live_check(self) -> None:
        if not self.versions:
            return
        self.say("checking live\N{HORIZONTAL ELLIPSIS} (who uses it, who else is granted, "
                 "which undo needs it); Delete waits for it")
        self.check_live(self.versions)

    def _show_readings(self) -> None:
        """Put the current readings on screen: targets, warning, the typed-name field."""
        self.expected = confirmation_text(self.shown())
        self.query_one("#target-list", Static).update(self._targets())
        warning = self.query_one("#consumer-warning", Static)
        warning.update(Content(warning_text(self.shown())))
        warning.display = self.has_consumers
        label = self.query_one("#confirm-label", Static)
        label.update(Content.assemble(("Type ", "$text-muted"), (self.expected, "bold"),
                                      (" to confirm, then enter:", "$text-muted")))
        label.display = self.has_consumers
        field = self.query_one("#confirm-name", Input)
        field.placeholder = self.expected
        field.display = self.has_consumers
        self._update_delete_button()

    def _update_delete_button(self) -> None:
        self.query_one("#delete", Button).disabled = (
            self.busy or not self.live or not self.versions or not self.name_matches()
        )

    # -- the live reading --------------------------------------------------------------------

    @in_thread(LIVE_CHECK, exclusive=True)
    def check_live(self, versions: tuple[LayerVersion, ...]) -> dict[str, DeleteAssessment]:
        return assess_deletes(self.ops.session, self.ops.journal, versions,
                              accounts=self.ops.accounts)

    def live_readings_arrived(self, readings: Mapping[str, DeleteAssessment]) -> None:
        needed_before = self.has_consumers
        self.readings.update(readings)
        self.live = True
        self._show_readings()
        if self.has_consumers and not needed_before:
            self.query_one("#confirm-name", Input).focus()
        self.say("checked live: " + ("type the name to delete" if self.has_consumers
                                     else "nothing depends on it"),
                 "warning" if self.has_consumers else "")

    # -- confirming --------------------------------------------------------------------------

    def name_matches(self) -> bool:
        if not self.has_consumers:
            return True
        return self.query_one("#confirm-name", Input).value.strip() == self.expected

    @on(Input.Changed, "#confirm-name")
    def _typed(self) -> None:
        self._update_delete_button()

    @on(Input.Submitted, "#confirm-name")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.live:
            self.say("still checking live\N{HORIZONTAL ELLIPSIS}; nothing is deleted before "
                     "that", "warning")
        elif self.name_matches():
            self.confirm()
        elif event.value.strip():
            self.say(f"that is not {self.expected}; type it exactly to delete", "error")
        else:
            self.say(f"type {self.expected} to delete, or escape to keep it", "warning")

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Button.Pressed, "#delete")
    def _delete_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        if self.busy or not self.live or not self.versions or not self.name_matches():
            return
        self.busy = True
        self.query_one("#delete", Button).disabled = True
        self.query_one("#confirm-name", Input).disabled = True
        self.query_one("#progress", ProgressBar).remove_class("-idle")
        self.query_one("#cancel", Button).focus()
        self.say("checking live once more, then backing up\N{HORIZONTAL ELLIPSIS}")
        self.delete_versions(self.versions, dict(self.readings))

    # -- the work ----------------------------------------------------------------------------

    @in_thread(DELETE, exclusive=True)
    def delete_versions(
        self, versions: tuple[LayerVersion, ...], confirmed: dict[str, DeleteAssessment]
    ) -> list[DeleteOutcome]:
        # The batch and its journaling are the core's, so the CLI would delete alike.
        return delete_batch.delete_versions(
            self.ops, versions, confirmed, stop_on_change=self.STOP_ON_CHANGE,
            on_progress=self._progress_from_thread, cancelled=self.cancel_requested.is_set,
        )

    def _progress_from_thread(self, step: DeleteProgress) -> None:
        if step.deleted:
            self.app.call_from_thread(self._advance)
        else:
            self.app.call_from_thread(
                self.say, f"checking, backing up and deleting {step.label} "
                          f"({step.position}/{step.total})"
            )

    def _advance(self) -> None:
        self.changed = True
        self.query_one("#progress", ProgressBar).advance(1)

    def cancel_message(self) -> str:
        return "stopping after the version being deleted\N{HORIZONTAL ELLIPSIS}"

    def worker_done(self, group: str, result: object) -> None:
        if group == LIVE_CHECK:
            readings: dict[str, DeleteAssessment] = result  # type: ignore[assignment]
            self.live_readings_arrived(readings)
            return
        outcomes: list[DeleteOutcome] = result  # type: ignore[assignment]
        changed = [o for o in outcomes if o.changed is not None]
        if self.STOP_ON_CHANGE and changed and not any(o.backup for o in outcomes):
            self.ask_again(changed)
            return
        self.report(outcomes)

    def ask_again(self, changed: Sequence[DeleteOutcome]) -> None:
        """Nothing was deleted: show the fresh readings and want the typed name for them."""
        for outcome in changed:
            assert outcome.changed is not None
            self.readings[outcome.arn] = outcome.changed
        self.query_one("#progress", ProgressBar).add_class("-idle")
        field = self.query_one("#confirm-name", Input)
        field.disabled = False
        field.value = ""
        self._show_readings()
        if self.has_consumers:
            field.focus()
        self.say("\n".join(o.error or "" for o in changed), "error")

    def report(self, outcomes: Sequence[DeleteOutcome]) -> None:
        deleted = [o for o in outcomes if o.error is None]
        failed = [o for o in outcomes if o.error is not None]
        for outcome in failed:
            if outcome.changed is not None:
                self.readings[outcome.arn] = outcome.changed
        self.query_one("#target-list", Static).update(self._targets())
        self.changed = self.changed or bool(deleted)
        lines = [f"deleted {o.label}, backup in {o.backup}" for o in deleted]
        skipped = len(self.versions) - len(outcomes)
        lines += [o.error or "" for o in failed]
        if skipped and not failed:
            lines.append(f"cancelled: {skipped} not deleted")
        elif skipped:
            lines.append(f"{skipped} more not tried")
        level = "error" if failed else ("warning" if skipped else "success")
        self.say("\n".join(lines), level)
        cancel = self.query_one("#cancel", Button)
        cancel.label = "Close"
        cancel.focus()

    def worker_failed(self, group: str, message: str) -> None:
        if group == LIVE_CHECK:
            self.say(f"could not check live, so nothing can be deleted: {message}", "error")
            return
        super().worker_failed(group, message)
        self.query_one("#cancel", Button).label = "Close"
