"""The footer of every screen: Textual's, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (a fresh widget for every key, each styled twice) whenever the
screen's bindings are refreshed: on every focus change, every filter opened or closed, every
``refresh_bindings``. Most of those change nothing the footer shows, yet the rebuilds were a
fifth of the UI tests' processor time (profiled). This one compares what it would show with
what it shows and keeps its keys when they are the same. It shows the same keys as Textual's
footer does (it has no binding groups: this app declares none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

#: What one key in the footer shows and does: key, how it reads, description, action, enabled,
#: tooltip, and whether it is the palette's key (docked right).
KeySpec = tuple[str, str, str, str, bool, str, bool]


class _FooterKey(FooterKey):
    """A footer key whose compact look is set once, as it is made, not by a watcher after its
    mount (which styles it a second time)."""

    compact = reactive(True, init=False)


class KeyFooter(Footer):
    """``Footer`` that recomposes only when the keys it would show differ from those shown."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple[KeySpec, ...] | None = None

    def shown_keys(self) -> tuple[KeySpec, ...]:
        """The keys the screen's active bindings give, in the order Textual's footer shows
        them: one per action (the first binding of it), then the palette's."""
        active = self.screen.active_bindings
        by_action: dict[str, KeySpec] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = (
                    binding.key, self.app.get_key_display(binding), binding.description,
                    binding.action, enabled, tooltip, False)
        keys = list(by_action.values())
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette:
            _node, binding, enabled, tooltip = palette
            keys.append((binding.key, self.app.get_key_display(binding), binding.description,
                         binding.action, enabled, binding.tooltip or binding.description, True))
        return tuple(keys)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        keys = self._shown = self.shown_keys()
        self.styles.grid_size_columns = sum(1 for key in keys if not key[6])
        for key, display, description, action, enabled, tooltip, palette in keys:
            classes = "-compact" if self.compact else ""
            yield _FooterKey(key, display, description, action, disabled=not enabled,
                             tooltip=tooltip,
                             classes=f"{classes} -command-palette" if palette else classes)

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self.is_attached and self.shown_keys() != self._shown:
            await self.recompose()
