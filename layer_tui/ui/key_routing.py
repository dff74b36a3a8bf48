"""Keys that arrive together go where the user meant them, in order (a mixin of the App).

Textual routes each key from the terminal to whatever has focus *when the App reads it*, and
runs a screen's binding only later, when the key has bubbled back up. So when one terminal read
carries ``/eu`` (a paste, a fast typist, tmux sending a word), ``e`` and ``u`` are already on
their way to the table before ``/`` has opened the filter: ``u`` then runs undo.

A text field has the same race within itself: it types letters as they arrive, but the keys
it binds (left, end, backspace, enter) run only after bubbling back to the App, behind the
letters that followed them. Those run here, in turn.

The fix is at that routing step: a key whose binding opens an input or moves focus (the filter,
a dialog, the palette, leaving a prompt) puts the App on hold. Keys and pastes read while it
holds wait in arrival order and are routed once focus has landed where the binding sent it (a
text field at once; another screen after it has painted its first focus), or after
``HOLD_LIMIT`` seconds when the binding opened nothing (a refusal, a "select a version first").

That limit counts only while nothing the key set going is still on its way: on a loaded
machine a dialog can take longer than ``HOLD_LIMIT`` to mount, and released then, the ``2`` of
``K2`` went to the table behind it. So when it passes while messages are still queued on the
way to focus, or a change flow begun under the hold has not finished, the hold goes on (up to
``HOLD_CAP``, so no key is ever kept for good).
"""

from __future__ import annotations

from collections import deque
from time import monotonic
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.worker import Worker

#: Actions after which the next keys belong to something that is not focused yet.
FOCUS_MOVING_ACTIONS = frozenset(
    {
        "filter",
        "submit",
        "clear_filter",
        "publish",
        "delete",
        "repin",
        "undo",
        "keep_newest",
        "restore",
        "inspect",
        "help",
        "switch_region",
        "switch_profile",
        "command_palette",
        "command_line",  # ":" opens its line
        "export",
        "permissions",
        "back",
        "select_row",  # enter on a row: the next screen
    }
)

#: Of those, the ones done when their binding returns (no worker opens anything later): if
#: focus has not moved by then, it will not, and the held keys go on at once.
DONE_ON_RETURN = frozenset({"filter", "submit", "clear_filter", "back", "help"})

#: Longest a key waits for an input that never opens (the action said why instead), once
#: nothing the key set going is still under way.
HOLD_LIMIT = 0.5
#: Longest a key is held however busy the app is (a flow that never settles focus).
HOLD_CAP = 15.0
#: The worker group the screens' change flows run in (``HostedScreen._run_flow``).
FLOW_GROUP = "change"

HeldEvent = events.Key | events.Paste


def takes_text(widget: Widget | None) -> bool:
    return isinstance(widget, Input | TextArea)


def _action_name(action: str) -> str:
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


class KeyRouting(App[Any]):
    """Mixin for ``LayerTuiApp`` (listed before ``App``): holds keys while focus is moving."""

    _held: deque[HeldEvent]
    _hold_from: tuple[Any, Widget | None] | None = None
    _hold_timer: Timer | None = None
    _hold_action: str | None = None
    _hold_flows_before: frozenset[Worker[Any]] = frozenset()
    _hold_started = 0.0
    _releasing = False

    @property
    def holding_keys(self) -> bool:
        return self._hold_from is not None

    def _moves_focus(self, key: events.Key) -> bool:
        """Whether the binding ``key`` runs now opens an input or moves focus elsewhere."""
        focused = self.focused
        if takes_text(focused) and key.is_printable:
            return False  # a text field keeps its letters: "p" in a name is a "p"
        for namespace, bindings in self.screen._modal_binding_chain:
            for binding in bindings.key_to_bindings.get(key.key, ()):
                name = _action_name(binding.action)
                if namespace.check_action(name, ()) is False:
                    continue
                self._hold_action = name
                return name in FOCUS_MOVING_ACTIONS
        return False

    def hold_keys(self) -> None:
        """Keep the keys that follow until focus lands somewhere new (or HOLD_LIMIT passes)."""
        if not hasattr(self, "_held"):
            self._held = deque()
        self._hold_from = (self.screen, self.focused)
        self._hold_flows_before = frozenset(self._flows())
        self._hold_started = monotonic()
        if self._hold_timer is not None:
            self._hold_timer.stop()
        self._hold_timer = self.set_timer(HOLD_LIMIT, self._hold_expired)

    def _flows(self) -> list[Worker[Any]]:
        return [worker for worker in self.workers if worker.group == FLOW_GROUP]

    def _still_under_way(self) -> bool:
        """Whether what the held key set going may yet move focus: messages queued for the app,
        the screen on top or the focused widget's chain (a push, a mount, a Submitted), or a
        change flow begun under the hold that has not finished (it may still open its dialog)."""
        nodes: list[MessagePump] = [self, self.screen]
        if self.focused is not None:
            nodes.extend(self.focused.ancestors_with_self)
        if any(node.message_queue_size for node in nodes):
            return True
        return any(not worker.is_finished and worker not in self._hold_flows_before
                   for worker in self._flows())

    async def _hold_expired(self) -> None:
        if self._hold_from is None:
            return
        if not self.screen_stack:  # the app is closing: nothing is left to route keys to
            self._hold_from = None
            return
        if self._still_under_way() and monotonic() - self._hold_started < HOLD_CAP:
            self._hold_timer = self.set_timer(HOLD_LIMIT, self._hold_expired)
            return
        await self._release_held()

    def _focus_landed(self) -> bool:
        if self._hold_from is None:
            return True
        screen, focused = self._hold_from
        now = self.focused
        if now is None or now is focused:
            return False
        # Into a text field, onto another screen, or out of a prompt back to its table.
        return takes_text(now) or takes_text(focused) or self.screen is not screen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if self._hold_from is not None or (self._releasing and self._held):
                self._held.append(event)
                return
            await self._route(event)
            return
        await super().on_event(event)
        if self._hold_from is not None and isinstance(event, events.DescendantFocus):
            if takes_text(self.focused):
                await self._release_held()
            elif self._focus_landed():
                # A dialog may move focus again as it mounts (to its name field): let it.
                self.call_after_refresh(self._release_if_landed)

    async def _on_key(self, event: events.Key) -> None:
        # Textual runs App._on_key (the bindings) right after this: look once it has.
        if self._hold_from is not None and self._hold_action in DONE_ON_RETURN:
            self.call_next(self._release_if_unmoved)

    async def _release_if_unmoved(self) -> None:
        if self._hold_from is None:
            return
        screen, _ = self._hold_from
        if self._hold_from == (self.screen, self.focused):
            await self._release_held()
        elif self.screen is not screen:
            # Back on a screen below: it resumes with the focus it had, once it has painted.
            self.call_after_refresh(self._release_held)

    async def _route(self, event: HeldEvent) -> None:
        if isinstance(event, events.Key):
            if self._moves_focus(event):
                self.hold_keys()
            if isinstance(self.focused, Input) and not event.is_printable:
                # A text field types its letters as they come, but a key it binds (end,
                # left, backspace, enter) runs only once it has bubbled back up here, after
                # the letters behind it: "ab", left, "c" became "abc". Run it now, in turn.
                if await self._check_bindings(event.key, priority=True):
                    return
                if await self._check_bindings(event.key):
                    return
        await super().on_event(event)

    async def _release_if_landed(self) -> None:
        if self._focus_landed():
            await self._release_held()

    async def _release_held(self) -> None:
        """Route the held keys in order; one that opens an input again holds the rest."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        self._hold_from = None
        if self._releasing:
            return
        self._releasing = True
        try:
            held: deque[HeldEvent] = getattr(self, "_held", deque())
            while held and self._hold_from is None:
                await self._route(held.popleft())
        finally:
            self._releasing = False
