"""Deleting layer versions: exact ARNs, who still uses them, a verified backup first.

Deletion is irreversible for us (AWS never reuses the number), and a version that live
functions list breaks their next deploy. So the dialog opens on Cancel when nobody uses what
would go, and otherwise opens on a field where the user types ``<layer>:<version>``; enter
there confirms only once it matches, so mashing enter never deletes anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, ProgressBar, Static

from layer_tui.aws.errors import describe
from layer_tui.aws.models import LATEST, FunctionRef, LayerVersion
from layer_tui.aws.operations import LayerOperations, plan_keep_newest
from layer_tui.ui.dialogs.base import OperationDialog, StatusLine
from layer_tui.ui.workers import in_thread


@dataclass(frozen=True)
class DeleteOutcome:
    """What happened to one version: deleted (with its backup folder) or why not."""

    arn: str
    label: str
    backup: str | None = None
    error: str | None = None


def consumer_label(ref: FunctionRef) -> str:
    return f"{ref.function} ($LATEST)" if ref.version == LATEST else f"{ref.function}:{ref.version}"


def confirmation_text(versions: Sequence[LayerVersion]) -> str:
    """What the user must type: ``geo:3``, or ``geo:2,3`` for several used versions."""
    used = sorted({(v.layer_name, v.version) for v in versions if v.consumers})
    if not used:
        return ""
    names = dict.fromkeys(name for name, _ in used)
    return " ".join(
        f"{name}:{','.join(str(n) for layer, n in used if layer == name)}" for name in names
    )


class DeleteVersionDialog(OperationDialog):
    """Back up then delete one or more layer versions; dismisses True if any was deleted."""

    def __init__(self, ops: LayerOperations, versions: Sequence[LayerVersion]) -> None:
        super().__init__(ops)
        self.versions = tuple(sorted(versions, key=lambda v: (v.layer_name, -v.version)))
        self.expected = confirmation_text(self.versions)
        self.add_class("-destructive")

    @property
    def has_consumers(self) -> bool:
        return bool(self.expected)

    # -- composition -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="frame") as frame:
            count = len(self.versions)
            frame.border_title = (
                "Delete layer version" if count == 1 else f"Delete {count} layer versions"
            )
            yield from self.compose_extra()
            with VerticalScroll(id="targets"):
                yield Static(self._targets(), id="target-list")
            if self.has_consumers:
                yield Static(
                    Content(
                        "Live functions still list this. Functions that use it keep working, "
                        "but their next deploy (any update of their layers) will fail with "
                        '"Layer version does not exist".'
                    ),
                    classes="danger",
                    id="consumer-warning",
                )
                yield Static(
                    Content.assemble(
                        ("Type ", "$text-muted"),
                        (self.expected, "bold"),
                        (" to confirm, then enter:", "$text-muted"),
                    ),
                    classes="field-label",
                )
                yield Input(placeholder=self.expected, id="confirm-name", select_on_focus=False)
            yield Static(
                Content("A backup (zip, metadata, policy) is made and verified first."),
                classes="muted",
            )
            yield ProgressBar(total=max(count, 1), show_eta=False, classes="-idle", id="progress")
            yield StatusLine(id="status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Delete", variant="error", id="delete", disabled=self.has_consumers)

    def compose_extra(self) -> ComposeResult:
        """Room above the target list (the keep-newest dialog puts its N field here)."""
        yield from ()

    def _targets(self) -> Content:
        lines: list[Content] = []
        if not self.versions:
            return Content.styled("nothing to delete", "$text-muted")
        for version in self.versions:
            lines.append(Content.styled(version.arn, "bold"))
            if not version.consumers:
                lines.append(Content.styled("  no function uses it", "$text-muted"))
                continue
            lines.append(Content.styled(f"  used by {len(version.consumers)}:", "$text-warning"))
            lines += [Content(f"    {consumer_label(ref)}") for ref in version.consumers]
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        if self.has_consumers:
            self.query_one("#confirm-name", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()
        if not self.versions:
            self.query_one("#delete", Button).disabled = True

    # -- confirming --------------------------------------------------------------------------

    def name_matches(self) -> bool:
        if not self.has_consumers:
            return True
        return self.query_one("#confirm-name", Input).value.strip() == self.expected

    @on(Input.Changed, "#confirm-name")
    def _typed(self) -> None:
        self.query_one("#delete", Button).disabled = self.busy or not self.name_matches()

    @on(Input.Submitted, "#confirm-name")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.name_matches():
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
        if self.busy or not self.versions or not self.name_matches():
            return
        self.busy = True
        self.query_one("#delete", Button).disabled = True
        if self.has_consumers:
            self.query_one("#confirm-name", Input).disabled = True
        self.query_one("#progress", ProgressBar).remove_class("-idle")
        self.query_one("#cancel", Button).focus()
        self.say("backing up\N{HORIZONTAL ELLIPSIS}")
        self.delete_versions(self.versions)

    # -- the work ----------------------------------------------------------------------------

    @in_thread("delete", exclusive=True)
    def delete_versions(self, versions: tuple[LayerVersion, ...]) -> list[DeleteOutcome]:
        batch = f"delete-{uuid.uuid4().hex[:12]}"
        marker = self.ops.begin_batch("delete", batch, versions[0].region,
                                      [f"{v.layer_name}:{v.version}" for v in versions])
        outcomes: list[DeleteOutcome] = []
        for index, version in enumerate(versions):
            label = f"{version.layer_name}:{version.version}"
            if self.cancel_requested.is_set():
                break
            self.app.call_from_thread(
                self.say, f"backing up and deleting {label} ({index + 1}/{len(versions)})"
            )
            try:
                result = self.ops.delete_layer_version(version, batch=batch)
            except Exception as exc:  # one line per failure; the next version is not tried
                outcomes.append(DeleteOutcome(version.arn, label, error=str(describe(exc))))
                break
            outcomes.append(DeleteOutcome(version.arn, label, backup=str(result.backup.folder)))
            self.app.call_from_thread(self._advance)
        failed = sum(1 for o in outcomes if o.error is not None)
        self.ops.end_batch(marker, deleted=len(outcomes) - failed, failed=failed,
                           not_tried=len(versions) - len(outcomes))
        return outcomes

    def _advance(self) -> None:
        self.changed = True
        self.query_one("#progress", ProgressBar).advance(1)

    def cancel_message(self) -> str:
        return "stopping after the version being deleted\N{HORIZONTAL ELLIPSIS}"

    def worker_done(self, group: str, result: object) -> None:
        outcomes: list[DeleteOutcome] = result  # type: ignore[assignment]
        deleted = [o for o in outcomes if o.error is None]
        failed = [o for o in outcomes if o.error is not None]
        self.changed = self.changed or bool(deleted)
        lines = [f"deleted {o.label}, backup in {o.backup}" for o in deleted]
        skipped = len(self.versions) - len(outcomes)
        if failed:
            lines.append(failed[0].error or "")
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
        super().worker_failed(group, message)
        self.query_one("#cancel", Button).label = "Close"


class KeepNewestDialog(DeleteVersionDialog):
    """Delete every old version nobody uses, keeping the newest N (``plan_keep_newest``)."""

    DEFAULT_KEEP = 3

    def __init__(
        self, ops: LayerOperations, versions: Sequence[LayerVersion], keep: int = DEFAULT_KEEP
    ) -> None:
        self.all_versions = tuple(versions)
        self.keep = keep
        super().__init__(ops, self._plan(keep))

    def _plan(self, keep: int) -> list[LayerVersion]:
        return plan_keep_newest(list(self.all_versions), max(keep, 1))

    def compose_extra(self) -> ComposeResult:
        yield Static(
            Content.styled(
                "Keep the newest (old versions still in use are kept too):", "$text-muted"
            ),
            classes="field-label",
        )
        yield Input(str(self.keep), type="integer", id="keep", max_length=4)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#cancel", Button).focus()

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
        else:
            self.say("")
            self.keep = keep
            self.versions = tuple(self._plan(keep))
        frame = self.query_one("#frame")
        frame.border_title = f"Delete {len(self.versions)} layer versions"
        self.query_one("#target-list", Static).update(self._targets())
        self.query_one("#progress", ProgressBar).total = max(len(self.versions), 1)
        self.query_one("#delete", Button).disabled = not self.versions

    @on(Input.Submitted, "#keep")
    def _keep_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#cancel", Button).focus()
