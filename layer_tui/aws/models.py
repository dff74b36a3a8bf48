"""Frozen value types for what the inventory finds in an account.

Everything here is immutable so that a scan running in a worker thread can hand its result to
the UI thread without copying or locking. ``to_json`` methods produce exactly the shapes in
PRODUCT.md; nothing else in the code base builds those dictionaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

LATEST = "$LATEST"

#: How a restore marks the version it publishes: AWS keeps no link between a restored copy and
#: the version it came from, so the description carries it (``restored from geo:3; …``).
_RESTORED_FROM = re.compile(r"^restored from (?P<name>[A-Za-z0-9_-]+):(?P<version>\d+)(?:; |$)")
#: PublishLayerVersion's limit for Description.
DESCRIPTION_MAX = 256


def restored_description(description: str, layer_name: str, version: int) -> str:
    """The description of a copy of ``layer_name:version``: the marker, then the old text.

    A copy of a copy names the version it was restored from this time (the marker it had is
    replaced, not stacked); the old text is cut to stay within AWS's 256 characters.
    """
    match = _RESTORED_FROM.match(description)
    original = description[match.end():] if match else description
    marker = f"restored from {layer_name}:{version}"
    text = f"{marker}; {original}" if original else marker
    return text[:DESCRIPTION_MAX]


@dataclass(frozen=True)
class RegionError:
    """Why a region could not be scanned, in AWS's words (code) and ours (message)."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class FunctionRef:
    """One function configuration ($LATEST or a published version) that lists layers."""

    function: str
    arn: str
    version: str
    runtime: str | None
    architectures: tuple[str, ...]
    region: str = ""
    last_modified: str = ""
    code_size: int = 0
    #: Every layer version ARN of this configuration, in the order the function lists them.
    layers: tuple[str, ...] = ()
    #: CodeSize of each entry in ``layers`` as ListFunctions reports it (zipped bytes).
    layer_sizes: tuple[int, ...] = ()
    #: Names of the aliases that point at this configuration (published versions; an alias on
    #: ``$LATEST`` follows repins at once).
    aliases: tuple[str, ...] = ()

    @property
    def qualified_arn(self) -> str:
        return self.arn if self.version == LATEST else f"{self.arn}:{self.version}"

    @property
    def label(self) -> str:
        """``billing ($LATEST)``, ``billing:1 (alias prod)``: how screens and dialogs name it."""
        name = f"{self.function} ($LATEST)" if self.version == LATEST else (
            f"{self.function}:{self.version}"
        )
        if self.aliases:
            noun = "alias" if len(self.aliases) == 1 else "aliases"
            name += f" ({noun} {', '.join(self.aliases)})"
        return name

    def to_json(self) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "function": self.function,
            "arn": self.arn,
            "version": self.version,
            "runtime": self.runtime,
            "architectures": list(self.architectures),
        }
        if self.aliases:
            shape["aliases"] = list(self.aliases)
        return shape


@dataclass(frozen=True)
class LayerVersion:
    """One published version of a layer in this account, with the functions that use it."""

    layer_name: str
    version: int
    arn: str
    layer_arn: str
    region: str
    created: str
    code_size: int | None
    code_sha256: str | None
    description: str = ""
    license: str | None = None
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    consumers: tuple[FunctionRef, ...] = ()

    @property
    def restored_from(self) -> int | None:
        """The version this one is a restored copy of (its description says so), else None.

        Only an older version of the same layer counts: a restore always gets a new, higher
        number, so a marker naming anything else is not ours.
        """
        match = _RESTORED_FROM.match(self.description or "")
        if match is None or match["name"] != self.layer_name:
            return None
        source = int(match["version"])
        return source if source < self.version else None

    @property
    def build(self) -> int:
        """Which build this version holds: a restored copy holds the one it was restored from."""
        return self.restored_from or self.version

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "arn": self.arn,
            "created": self.created,
            "code_size": self.code_size,
            "code_sha256": self.code_sha256,
            "description": self.description,
            "license": self.license,
            "compatible_runtimes": list(self.compatible_runtimes),
            "compatible_architectures": list(self.compatible_architectures),
            "consumers": [c.to_json() for c in self.consumers],
        }


@dataclass(frozen=True)
class Layer:
    """A layer name in one region; ``versions`` are newest first."""

    name: str
    arn: str
    region: str
    versions: tuple[LayerVersion, ...]

    @property
    def latest(self) -> LayerVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def newest_build(self) -> LayerVersion | None:
        """What drift measures against: the version with the newest build, not the highest number.

        A restored copy of an old version gets the highest number but holds old code; it ranks
        as the version it was restored from, so drift never sends consumers from the real
        newest build back to it. An original beats a copy of itself.
        """
        return max(
            self.versions,
            key=lambda v: (v.build, v.restored_from is None, v.version),
            default=None,
        )

    def behind(self, version: LayerVersion) -> int:
        """How many builds ``version`` is behind ``newest_build`` (0 for the newest build)."""
        newest = self.newest_build
        if newest is None or newest.arn == version.arn:
            return 0
        return max(0, newest.build - version.build)

    @property
    def consumer_count(self) -> int:
        return sum(len(v.consumers) for v in self.versions)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arn": self.arn,
            "versions": [v.to_json() for v in self.versions],
        }


@dataclass(frozen=True)
class ExternalLayer:
    """A layer version owned by another account that functions here use (a vendor's layer)."""

    arn: str
    consumers: tuple[FunctionRef, ...]

    def to_json(self) -> dict[str, Any]:
        return {"arn": self.arn, "consumers": [c.to_json() for c in self.consumers]}


@dataclass(frozen=True)
class RegionInventory:
    """The result of scanning one region; a failed region carries ``error`` and nothing else."""

    region: str
    error: RegionError | None = None
    functions_scanned: int = 0
    layers: tuple[Layer, ...] = ()
    external_layers: tuple[ExternalLayer, ...] = ()
    #: Every function configuration that lists at least one layer (the reverse view).
    functions: tuple[FunctionRef, ...] = ()
    scanned_at: datetime | None = None
    all_versions: bool = False
    #: The account the region was read from: results are shown and cached under it alone.
    account: str = ""

    @property
    def version_count(self) -> int:
        return sum(len(layer.versions) for layer in self.layers)

    @property
    def stored_bytes(self) -> int:
        return sum(v.code_size or 0 for layer in self.layers for v in layer.versions)

    @property
    def sizes_known(self) -> bool:
        """False while a scan is still asking for sizes (see ``ScanProgress`` "sizes")."""
        return all(v.code_size is not None for layer in self.layers for v in layer.versions)

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "error": self.error.to_json() if self.error else None,
            "functions_scanned": self.functions_scanned,
            "layers": [layer.to_json() for layer in self.layers],
            "external_layers": [x.to_json() for x in self.external_layers],
        }


@dataclass(frozen=True)
class Inventory:
    """Every scanned region of one account."""

    account: str
    generated_at: datetime
    regions: tuple[RegionInventory, ...] = field(default=())

    def region(self, name: str) -> RegionInventory | None:
        return next((r for r in self.regions if r.region == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "generated_at": iso_utc(self.generated_at),
            "regions": [r.to_json() for r in self.regions],
        }


def iso_utc(moment: datetime) -> str:
    """``2026-11-22T19:00:00Z``: the timestamp form PRODUCT.md uses for generated_at."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
