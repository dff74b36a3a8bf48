"""The command palette: the current screen's own actions, plus going places and switching.

``ctrl+p`` lists the bindings of the screen it was opened from (the same source as the footer
and ``?``), then the app's navigation commands; ``g`` and ``o`` open focused choosers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider, SimpleCommand

if TYPE_CHECKING:
    from layer_tui.ui.app import LayerTuiApp


def available_profiles() -> list[str]:
    """The AWS profiles configured on this machine, for ``o``."""
    import boto3

    return sorted(boto3.Session().available_profiles)


class ScreenActionsProvider(Provider):
    """One command per binding of the screen the palette was opened from."""

    def _commands(self) -> list[tuple[str, str, partial[object]]]:
        screen = self.screen
        app = self.app
        commands = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.system or not active.enabled:
                continue
            if binding.action in ("command_palette",) or binding.description in seen:
                continue
            seen.add(binding.description)
            keys = binding.key_display or app.get_key_display(binding)
            run = partial(app.call_later, app.run_action, binding.action, active.node)
            commands.append((binding.description, f"key: {keys}", run))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)


def navigation_commands(app: LayerTuiApp) -> Iterable[SystemCommand]:
    yield SystemCommand("Go to region", "open the layers of one region", app.action_switch_region)
    yield SystemCommand(
        "Switch profile", "scan another profile's account", app.action_switch_profile
    )
    yield SystemCommand("All layers", "the layers of every region", app.go_to_region_all)
    yield SystemCommand("Functions", "every function that uses layers", app.action_functions)
    yield SystemCommand("Refresh everything", "rescan every region", lambda: app.start_scan(None))
    for region in app.known_regions():
        yield SystemCommand(
            f"Region {region}", "open its layers", partial(app.go_to_region, region), False
        )


def region_choices(app: LayerTuiApp) -> list[SimpleCommand]:
    choices = [
        SimpleCommand(name, partial(app.go_to_region, name), "open its layers")
        for name in app.known_regions()
    ]
    choices.append(SimpleCommand("all regions", app.go_to_region_all, "every layer"))
    return choices


def profile_choices(app: LayerTuiApp, profiles: Sequence[str]) -> list[SimpleCommand]:
    return [
        SimpleCommand(name, partial(app.switch_profile, name), "scan its account")
        for name in profiles
    ]
