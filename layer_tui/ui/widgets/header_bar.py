"""The top line of every screen: whose account, which profile and endpoint, how fresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from layer_tui import clock
from layer_tui.safe_text import visible_line
from layer_tui.ui.formatting import ago

SEPARATOR = ("  \N{BOX DRAWINGS LIGHT VERTICAL}  ", "$text-muted")


@dataclass(frozen=True)
class HeaderInfo:
    """Everything the header shows; the app builds one whenever any of it changes."""

    account: str | None = None
    profile: str = "default"
    #: None when the endpoints are AWS's own.
    endpoint: str | None = None
    read_only: bool = False
    #: The oldest scan among the regions on screen (cached data may be hours old).
    data_as_of: datetime | None = None
    #: Regions finished and regions asked for, while a scan runs (accounts, with several).
    scanning: tuple[int, int] | None = None
    #: How many accounts are in view with several (``--org``, several ``--profile``); 0: one.
    accounts: int = 0
    #: Of those, how many could not be read at all.
    failed_accounts: int = 0


class HeaderBar(Widget):
    """Account, profile or "demo", endpoint when not AWS's, READ-ONLY, age of the data."""

    DEFAULT_CSS = """
    HeaderBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    info: reactive[HeaderInfo] = reactive(HeaderInfo, layout=False)
    """What the header shows; bound to the app's ``header_info``."""

    def on_mount(self) -> None:
        # Ages are relative to now: repaint on the clock's tick, as the tables' age cells do.
        self.set_interval(clock.TICK_SECONDS, self.refresh)

    def render(self) -> Content:
        info = self.info
        parts: list[str | tuple[str, str]] = [("layer-tui", "bold $accent"), SEPARATOR]
        # The account comes from STS, profile and endpoint from config files: all shown escaped.
        if info.accounts:
            noun = "account" if info.accounts == 1 else "accounts"
            parts += [(f"{info.accounts} ", "bold"), (noun, "$text-muted")]
            if info.failed_accounts:
                parts += [(f" ({info.failed_accounts} failed)", "bold $text-error")]
        else:
            account = visible_line(info.account or "\N{HORIZONTAL ELLIPSIS}")
            parts += [("account ", "$text-muted"), (account, "bold")]
        parts += [SEPARATOR, ("profile ", "$text-muted"), (visible_line(info.profile), "bold")]
        if info.endpoint:
            endpoint = visible_line(info.endpoint)
            parts += [SEPARATOR, ("endpoint ", "$text-muted"), (endpoint, "bold")]
        if info.read_only:
            parts += [SEPARATOR, (" READ-ONLY ", "bold $text-warning reverse")]
        if info.data_as_of is not None:
            parts += [SEPARATOR, ("scanned ", "$text-muted"), (ago(info.data_as_of), "")]
        if info.scanning is not None:
            done, total = info.scanning
            what = " accounts" if info.accounts else ""
            parts += [
                SEPARATOR,
                (f"\N{CLOCKWISE OPEN CIRCLE ARROW} scanning {done}/{total}{what}",
                 "bold $text-accent"),
            ]
        return Content.assemble(*parts)
