"""The keys that open the inspector and the mutating dialogs, mixed into the App.

`i` inspect, `p` publish, `d` delete, `m` repin and `u` undo act on whatever the screen on top
has selected. In read-only mode the mutating ones are absent, not disabled: the app's
``check_action`` turns each off and its hidden twin (same key, same id, so a user keymap moves
both) answers instead (and ``LayerOperations`` refuses below the UI anyway).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding, BindingType
from textual.worker import WorkerCancelled, WorkerFailed

from layer_tui.aws.models import Inventory, Layer, LayerVersion, RegionInventory
from layer_tui.ui.workers import in_thread

if TYPE_CHECKING:
    from layer_tui.aws.operations import LayerOperations

#: (key, action, description, binding id) of the changes; "u" works from any screen.
MUTATING_KEYS = (
    ("p", "publish", "Publish", "change.publish"),
    ("d", "delete", "Delete", "change.delete"),
    ("m", "repin", "Repin", "change.repin"),
    ("u", "undo", "Undo repin", "change.undo"),
    ("K", "keep_newest", "Keep newest", "change.keep-newest"),
)

#: The App's bindings for the inspector and the changes. Each change's key is declared twice
#: under one id: the change, and the refusal read-only mode answers with (the user pressed it
#: for a reason). ``check_action`` lets exactly one of the two run.
CHANGE_BINDINGS: list[BindingType] = [
    Binding("i", "inspect", "Inspect", id="change.inspect"),
    *(
        binding
        for key, action, description, binding_id in MUTATING_KEYS
        for binding in (
            Binding(key, action, description, id=binding_id),
            Binding(key, "refuse_change", description, show=False, id=binding_id),
        )
    ),
]
READ_ONLY_REFUSAL = "read-only: nothing can be changed (start without --read-only to change)"


def change_commands(app: Any) -> Any:
    """Palette entries for the inspector and the changes (none of the latter when read-only)."""
    from textual.app import SystemCommand

    yield SystemCommand("Inspect version", "what is inside the selected version (i)",
                        app.action_inspect)
    if app.read_only:
        return
    yield SystemCommand("Publish a new version", "of the selected layer or a new one (p)",
                        app.action_publish)
    yield SystemCommand("Delete version", "back up, then delete the selected version (d)",
                        app.action_delete)
    yield SystemCommand("Delete old unused versions", "keep the newest N of this layer",
                        app.action_keep_newest)
    yield SystemCommand("Repin consumers", "move functions to another version (m)",
                        app.action_repin)
    yield SystemCommand("Undo last repin", "restore the lists from the journal (u)",
                        app.action_undo)
    yield SystemCommand("Restore a deleted version", "publish a backup again (new number)",
                        app.action_restore)


def find_layer(inventory: Inventory | None, layer_arn: str) -> Layer | None:
    for region in inventory.regions if inventory else ():
        for layer in region.layers:
            if layer.arn == layer_arn:
                return layer
    return None


def find_version(inventory: Inventory | None, arn: str) -> LayerVersion | None:
    layer = find_layer(inventory, arn.rsplit(":", 1)[0])
    return next((v for v in layer.versions if v.arn == arn), None) if layer else None


class ChangeActions:
    """Mixin for ``LayerTuiApp``: the actions behind i/p/d/m/u and the palette's restore."""

    _operations: LayerOperations | None = None

    # Provided by the App this is mixed into.
    read_only: bool
    inventory: Inventory | None
    screen: Any
    notify: Any
    call_from_thread: Any
    workers: Any
    push_screen: Any
    push_screen_wait: Any
    start_scan: Any
    _ensure_session: Any
    _screen_region: Any

    @property
    def operations(self) -> LayerOperations:
        """The gate for every change, on the current session (a profile switch replaces it)."""
        session = self._ensure_session()
        if self._operations is None or self._operations.session is not session:
            from layer_tui.aws.journal import Journal
            from layer_tui.aws.operations import LayerOperations

            self._operations = LayerOperations(session, Journal())
        return self._operations

    # -- what is selected -----------------------------------------------------------------

    def _selection(self) -> tuple[Any, Any]:
        """(the screen on top, the model behind its selected row or None)."""
        screen = self.screen
        table = getattr(screen, "table", None)
        row = table.selected_row if table is not None else None
        return screen, (row.item if row is not None else None)

    def _selected_version(self) -> LayerVersion | None:
        screen, item = self._selection()
        if isinstance(item, LayerVersion):
            return item
        arn = getattr(screen, "version_arn", None)
        return find_version(self.inventory, arn) if arn else None

    def _selected_layer(self) -> Layer | None:
        screen, item = self._selection()
        if isinstance(item, Layer):
            return item
        if isinstance(item, LayerVersion):
            return find_layer(self.inventory, item.layer_arn)
        arn = getattr(screen, "layer_arn", None) or getattr(screen, "version_arn", None)
        if arn and arn.count(":") == 7:
            arn = arn.rsplit(":", 1)[0]
        return find_layer(self.inventory, arn) if arn else None

    def _current_region(self) -> str | None:
        _, item = self._selection()
        if isinstance(item, RegionInventory):  # the regions screen: the row under the cursor
            return item.region
        layer = self._selected_layer()
        if layer is not None:
            return layer.region
        region: str | None = self._screen_region()
        if region:
            return region
        scanned = self.inventory.regions if self.inventory else ()
        return next((r.region for r in scanned if not r.error), None)

    def _after_change(self, changed: bool | None, region: str | None) -> None:
        from layer_tui.ui.refreshing import refresh

        # The rows the change touched (moved functions' Modified, a deleted version) are
        # read again from AWS, and the user is told when they have been.
        if changed and region:
            refresh(self, [region], " after the change")

    @in_thread("recovery")
    def settle_interrupted_work(self) -> None:
        """Say what a run that stopped mid-change left done and undone (``aws.recovery``)."""
        from layer_tui.aws.recovery import recover

        for line in recover(self.operations):
            self.call_from_thread(self.notify, line, title="Interrupted last time",
                                  severity="warning", timeout=30)

    # -- actions ------------------------------------------------------------------------------

    def action_refuse_change(self) -> None:
        self.notify(READ_ONLY_REFUSAL, severity="warning")

    def action_inspect(self) -> None:
        from layer_tui.ui.screens.contents import ContentsScreen

        version = self._selected_version()
        if version is None:
            self.notify("Select a layer version to inspect (open a layer first).")
            return
        layer = find_layer(self.inventory, version.layer_arn)
        others = [v.arn for v in layer.versions if v.arn != version.arn] if layer else []
        self.push_screen(ContentsScreen(self._ensure_session(), version.arn, other_versions=others))

    @work(exclusive=True, group="change")
    async def action_delete(self) -> None:
        from layer_tui.ui.dialogs.delete import DeleteVersionDialog

        version = self._selected_version()
        if version is None:
            self.notify("Select a layer version to delete (open a layer first).")
            return
        changed = await self.push_screen_wait(DeleteVersionDialog(self.operations, [version]))
        self._after_change(changed, version.region)

    @work(exclusive=True, group="change")
    async def action_keep_newest(self) -> None:
        from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog

        layer = self._selected_layer()
        if layer is None:
            self.notify("Select a layer first.")
            return
        changed = await self.push_screen_wait(KeepNewestDialog(self.operations, layer.versions))
        self._after_change(changed, layer.region)

    @work(exclusive=True, group="change")
    async def action_publish(self) -> None:
        from layer_tui.ui.dialogs.publish import PublishDialog

        region = self._current_region()
        if region is None:
            self.notify("No region is ready yet; wait for the scan.")
            return
        layer = self._selected_layer()
        scanned = self.inventory.regions if self.inventory else ()
        changed = await self.push_screen_wait(PublishDialog(
            self.operations, region, layer.name if layer else None,
            latest=layer.newest_build if layer else None,
            regions=sorted(r.region for r in scanned if not r.error),
        ))
        self._after_change(changed, region)

    @work(exclusive=True, group="change")
    async def action_repin(self) -> None:
        from layer_tui.ui.dialogs.repin import RepinDialog

        layer = self._selected_layer()
        if layer is None:
            self.notify("Select a layer or a version to repin its consumers.")
            return
        version = self._selected_version()
        target = version.version if version is not None else None
        changed = await self.push_screen_wait(
            RepinDialog(self.operations, layer.region, layer, target, None)
        )
        self._after_change(changed, layer.region)

    @work(exclusive=True, group="change")
    async def action_undo(self) -> None:
        from layer_tui.ui.dialogs.undo import UndoDialog, nothing_to_undo, undo_plan

        # A repin cut short by a crash is settled at start; plan the undo from the settled
        # journal, not from one still being completed.
        for worker in [w for w in self.workers if w.group == "recovery"]:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        found = await undo_plan(self.operations)
        if found[0] is None:  # a notification, not a whole dialog, says there is nothing
            self.notify(nothing_to_undo(found[1]), title="Undo")
            return
        changed = await self.push_screen_wait(UndoDialog(self.operations, found))
        if changed:
            self._after_change(changed, found[0][1].region if found[0] else None)

    @work(exclusive=True, group="change")
    async def action_restore(self) -> None:
        from layer_tui.ui.dialogs.restore import RestoreDialog

        changed = await self.push_screen_wait(RestoreDialog(self.operations))
        if changed:
            from layer_tui.ui.refreshing import refresh

            refresh(self, None, " after the restore")
