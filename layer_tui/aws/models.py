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
    def account(self) -> str:
        """The account the function lives in: its ARN says so (``arn:aws:lambda:R:ACCOUNT:…``)."""
        return _arn_account(self.arn)

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
class AccountSummary:
    """One account of a scan of several: who it is, where it came from, why it is missing.

    ``source`` says how the account was chosen ("profile NAME", "organization", "caller");
    ``error`` is set when the account could not be read at all (its role could not be assumed,
    it is suspended, its credentials expired) and then it has no regions.
    """

    account: str
    name: str = ""
    source: str = ""
    error: RegionError | None = None


@dataclass(frozen=True)
class Inventory:
    """Every scanned region of one account, or of several (``accounts`` non-empty).

    With ``accounts`` empty this is one account (``account``) exactly as it always was. With
    several, ``regions`` holds every account's regions, each stamped with its
    ``RegionInventory.account``, and ``account`` is the caller's own (home) account.
    """

    account: str
    generated_at: datetime
    regions: tuple[RegionInventory, ...] = field(default=())
    accounts: tuple[AccountSummary, ...] = ()

    @property
    def multi_account(self) -> bool:
        return bool(self.accounts)

    def region(self, name: str, account: str | None = None) -> RegionInventory | None:
        """The region ``name`` of ``account`` (None: the home account's).

        One account: regions are matched by name alone, as they always were (older scans and
        caches may not stamp ``RegionInventory.account``).
        """
        if account is None:
            if not self.multi_account:
                return next((r for r in self.regions if r.region == name), None)
            account = self.account
        return next(
            (r for r in self.regions if r.region == name and r.account == account), None
        )

    def account_summary(self, account_id: str) -> AccountSummary | None:
        return next((a for a in self.accounts if a.account == account_id), None)

    def account_name(self, account_id: str) -> str:
        """How to name ``account_id`` on screen: its name when known, else the id itself."""
        summary = self.account_summary(account_id)
        return summary.name if summary is not None and summary.name else account_id

    def account_regions(self, account_id: str) -> tuple[RegionInventory, ...]:
        if not self.multi_account:
            return self.regions if account_id == self.account else ()
        return tuple(r for r in self.regions if r.account == account_id)

    def to_json(self) -> dict[str, Any]:
        if not self.multi_account:
            return {
                "account": self.account,
                "generated_at": iso_utc(self.generated_at),
                "regions": [r.to_json() for r in self.regions],
            }
        listed = {a.account for a in self.accounts}
        # A region whose account is not among the summaries still belongs in the answer; it
        # gets an entry of its own rather than being dropped.
        strays = tuple(
            dict.fromkeys(r.account for r in self.regions if r.account not in listed)
        )
        summaries = self.accounts + tuple(AccountSummary(account=a) for a in strays)
        return {
            "generated_at": iso_utc(self.generated_at),
            "accounts": [
                {
                    "account": a.account,
                    "name": a.name,
                    "error": a.error.to_json() if a.error else None,
                    # An account not even identified (a profile that failed) has none.
                    "regions": [
                        r.to_json() for r in self.regions if a.account and r.account == a.account
                    ],
                }
                for a in summaries
            ],
        }


def _arn_account(arn: str) -> str:
    """The account field of an ARN (``arn:aws:SERVICE:REGION:ACCOUNT:…``), or "" if it has none."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 and parts[0] == "arn" else ""


def iso_utc(moment: datetime) -> str:
    """``2026-11-22T19:00:00Z``: the timestamp form PRODUCT.md uses for generated_at."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
