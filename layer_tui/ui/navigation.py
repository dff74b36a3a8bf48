"""Going places the screens cannot go themselves: the app's answer to ``ui.messages``.

A screen pushes its own child screen; what needs the whole stack — back to the root first (a
region chosen from anywhere, the command line), a screen that links back to its opener (a
consumer's function), the screens the app owns (contents, history, help) — arrives here as a
message, or as one of the app's keys (``f``, ``g``, ``?``). A plain object the app holds, not a
mixin: it knows the screens; the screens know neither it nor the app.
"""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen

from layer_tui.ui import messages
from layer_tui.ui.commands import region_choices
from layer_tui.ui.host import Host
from layer_tui.ui.screens.help import HelpScreen, screen_bindings
from layer_tui.ui.screens.hosted import HostedScreen
from layer_tui.ui.selection import selection_of
from layer_tui.ui.widgets.command_line import CommandLine, command_names, run_command

# Every screen but the first (the regions) is imported when first opened, with the code behind
# it (findings, inspection, changes, the journal): the first screen is painted without them,
# about a tenth of a second sooner each for the browse chain (layers, versions, consumers and
# their findings) and for the rest.

CRUMB_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


class Navigator:
    """The app's screen stack, driven by messages and the app's keys."""

    def __init__(self, app: App[int], host: Host) -> None:
        self.app = app
        self.host = host

    def go(self, message: messages.Navigate) -> None:
        """Where ``message`` asks to go (one of ``ui.messages``)."""
        if isinstance(message, messages.GoToRegion):
            self.go_to_region(message.region)
        elif isinstance(message, messages.GoToLayer):
            from layer_tui.ui.screens.versions import VersionsScreen

            self.go_to_region(message.region)
            self.app.push_screen(VersionsScreen(message.layer_arn))
        elif isinstance(message, messages.OpenFunction):
            from layer_tui.ui.screens.function import FunctionScreen

            if message.from_root:
                self.go_to_region(message.function.region)
            self.app.push_screen(FunctionScreen(message.function))
        elif isinstance(message, messages.OpenFunctions):
            self.back_to_root()
            from layer_tui.ui.screens.functions import FunctionsScreen

            self.app.push_screen(FunctionsScreen(None))
        elif isinstance(message, messages.OpenHistory):
            from layer_tui.ui.screens.history import HistoryScreen

            self.app.push_screen(HistoryScreen())
        elif isinstance(message, messages.OpenContents):
            from layer_tui.ui.screens.contents import ContentsScreen

            self.app.push_screen(ContentsScreen(self.host.aws_session(), message.version_arn,
                                                other_versions=message.other_versions))

    def back_to_root(self) -> None:
        # The stack is Textual's default screen, then the regions screen the app starts on.
        while len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def go_to_region(self, region: str | None) -> None:
        """Back to the root, then the layers of ``region`` (None: of every region)."""
        from layer_tui.ui.screens.layers import LayersScreen

        self.back_to_root()
        self.app.push_screen(LayersScreen(region))

    def functions(self) -> None:
        """``f``: the functions of the region on screen (every region's from the root)."""
        from layer_tui.ui.screens.functions import FunctionsScreen

        screen = self.app.screen
        if not isinstance(screen, FunctionsScreen):
            self.app.push_screen(FunctionsScreen(selection_of(screen).region))

    def help(self) -> None:
        """``?``: the keys of the screen on top, titled with where it is."""
        screen: Screen[object] = self.app.screen
        if isinstance(screen, HelpScreen):
            return
        crumbs = screen.crumbs() if isinstance(screen, HostedScreen) else [type(screen).__name__]
        self.app.push_screen(HelpScreen(CRUMB_SEPARATOR.join(crumbs), screen_bindings(screen)))

    async def command_line(self) -> None:
        """``:``: the line, then where it says (``widgets/command_line.py``), or why not."""
        here = selection_of(self.app.screen).region
        line = await self.app.push_screen_wait(CommandLine(command_names(self.host)))
        if line and (problem := run_command(self.host, line, here)):
            self.host.notify(problem, title="Command", severity="warning", timeout=8)

    def choose_region(self) -> None:
        """``g``: a chooser of the regions known, and every region."""
        self.app.search_commands(region_choices(self.host), "Go to region\N{HORIZONTAL ELLIPSIS}")


__all__ = ["CRUMB_SEPARATOR", "Navigator"]
