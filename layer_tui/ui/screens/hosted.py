"""The base of every full screen: its host, its selection, and the keys that act on it.

The app's keys for the inspector, the changes, permissions, pull and export are bound on the
app (one place, one id each, one spot in the footer) but name ``screen.<action>``: Textual
runs them on the screen on top, which knows what it has selected (``selection``) and pushes
the dialog itself (``ui.changes``). A modal on top has none of these keys.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from textual.screen import Screen

from layer_tui.ui import changes, export, pulling
from layer_tui.ui.host import Host, host_of
from layer_tui.ui.selection import Selection
from layer_tui.ui.widgets import ResourceTable

#: Actions that change AWS: absent (not merely disabled) in read-only mode.
MUTATING_ACTIONS = frozenset({"publish", "delete", "repin", "undo", "keep_newest", "restore"})


class HostedScreen(Screen[None]):
    """A screen of this app: it reads the app through ``host`` and never imports it."""

    @property
    def host(self) -> Host:
        return host_of(self)

    def selection(self) -> Selection:
        """What the screen is about and has selected (nothing, unless a screen says)."""
        return Selection()

    def crumbs(self) -> list[str]:
        """Where this screen is, for the crumb bar, the help title and an export's title."""
        return [type(self).__name__]

    def export_table(self) -> ResourceTable | None:
        """The table ``e`` writes out, if the screen shows one."""
        return None

    # -- the app's keys, run here ---------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Off in read-only mode: the key falls through to the app's refusal, which says why.
        return not (action in MUTATING_ACTIONS and self.host.read_only)

    def _run_flow(self, flow: Callable[[Selection], Coroutine[Any, Any, None]],
                  group: str = "change") -> None:
        """Run ``flow`` on this screen's selection once the messages already queued are
        handled (a scan's answer that came in with the key counts), in a worker of the app's,
        as these were when they were the app's actions: one change at a time, and a failure is
        said by the app's ``on_worker_state_changed`` (a screen's worker events do not bubble
        up to it)."""

        def start() -> None:
            self.app.run_worker(flow(self.selection()), group=group, exclusive=True,
                                exit_on_error=False)

        self.app.call_later(start)

    def action_inspect(self) -> None:
        self.app.call_later(lambda: changes.inspect(self.host, self.selection()))

    def action_publish(self) -> None:
        self._run_flow(partial(changes.publish, self.app, self.host))

    def action_delete(self) -> None:
        self._run_flow(partial(changes.delete, self.app, self.host))

    def action_keep_newest(self) -> None:
        self._run_flow(partial(changes.keep_newest, self.app, self.host))

    def action_repin(self) -> None:
        self._run_flow(partial(changes.repin, self.app, self.host))

    def action_undo(self) -> None:
        self._run_flow(lambda _: changes.undo(self.app, self.host))

    def action_restore(self) -> None:
        self._run_flow(lambda _: changes.restore(self.app, self.host))

    def action_permissions(self) -> None:
        self._run_flow(partial(changes.permissions, self.app, self.host))

    def action_pull(self) -> None:
        self.app.call_later(lambda: pulling.pull(self.app, self.host, self.selection()))

    def action_export(self) -> None:
        self._run_flow(lambda _: export.export(self.app, self.host, self.export_table(),
                                               self.crumbs()), group="export")


__all__ = ["MUTATING_ACTIONS", "HostedScreen"]
