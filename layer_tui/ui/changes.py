"""The keys that open the inspector and the mutating dialogs, and what each one does.

`i` inspect, `p` publish, `d` delete, `m` repin and `u` undo act on whatever the screen on top
has selected: bound on the app, they run on that screen (``screen.<action>``, see
``screens/hosted.py``), which hands its typed ``Selection`` to a flow here. In read-only mode
the mutating ones are absent, not disabled: the screen's ``check_action`` turns each off and
its hidden twin on the app (same key, same id, so a user keymap moves both) answers instead
(and ``LayerOperations`` refuses below the UI anyway).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from layer_tui.ui.commands import action_callback, key_hint
from layer_tui.ui.host import Host
from layer_tui.ui.messages import OpenContents
from layer_tui.ui.refreshing import refresh
from layer_tui.ui.selection import Selection

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
    Binding("i", "screen.inspect", "Inspect", id="change.inspect"),
    *(
        binding
        for key, action, description, binding_id in MUTATING_KEYS
        for binding in (
            Binding(key, f"screen.{action}", description, id=binding_id),
            Binding(key, "refuse_change", description, show=False, id=binding_id),
        )
    ),
]
READ_ONLY_REFUSAL = "read-only: nothing can be changed (start without --read-only to change)"


#: The palette's change entries: (title, what it does, the binding whose key it names, action).
PALETTE_CHANGES = (
    ("Publish a new version", "of the selected layer or a new one", "change.publish", "publish"),
    ("Delete version", "back up, then delete the selected version", "change.delete", "delete"),
    ("Delete old unused versions", "keep the newest N of this layer", "change.keep-newest",
     "keep_newest"),
    ("Repin consumers", "move functions to another version", "change.repin", "repin"),
    ("Undo last repin", "restore the lists from the journal", "change.undo", "undo"),
)


def change_commands(screen: Screen[object], read_only: bool) -> Iterator[SystemCommand]:
    """Palette entries for the inspector and the changes (none of the latter when read-only);
    they run on ``screen`` (a ``HostedScreen``), which knows what is selected."""
    def action(name: str) -> Callable[[], object]:
        return action_callback(screen, name)

    def help_line(text: str, binding_id: str) -> str:
        # The key in force on this screen (a user keymap may have moved it), or none.
        return text + key_hint(screen, binding_id)

    yield SystemCommand("Inspect version",
                        help_line("what is inside the selected version", "change.inspect"),
                        action("inspect"))
    if read_only:
        return
    for title, text, binding_id, name in PALETTE_CHANGES:
        yield SystemCommand(title, help_line(text, binding_id), action(name))
    yield SystemCommand("Restore a deleted version", "publish a backup again (new number)",
                        action("restore"))


def _after_change(host: Host, changed: bool | None, region: str | None) -> None:
    # The rows the change touched (moved functions' Modified, a deleted version) are read
    # again from AWS, and the user is told when they have been.
    if changed and region:
        refresh(host, [region], " after the change")


# -- the flows: each opens its dialog (imported when first used: a dialog's checks load the
# -- AWS operations and boto3, which the first screen does not need) and refreshes after --


def inspect(host: Host, selection: Selection) -> None:
    version = selection.version
    if version is None:
        host.notify("Select a layer version to inspect (open a layer first).")
        return
    layer = selection.layer
    others = tuple(v.arn for v in layer.versions if v.arn != version.arn) if layer else ()
    host.post_message(OpenContents(version.arn, others))


async def delete(app: App[object], host: Host, selection: Selection) -> None:
    from layer_tui.ui.dialogs.delete import DeleteVersionDialog

    version = selection.version
    if version is None:
        host.notify("Select a layer version to delete (open a layer first).")
        return
    dialog = DeleteVersionDialog(host.operations, [version])
    changed = await app.push_screen_wait(dialog)
    if not changed and dialog.learned_news():
        # Nothing deleted, but the live check saw consumers the scan did not: without a
        # rescan the table would go on calling the version UNUSED until the next refresh.
        refresh(host, [version.region], " with what the live check found")
    _after_change(host, changed, version.region)


async def keep_newest(app: App[object], host: Host, selection: Selection) -> None:
    from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog

    layer = selection.layer
    if layer is None:
        host.notify("Select a layer first.")
        return
    changed = await app.push_screen_wait(KeepNewestDialog(host.operations, layer.versions))
    _after_change(host, changed, layer.region)


async def publish(app: App[object], host: Host, selection: Selection) -> None:
    from layer_tui.ui.dialogs.publish import PublishDialog

    scanned = [r.region for r in host.inventory.regions if not r.error] if host.inventory else []
    region = selection.change_region or next(iter(scanned), None)
    if region is None:
        host.notify("No region is ready yet; wait for the scan.")
        return
    layer = selection.layer
    changed = await app.push_screen_wait(PublishDialog(
        host.operations, region, layer.name if layer else None,
        latest=layer.newest_build if layer else None, regions=sorted(set(scanned)),
    ))
    _after_change(host, changed, region)


async def repin(app: App[object], host: Host, selection: Selection) -> None:
    from layer_tui.ui.dialogs.repin import RepinDialog

    layer = selection.layer
    if layer is None:
        host.notify("Select a layer or a version to repin its consumers.")
        return
    target = selection.version.version if selection.version is not None else None
    changed = await app.push_screen_wait(
        RepinDialog(host.operations, layer.region, layer, target, None)
    )
    _after_change(host, changed, layer.region)


async def undo(app: App[object], host: Host) -> None:
    from layer_tui.ui.dialogs.undo import UndoDialog, nothing_to_undo, undo_plan

    # A repin cut short by a crash is settled at start; plan the undo from the settled
    # journal, not from one still being completed.
    for worker in [w for w in app.workers if w.group == "recovery"]:
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
    found = await undo_plan(host.operations)
    if found[0] is None:  # a notification, not a whole dialog, says there is nothing
        host.notify(nothing_to_undo(found[1]), title="Undo")
        return
    changed = await app.push_screen_wait(UndoDialog(host.operations, found))
    if changed:
        _after_change(host, changed, found[0][1].region)


async def restore(app: App[object], host: Host) -> None:
    from layer_tui.ui.dialogs.restore import RestoreDialog

    changed = await app.push_screen_wait(RestoreDialog(host.operations))
    if changed:
        refresh(host, None, " after the restore")


async def permissions(app: App[object], host: Host, selection: Selection) -> None:
    from layer_tui.aws.permissions import VersionRef
    from layer_tui.ui.dialogs.permissions import PermissionsDialog

    version = selection.version
    if version is None:
        host.notify("Select a layer version to see who may use it (open a layer first).")
        return
    await app.push_screen_wait(PermissionsDialog(host.operations, VersionRef.parse(version.arn)))
