"""What the screen on top is about and has selected: the keys that act on it read this.

Each screen says it in a typed method (``HostedScreen.selection``) from what it knows — its
row's model, the layer or version it was opened for — instead of the app guessing from the
screen's attributes and the shape of an ARN (a function version's ARN has as many colons as a
layer version's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from layer_tui.aws.models import LATEST, FunctionRef, Inventory, Layer, LayerVersion
from layer_tui.ui.state import find_layer


@dataclass(frozen=True)
class Selection:
    """Models from the app's inventory; None where the screen has nothing of that kind."""

    #: The region the screen shows (None: every region, or no region at all).
    region: str | None = None
    #: A row that is a region (the regions screen): where a publish goes.
    row_region: str | None = None
    layer: Layer | None = None
    version: LayerVersion | None = None
    function: FunctionRef | None = None

    @property
    def change_region(self) -> str | None:
        """Where a change made from here happens: the region row, the layer's, the screen's."""
        if self.row_region is not None:
            return self.row_region
        return self.layer.region if self.layer is not None else self.region


@runtime_checkable
class Selecting(Protocol):
    """A screen that says what it has selected (every ``HostedScreen``): what a widget or
    the app may ask without importing screens."""

    def selection(self) -> Selection: ...


def selection_of(screen: object) -> Selection:
    """What ``screen`` has selected; nothing for another screen (a modal, Textual's own)."""
    return screen.selection() if isinstance(screen, Selecting) else Selection()


def find_version(inventory: Inventory | None, version_arn: str) -> LayerVersion | None:
    """The scanned version of ``version_arn`` (a layer version's ARN: layer ARN, version)."""
    layer = find_layer(inventory, version_arn.rsplit(":", 1)[0])
    return next((v for v in layer.versions if v.arn == version_arn), None) if layer else None


def of_version(inventory: Inventory | None, version: LayerVersion | None,
               region: str | None = None, function: FunctionRef | None = None) -> Selection:
    """A selection of ``version`` (and its layer), on a screen showing ``region``."""
    if version is None:
        return Selection(region=region, function=function)
    return Selection(region=region, layer=find_layer(inventory, version.layer_arn),
                     version=version, function=function)


@dataclass(frozen=True)
class Pull:
    """What ``P`` pulls: a function's /opt (its layers in merge order) or one version."""

    arn: str
    label: str
    region: str
    folder: str


def pull_of(selection: Selection) -> Pull | None:
    """A selected function first (a consumers row has both: the function is the row), else
    a version."""
    function, version = selection.function, selection.version
    if function is not None:
        folder = function.function if function.version == LATEST else (
            f"{function.function}-{function.version}")
        return Pull(function.qualified_arn, function.label, function.region, folder)
    if version is not None:
        return Pull(version.arn, f"{version.layer_name}:{version.version}", version.region,
                    f"{version.layer_name}-{version.version}")
    return None


__all__ = ["Pull", "Selecting", "Selection", "find_version", "of_version", "pull_of",
           "selection_of"]
