"""The command palette: the current screen's own actions, plus going places and switching.

``ctrl+p`` lists the bindings of the screen it was opened from (the same source as the footer
and ``?``), then the app's commands that no key already offers; ``g`` and ``o`` open focused
choosers. Only what this app does is listed, once: not the table's own cursor and scroll keys
(``Up``, ``Down``, ``Scroll Left``), not a command that repeats a key listed above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider, SimpleCommand
from textual.dom import DOMNode
from textual.screen import Screen

from layer_tui.ui.host import Host
from layer_tui.ui.messages import GoToRegion
from layer_tui.ui.screens.help import GENERIC_ACTIONS


def available_profiles() -> list[str]:
    """The AWS profiles configured on this machine, for ``o``."""
    import botocore.session

    return sorted(botocore.session.Session().available_profiles)


#: Actions a binding may have that are no command of this app: the palette itself, and the
#: answer read-only mode gives instead of a change.
_NOT_COMMANDS = frozenset({"command_palette", "refuse_change"})


def _action_name(action: str) -> str:
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


def keyed_actions(screen: Screen[object]) -> list[tuple[str, str, str, Any]]:
    """(action, description, keys, node) for every binding of the screen or the app that
    the palette offers: enabled, described, this app's own (not a widget's cursor keys)."""
    app = screen.app
    found: dict[str, tuple[str, str, str, Any]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system or not active.enabled:
            continue
        if not isinstance(active.node, Screen | App):  # a table's up/down/scroll
            continue
        name = _action_name(binding.action)
        if name in _NOT_COMMANDS or name in GENERIC_ACTIONS:
            continue
        node: DOMNode = active.node
        action = binding.action
        if action.startswith("screen."):
            # The app's key for the screen's action: Textual checks it on whatever screen is
            # on top (the palette itself, while it is open); it runs on this one.
            node, action = screen, name
            if not screen.check_action(name, ()):
                continue
        keys = binding.key_display or app.get_key_display(binding)
        if name in found:  # one action, several keys (escape,q): one entry naming both
            action, description, before, node = found[name]
            found[name] = (action, description, f"{before} {keys}", node)
            continue
        found[name] = (action, binding.description, keys, node)
    return list(found.values())


def key_hint(screen: Screen[object], binding_id: str) -> str:
    """" (X)": the key(s) the binding ``binding_id`` answers on ``screen`` now, after the
    user's keymap; "" when no key is bound to it there. A palette entry's help names its key
    from here, not from the default, so a moved key is never taught by its old name."""
    keys = [
        active.binding.key_display or screen.app.get_key_display(active.binding)
        for active in screen.active_bindings.values()
        if active.binding.id == binding_id
    ]
    return f" ({' '.join(dict.fromkeys(keys))})" if keys else ""


def unkeyed(screen: Screen[object], commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """The commands that run no action a key on ``screen`` already lists (no duplicates)."""
    keyed = {_action_name(action) for action, *_ in keyed_actions(screen)}
    for command in commands:
        name = getattr(command.callback, "__name__", "")
        if name.removeprefix("action_") in keyed or command.title in _TEXTUAL_NOISE:
            continue
        yield command


#: Textual's own commands that repeat ours: ``?`` is this app's key list, ``q`` quits.
_TEXTUAL_NOISE = frozenset({"Keys", "Quit"})


class ScreenActionsProvider(Provider):
    """One command per action bound on the screen the palette was opened from."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        commands: list[tuple[str, str, Callable[[], object]]] = []
        for action, description, keys, node in keyed_actions(self.screen):
            run = partial(app.call_later, app.run_action, action, node)
            commands.append((description, f"key: {keys}", run))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)


def action_callback(node: DOMNode, name: str) -> Callable[[], None]:
    """A command that runs action ``name`` on ``node`` as its key would (``check_action``
    first); named ``action_<name>`` so ``unkeyed`` leaves it out where a key lists it."""

    def run() -> None:
        node.call_later(node.app.run_action, name, node)

    run.__name__ = f"action_{name}"
    return run


def _go_to(host: Host, region: str | None) -> Callable[[], None]:
    def go() -> None:
        host.post_message(GoToRegion(region))

    return go


def navigation_commands(app: App[object], host: Host) -> Iterable[SystemCommand]:
    yield SystemCommand("Go to region", "open the layers of one region",
                        action_callback(app, "switch_region"))
    yield SystemCommand("Switch profile", "scan another profile's account",
                        action_callback(app, "switch_profile"))
    yield SystemCommand("All layers", "the layers of every region", _go_to(host, None))
    yield SystemCommand("Functions", "every function that uses layers",
                        action_callback(app, "functions"))
    yield SystemCommand("Refresh everything", "rescan every region", lambda: host.start_scan(None))
    for region in host.known_regions():
        yield SystemCommand(f"Region {region}", "open its layers", _go_to(host, region), False)


def region_choices(host: Host) -> list[SimpleCommand]:
    choices = [
        SimpleCommand(name, _go_to(host, name), "open its layers")
        for name in host.known_regions()
    ]
    choices.append(SimpleCommand("all regions", _go_to(host, None), "every layer"))
    return choices


def profile_choices(switch: Callable[[str], None], profiles: Sequence[str]) -> list[SimpleCommand]:
    return [SimpleCommand(name, partial(switch, name), "scan its account") for name in profiles]
