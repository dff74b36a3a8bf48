"""Where a screen or the command line asks the app to go: messages, not calls into the app.

A screen pushes its own child screen when it can import it; these are for the rest: going
back to the root first (the command line, a region chosen from anywhere), a screen that
links back to one that opens it (a function's layer opens its consumers, a consumer opens the
function), and screens the app owns (the contents of a version, the history). The app handles
each (``ui/navigation.py``); a message posted on a screen bubbles up to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from layer_tui.aws.models import FunctionRef, Inventory

if TYPE_CHECKING:
    from layer_tui.aws.inventory import ScanProgress


class Navigate(Message):
    """Somewhere to go; the app hands every one to its ``Navigator``."""


@dataclass
class GoToRegion(Navigate):
    """Back to the root, then the layers of ``region`` (None: of every region)."""

    region: str | None


@dataclass
class GoToLayer(Navigate):
    """Back to the root, then the layers of its region and the versions of this layer."""

    layer_arn: str
    region: str


@dataclass
class OpenFunction(Navigate):
    """The function screen of one configuration; ``from_root``: over its region's layers,
    not on top of the screen that asked."""

    function: FunctionRef
    from_root: bool = False


@dataclass
class OpenFunctions(Navigate):
    """Back to the root, then every function that uses layers."""


@dataclass
class OpenHistory(Navigate):
    """The journal: every change made, newest first."""


@dataclass
class OpenContents(Navigate):
    """What is inside a layer version; ``other_versions`` are what it can be compared with."""

    version_arn: str
    other_versions: tuple[str, ...] = ()


# -- the scan's progress, posted from its threads to the app -----------------------------------


@dataclass
class ScanProgressed(Message):
    """One region moved on (posted from a scan thread)."""

    generation: int
    progress: ScanProgress
    #: "" with one account; the account scanned with several.
    account: str = ""

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, ScanProgressed)
            and message.progress.region == self.progress.region
            and message.account == self.account
            and message.generation == self.generation
            and self.progress.result is None
        )

@dataclass
class AccountResolved(Message):
    """The credentials work: whose account it is, and what the cache had for it."""

    generation: int
    account: str
    profile: str
    endpoint: str | None
    cached: Inventory | None

@dataclass
class ScanFinished(Message):
    """A scan returned (every region it covered is in ``inventory``)."""

    generation: int
    inventory: Inventory


__all__ = ["AccountResolved", "GoToLayer", "GoToRegion", "Navigate", "OpenContents",
           "OpenFunction", "OpenFunctions", "OpenHistory", "ScanFinished", "ScanProgressed"]
