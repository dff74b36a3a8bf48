"""What screens and dialogs need from the app, as a ``Protocol``: the host.

Screens never import the app (an import contract fails): they read the app's state and ask
for work through ``Host``, and go places by pushing their own child screen or posting one of
``ui.messages`` for the app to handle. ``LayerTuiApp`` is the one host the program runs; a test
may mount screens in a small App of its own that satisfies this Protocol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.dom import DOMNode
from textual.message import Message

if TYPE_CHECKING:
    from layer_tui.aws.models import Inventory
    from layer_tui.aws.operations import LayerOperations
    from layer_tui.aws.session import AwsSession, SessionConfig
    from layer_tui.ui.state import AccountScan, RegionScan, ScanKey
    from layer_tui.ui.widgets import HeaderInfo


class Host(Protocol):
    """The app as screens, dialogs and the command line see it."""

    @property
    def inventory(self) -> Inventory | None:
        """Every region scanned so far; screens derive their rows from it."""

    @property
    def scan_states(self) -> Mapping[ScanKey, RegionScan]:
        """Where the scan of each (account, region) stands (account "" with one account)."""

    @property
    def account_scans(self) -> Mapping[str, AccountScan]:
        """With several accounts, where each stands (empty with one)."""

    @property
    def several_accounts(self) -> bool:
        """Whether several accounts are asked for (``--org``, several ``--profile``)."""

    def session_for(self, account: str) -> AwsSession:
        """The session that reads ``account`` (its own with several accounts)."""

    @property
    def header_info(self) -> HeaderInfo:
        """What the header line shows on every screen (a reactive the screens watch)."""

    @property
    def config(self) -> SessionConfig: ...

    @property
    def read_only(self) -> bool: ...

    @property
    def load_error(self) -> str | None:
        """Why nothing could be scanned at all, in one line."""

    show_details: bool
    """Whether screens show the details panel under their table (one switch for all)."""

    @property
    def operations(self) -> LayerOperations:
        """The gate every change goes through (journal, read-only and account checks)."""

    def aws_session(self) -> AwsSession:
        """The session of the account being browsed (made on first use)."""

    def start_scan(self, regions: Sequence[str] | None = None) -> None: ...

    def known_regions(self) -> list[str]: ...

    def copy_arn(self, arn: str) -> None: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...

    def post_message(self, message: Message) -> bool: ...

    def watch(self, obj: Any, attribute_name: str, callback: Any, init: bool = True) -> None: ...


def host_of(node: DOMNode) -> Host:
    """The host of ``node``'s app. A cast, not a check: a runtime Protocol check would read
    every property (``operations`` makes a session); mypy proves ``LayerTuiApp`` is a Host
    (``ui/app.py``), and a test's stand-in is one by construction."""
    return cast(Host, node.app)


__all__ = ["Host", "host_of"]
