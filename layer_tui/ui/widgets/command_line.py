"""``:`` — a k9s-style command line: ``:layers``, ``:functions``, ``:region R``, ``:fn NAME``,
``:layer NAME``, ``:history``; Tab completes, the suggestions show above the line.

The line is a small modal docked at the bottom of whatever screen is on top, so no screen has
to make room for it; it returns the text, and ``run_command`` goes there or says, in one line,
why it cannot (an unknown command, a region or name the scan has not seen). Names complete
from what the scan found, across every region — the same names the palette's finder offers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from layer_tui.aws.models import FunctionRef, Inventory, Layer
from layer_tui.safe_text import visible_line
from layer_tui.ui.host import Host, host_of
from layer_tui.ui.messages import GoToLayer, GoToRegion, OpenFunction, OpenFunctions, OpenHistory
from layer_tui.ui.selection import selection_of

#: verb → (argument it takes, what it does); the order suggestions are shown in.
VERBS: dict[str, tuple[str, str]] = {
    "layers": ("", "every region's layers"),
    "functions": ("", "every function that uses layers"),
    "region": ("REGION", "the layers of one region"),
    "fn": ("NAME", "one function, by name"),
    "layer": ("NAME", "the versions of one layer, by name"),
    "history": ("", "the journal: every change made, newest first"),
}
#: Suggestions shown at most (Tab takes the first).
SHOWN = 8
USAGE = ("the commands are :layers, :functions, :region REGION, :fn NAME, :layer NAME and "
         ":history (Tab completes)")


@dataclass(frozen=True)
class CommandNames:
    """What arguments complete from: the regions known and the names the scan found."""

    regions: tuple[str, ...] = ()
    layers: tuple[Layer, ...] = ()
    functions: tuple[FunctionRef, ...] = ()
    layer_names: tuple[str, ...] = field(default=(), init=False)
    function_names: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layer_names", tuple(sorted({x.name for x in self.layers})))
        object.__setattr__(self, "function_names",
                           tuple(sorted({f.function for f in self.functions})))

    @classmethod
    def of(cls, inventory: Inventory | None, regions: Iterable[str]) -> CommandNames:
        scanned = [r for r in inventory.regions if r.error is None] if inventory else []
        return cls(tuple(regions), tuple(x for r in scanned for x in r.layers),
                   tuple(f for r in scanned for f in r.functions))

    def arguments(self, verb: str) -> tuple[str, ...]:
        if verb == "region":
            return self.regions
        if verb == "fn":
            return self.function_names
        if verb == "layer":
            return self.layer_names
        return ()


def split_command(line: str) -> tuple[str, str]:
    """(verb, argument) of ``:region eu-west-1`` (the colon is optional)."""
    words = line.strip().removeprefix(":").strip().split(None, 1)
    if not words:
        return "", ""
    return words[0].lower(), (words[1].strip() if len(words) > 1 else "")


def suggestions(line: str, names: CommandNames) -> list[str]:
    """Whole command lines that complete ``line``, best first (prefix, then substring)."""
    text = line.lstrip().removeprefix(":")
    verb, argument = split_command(text)
    if " " not in text.lstrip():
        return [v for v in VERBS if v.startswith(verb)][:SHOWN]
    if not VERBS.get(verb, ("",))[0]:
        return []
    wanted = argument.lower()
    pool = names.arguments(verb)
    first = [a for a in pool if a.lower().startswith(wanted)]
    then = [a for a in pool if wanted in a.lower() and a not in first]
    return [f"{verb} {a}" for a in (first + then)[:SHOWN]]


def completed(line: str, names: CommandNames) -> str:
    """What Tab makes of ``line``: the first suggestion (a verb that takes an argument gets
    the space after it); the line itself when nothing completes it."""
    found = suggestions(line, names)
    if not found:
        return line
    choice = found[0]
    return f"{choice} " if choice in VERBS and VERBS[choice][0] else choice


class CommandLine(ModalScreen[str | None]):
    """The ``:`` line and its suggestions; enter runs it, escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="command-line.close"),
        Binding("tab", "complete", "Complete", priority=True, id="command-line.complete"),
    ]
    DEFAULT_CSS = """
    CommandLine {
        align: left bottom;
        background: $background 0%;
        & > Vertical {
            dock: bottom;
            height: auto;
            background: $panel;
        }
        & #command-suggestions {
            height: auto;
            padding: 0 1;
            color: $text-muted;
        }
        & #command-input {
            height: 1;
            border: none;
            padding: 0 1;
            background: $boost;
            &:focus { border: none; }
        }
    }
    """

    def __init__(self, names: CommandNames) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="command-suggestions")
            yield Input(placeholder="layers · functions · region R · fn NAME · layer NAME · "
                        "history", id="command-input")

    def on_mount(self) -> None:
        self.set_focus(self.input)
        self._show_suggestions("")

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    @property
    def shown_suggestions(self) -> list[str]:
        return suggestions(self.input.value, self.names)

    def _show_suggestions(self, value: str) -> None:
        found = suggestions(value, self.names)
        lines = []
        for line in found:
            verb = line.split(" ", 1)[0]
            help_text = VERBS[verb][1] if line == verb else ""
            lines.append(Content.assemble((f":{visible_line(line)}", "bold"),
                                          (f"  {help_text}" if help_text else "", "$text-muted")))
        self.query_one("#command-suggestions", Static).update(
            Content("\n").join(lines) if lines else Content("no match; " + USAGE))

    @on(Input.Changed, "#command-input")
    def _typed(self, event: Input.Changed) -> None:
        self._show_suggestions(event.value)

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_complete(self) -> None:
        value = completed(self.input.value, self.names)
        self.input.value = value
        self.input.cursor_position = len(value)

    def action_close(self) -> None:
        self.dismiss(None)


# -- running a command ----------------------------------------------------------------------------


def _region_first(items: list[Any], region: str | None) -> list[Any]:
    return sorted(items, key=lambda item: (item.region != region, item.region))


def run_command(host: Host, line: str, here: str | None = None) -> str | None:
    """Go where ``line`` says (asking the app with ``ui.messages``; ``here``: the region of the
    screen it was typed on, whose names come first); the one line saying why not, else None."""
    verb, argument = split_command(line)
    if not verb:
        return None
    if verb not in VERBS:
        return f"unknown command {visible_line(verb)!r}; {USAGE}"
    takes = VERBS[verb][0]
    if takes and not argument:
        example = {"region": "eu-west-1", "fn": "orders-api", "layer": "geo"}[verb]
        return f":{verb} needs a {takes.lower()}, e.g. :{verb} {example}"
    names = command_names(host)
    if verb == "layers":
        if argument:
            return run_command(host, f"region {argument}", here)
        host.post_message(GoToRegion(None))
    elif verb == "functions":
        host.post_message(OpenFunctions())
    elif verb == "history":
        host.post_message(OpenHistory())
    elif verb == "region":
        if argument not in names.regions:
            known = ", ".join(names.regions) or "none yet"
            return (f"unknown region {visible_line(argument)!r}: the regions scanned are "
                    f"{known}; add others with --region")
        host.post_message(GoToRegion(argument))
    elif verb == "layer":
        layers = _region_first([x for x in names.layers if x.name == argument]
                               or [x for x in names.layers if x.name.lower() == argument.lower()],
                               here)
        if not layers:
            return (f"no layer named {visible_line(argument)!r} in the regions scanned; "
                    ":layers lists them all")
        host.post_message(GoToLayer(layers[0].arn, layers[0].region))
    elif verb == "fn":
        return _open_function(host, names, argument, here)
    return None


def _open_function(host: Host, names: CommandNames, name: str, here: str | None) -> str | None:
    found = _region_first([f for f in names.functions if f.function == name]
                          or [f for f in names.functions if f.function.lower() == name.lower()],
                          here)
    if not found:
        return (f"no function named {visible_line(name)!r} uses a layer in the regions scanned; "
                ":functions lists those that do")
    # Its function screen ($LATEST first), over its region's layers (escape goes back there).
    function = min(found, key=lambda f: (f.region != found[0].region, f.version != "$LATEST"))
    host.post_message(OpenFunction(function, from_root=True))
    return None


def command_names(host: Host) -> CommandNames:
    return CommandNames.of(host.inventory, host.known_regions())


class FindByNameProvider(Provider):
    """Palette: every function and layer the scan found, by name, in every region."""

    def _commands(self) -> list[tuple[str, Callable[[], None], str]]:
        host = host_of(self.app)
        here = selection_of(self.screen).region
        names = command_names(host)
        found: list[tuple[str, Callable[[], None], str]] = []
        for layer in names.layers:
            found.append((f"layer {layer.name}", partial(_go, host, f"layer {layer.name}", here),
                          f"{layer.region}: {len(layer.versions)} versions"))
        for name in names.function_names:
            regions = sorted({f.region for f in names.functions if f.function == name})
            found.append((f"fn {name}", partial(_go, host, f"fn {name}", here),
                          ", ".join(regions)))
        return found

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(visible_line(title)), run,
                          help=visible_line(help_text))

    async def discover(self) -> Hits:
        for title, run, help_text in self._commands()[:SHOWN]:
            yield DiscoveryHit(visible_line(title), run, help=visible_line(help_text))


def _go(host: Host, line: str, here: str | None) -> None:
    if problem := run_command(host, line, here):
        host.notify(problem, title="Command", severity="warning")


__all__ = ["CommandLine", "CommandNames", "FindByNameProvider", "command_names", "completed",
           "run_command", "split_command", "suggestions"]
