"""What the browsing screens read: scan progress per region and lookups over an inventory.

Plain data, no widgets: the app owns one ``Inventory`` and one ``RegionScan`` per (account,
region) and every screen derives its rows from them. With one account the account of a key is
"" (the session's own, whatever its id); with several (``--org``, several ``--profile``) it is
each account's id, and the same region name is scanned, shown and refreshed once per account.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from layer_tui import clock
from layer_tui.aws.models import (
    AccountSummary,
    FunctionRef,
    Inventory,
    Layer,
    LayerVersion,
    RegionInventory,
)
from layer_tui.ui.formatting import LayerVersionArn

if TYPE_CHECKING:
    from layer_tui.aws.inventory import ScanProgress

#: Stages a region passes through while scanning (ScanProgress.stage), plus "cached".
SCANNING_STAGES = ("queued", "layers", "versions", "functions", "sizes", "aliases")

#: Which scan a ``RegionScan`` is: (account, region). The account is "" with one account.
ScanKey = tuple[str, str]


@dataclass(frozen=True)
class RegionScan:
    """Where the scan of one region stands; its result lives in the app's inventory."""

    region: str
    stage: str = "queued"
    done: int = 0
    total: int | None = None
    #: "" with one account; the account's id with several.
    account: str = ""

    @property
    def running(self) -> bool:
        return self.stage in SCANNING_STAGES

    @property
    def key(self) -> ScanKey:
        return (self.account, self.region)


@dataclass(frozen=True)
class AccountScan:
    """Where one account of several stands: resolving, scanning its regions, done, or failed.

    ``summary.error`` says why an account could not be read at all (its role could not be
    assumed, it is suspended, its credentials expired): it is then one row, the others go on.
    """

    summary: AccountSummary
    #: "queued" (regions not known yet) | "scanning" | "done" | "error".
    stage: str = "queued"

    @property
    def running(self) -> bool:
        return self.stage in ("queued", "scanning")

    @property
    def failed(self) -> bool:
        return self.summary.error is not None


def region_names(states: Iterable[ScanKey]) -> tuple[str, ...]:
    """The region names among scan keys (once each, however many accounts scan them)."""
    return tuple(dict.fromkeys(key[1] for key in states))


class HeldTicks:
    """Counter ticks of a stage already on screen, drawn all together once a ``BEAT``.

    Each tick (a page, a size) of each region redrew the header and the Regions table on its
    own: with eight regions scanning, thinned to four a second each, 32 redraws a second, and
    they took the interpreter from the scan's threads (the counts came a second later; the
    thinning also dropped a stage's last count). A tick of a stage the screen shows already
    waits for the beat; a new stage, or a result, is drawn at once, with what waited.
    """

    BEAT = 0.25

    def __init__(self) -> None:
        self._held: dict[ScanKey, RegionScan] = {}

    def __bool__(self) -> bool:
        return bool(self._held)

    def hold(self, state: RegionScan, shown: RegionScan | None) -> bool:
        """Keep ``state`` for the beat if it only moves a counter of the stage shown."""
        if shown is None or shown.stage != state.stage:
            return False
        self._held[state.key] = state
        return True

    def take(self, shown: Mapping[ScanKey, RegionScan]) -> dict[ScanKey, RegionScan]:
        """What waited, less any tick whose region has moved on meanwhile (a new stage, an
        error, a finished scan, a new scan): it would draw an old count over the news."""
        held, self._held = self._held, {}
        return {key: state for key, state in held.items()
                if (now := shown.get(key)) is not None and now.stage == state.stage}


#: AWS error codes that read better as a few words in a status column.
_REGION_ERROR_WORDS = {
    "UnrecognizedClientException": "not enabled for this account",
    "InvalidClientTokenId": "credentials not valid here",
    "AccessDeniedException": "access denied",
    "AccessDenied": "access denied",
    "TooManyRequestsException": "throttled",
    "ThrottlingException": "throttled",
    "EndpointUnreachable": "endpoint unreachable",
    "EndpointTimeout": "endpoint timed out",
    "ConnectionDropped": "connection dropped",
    "ExpiredToken": "credentials expired",
    "ExpiredTokenException": "credentials expired",
    # Why an account of several could not be read at all (aws.accounts).
    "AssumeRoleFailed": "role cannot be assumed",
    "AccountSuspended": "account suspended",
    "NotInOrganization": "not in the organization",
    "ExpiredCredentials": "credentials expired",
}


def region_error_words(code: str) -> str:
    return _REGION_ERROR_WORDS.get(code, f"error: {code}")


def all_regions(
    inventory: Inventory | None, region: str | None, account: str | None = None
) -> tuple[RegionInventory, ...]:
    """The scanned regions a screen shows: one region, or every healthy one.

    With several accounts a region name is every account's region of that name (layers are
    regional, and a layer of one account is used from the others in the same region) unless
    ``account`` narrows it to one.
    """
    if inventory is None:
        return ()
    if region is None:
        return tuple(
            r for r in inventory.regions
            if r.error is None and (account is None or r.account == account)
        )
    if inventory.multi_account:
        return tuple(
            r for r in inventory.regions
            if r.region == region and (account is None or r.account == account)
        )
    found = inventory.region(region)
    return (found,) if found is not None else ()


def find_layer(inventory: Inventory | None, layer_arn: str) -> Layer | None:
    region = LayerVersionArn.parse(layer_arn).region
    for scanned in all_regions(inventory, region):
        for layer in scanned.layers:
            if layer.arn == layer_arn:
                return layer
    return None


def data_as_of(inventory: Inventory | None) -> datetime | None:
    """The oldest scan among the regions shown: how stale the picture may be."""
    if inventory is None:
        return None
    moments = [r.scanned_at for r in inventory.regions if r.scanned_at is not None]
    return min(moments) if moments else None


@dataclass(frozen=True)
class LayerIndex:
    """Lookups over the layers of some regions: a version by ARN, a layer's latest version."""

    versions: dict[str, LayerVersion]
    latest: dict[str, int]

    @classmethod
    def of(cls, regions: Iterable[RegionInventory]) -> LayerIndex:
        versions: dict[str, LayerVersion] = {}
        latest: dict[str, int] = {}
        for scanned in regions:
            for layer in scanned.layers:
                # Drift counts from the newest build, never from a restored copy of an old one.
                if (newest := layer.newest_build) is not None:
                    latest[layer.arn] = newest.version
                for version in layer.versions:
                    versions[version.arn] = version
        return cls(versions, latest)

    def behind(self, layer_version_arn: str) -> int | None:
        """How many versions behind its layer's latest this ARN is; None when not ours."""
        parsed = LayerVersionArn.parse(layer_version_arn)
        newest = self.latest.get(parsed.layer_arn)
        if newest is None or parsed.version is None:
            return None
        target = self.versions.get(f"{parsed.layer_arn}:{newest}")
        known = self.versions.get(layer_version_arn)
        # A restored copy holds the build it came from (LayerVersion.build), whatever its number.
        build = known.build if known is not None else parsed.version
        return max(0, (target.build if target is not None else newest) - build)

    def latest_label(self, layer_version_arn: str) -> str:
        parsed = LayerVersionArn.parse(layer_version_arn)
        newest = self.latest.get(parsed.layer_arn)
        return f"{parsed.name}:{parsed.version}\N{RIGHTWARDS ARROW}{newest}"

    def is_external(self, layer_version_arn: str) -> bool:
        return LayerVersionArn.parse(layer_version_arn).layer_arn not in self.latest


def functions_of(regions: Iterable[RegionInventory]) -> Iterator[FunctionRef]:
    for scanned in regions:
        yield from scanned.functions


class ScanGenerations:
    """Which scan's word counts for each region: the latest started, whatever finishes first.

    Threads cannot be stopped, so a refresh does not cancel an older scan; instead every report
    carries its scan's generation and reports older than the region's newest are dropped. A
    profile switch starts over: every scan started before it read another session (maybe
    another account), so its reports are dropped for good, whatever regions it covered.
    """

    def __init__(self) -> None:
        self._started = 0
        #: The first generation of the current session; older ones belong to a session left.
        self._floor = 0
        self._by_region: dict[ScanKey, int] = {}

    def start(self, keys: Iterable[ScanKey]) -> int:
        """A new scan of ``keys`` (account, region); its generation."""
        self._started += 1
        for key in keys:
            self._by_region[key] = self._started
        return self._started

    @property
    def started(self) -> int:
        """How many scans have been started so far (over every session)."""
        return self._started

    def accept(self, generation: int, key: ScanKey) -> bool:
        """Whether a report of scan ``generation`` on ``key`` counts (each account's regions
        are judged apart: a refresh of one account's region never drops another's)."""
        if not self.current(generation) or generation < self._by_region.get(key, 0):
            return False
        self._by_region[key] = generation
        return True

    def current(self, generation: int) -> bool:
        """Whether the scan ``generation`` was started on the current session."""
        return generation >= self._floor

    def start_over(self) -> None:
        """A new session: no scan started so far counts any more."""
        self._by_region.clear()
        self._floor = self._started + 1


def stamped_region(region: RegionInventory, account: str) -> RegionInventory:
    """``region`` stamped with ``account``, the account of the session that read it, unless the
    scan stamped it already (then it keeps its own, and ``merge_regions`` judges it)."""
    return region if region.account else replace(region, account=account)


def stamped_progress(progress: ScanProgress, account: str) -> ScanProgress:
    if progress.result is None or progress.result.account:
        return progress
    return replace(progress, result=stamped_region(progress.result, account))


def stamped_inventory(inventory: Inventory, account: str) -> Inventory:
    return replace(inventory, regions=tuple(stamped_region(r, account) for r in inventory.regions))


def merge_regions(
    current: Inventory | None, account: str | None, regions: Iterable[RegionInventory]
) -> Inventory | None:
    """``current`` with ``regions`` replacing the regions of the same name, sorted by name.

    Only regions read from ``account`` (the inventory's) are taken: one account's layers never
    show, or get cached, under another's.
    """
    owner = account or (current.account if current else "")
    regions = [r for r in regions if owner and r.account == owner]
    if not regions:
        return current
    by_name = {r.region: r for r in current.regions} if current else {}
    for region in regions:
        if region.scanned_at is None:
            region = replace(region, scanned_at=clock.now())
        by_name[region.region] = region
    return Inventory(owner, clock.now(), tuple(by_name[name] for name in sorted(by_name)))
