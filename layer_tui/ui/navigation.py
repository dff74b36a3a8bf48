"""Going places: drilling down, back to the root, the region chooser, the help screen.

A mixin of ``LayerTuiApp`` so the App module keeps to the screen stack and scanning.
"""

from __future__ import annotations

from typing import Any

from layer_tui.ui.commands import region_choices
from layer_tui.ui.formatting import LayerVersionArn
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.screens.help import HelpScreen, screen_bindings
from layer_tui.ui.screens.layers import LayersScreen
from layer_tui.ui.screens.versions import VersionsScreen


class Navigation:
    """Mixin for ``LayerTuiApp``: the screens the keys and the palette open."""

    # Provided by the App this is mixed into.
    screen: Any
    screen_stack: Any
    config: Any
    scan_states: Any
    inventory: Any
    push_screen: Any
    pop_screen: Any
    search_commands: Any

    def open_layers(self, region: str | None) -> None:
        self.push_screen(LayersScreen(region))

    def open_versions(self, layer_arn: str) -> None:
        self.push_screen(VersionsScreen(layer_arn))

    def open_consumers(self, version_arn: str) -> None:
        self.push_screen(ConsumersScreen(version_arn))

    def open_function(self, function: Any) -> None:
        """The function screen of one configuration (a ``FunctionRef``)."""
        self.push_screen(FunctionScreen(function))

    def _screen_region(self) -> str | None:
        screen = self.screen
        if (region := getattr(screen, "region_name", None)) is not None:
            return str(region)
        parsed = getattr(screen, "parsed", None)
        return parsed.region if isinstance(parsed, LayerVersionArn) else None

    def _back_to_root(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_functions(self) -> None:
        if not isinstance(self.screen, FunctionsScreen):
            self.push_screen(FunctionsScreen(self._screen_region()))

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} ".join(
            crumbs() if (crumbs := getattr(screen, "crumbs", None)) else [type(screen).__name__]
        )
        self.push_screen(HelpScreen(title, screen_bindings(screen)))

    def known_regions(self) -> list[str]:
        names = set(self.scan_states) | set(self.config.regions)
        if self.inventory is not None:
            names |= {r.region for r in self.inventory.regions}
        return sorted(names)

    def go_to_region(self, region: str) -> None:
        self._back_to_root()
        self.open_layers(region)

    def action_switch_region(self) -> None:
        self.search_commands(region_choices(self), "Go to region\N{HORIZONTAL ELLIPSIS}")

    def go_to_region_all(self) -> None:
        self._back_to_root()
        self.open_layers(None)

