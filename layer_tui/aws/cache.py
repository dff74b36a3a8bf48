"""On-disk inventory snapshots, one file per account and region, shown at once on the next start.

Layout: ``$XDG_CACHE_HOME/layer-tui/<account>[@<endpoint-id>]/<region>.json``. Snapshots of a
non-AWS endpoint (the sandbox, a test server) are kept apart from the real account's even when
the account ids match. A file that cannot be read is ignored, never fatal: the cache only saves
time.

Snapshots are written in format 2 (every function once, consumers by reference; see
``snapshot_format``): 16,000 functions load in about a tenth of a second. Format 1 snapshots
still load.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from layer_tui import clock
from layer_tui.aws.inventory import sized_versions
from layer_tui.aws.models import Inventory, LayerVersion, RegionInventory
from layer_tui.aws.paths import cache_root, private_folder
from layer_tui.aws.snapshot_format import (
    region_from_dict,
    region_from_dict_v2,
    region_to_dict,
    region_to_dict_v2,
)
from layer_tui.collector import collector_paused

FORMAT = 2
#: Snapshot formats ``load_region`` reads; the oldest is read as it was written.
_READABLE_FORMATS = (1, 2)


class CacheWriteError(Exception):
    """The snapshots could not be written; one line saying where, why and what to do."""


class InventoryCache:
    """Snapshots of scanned regions; a failed region's snapshot is never written over a good one."""

    def __init__(self, root: Path | None = None, endpoint_url: str | None = None) -> None:
        self.root = root or cache_root()
        self.endpoint_url = endpoint_url

    def _account_dir(self, account: str) -> Path:
        if not self.endpoint_url:
            return self.root / account
        endpoint_id = hashlib.sha256(self.endpoint_url.encode()).hexdigest()[:12]
        return self.root / f"{account}@{endpoint_id}"

    def save(self, inventory: Inventory) -> None:
        """Write every good region's snapshot; ``CacheWriteError`` if the disk says no.

        A region read from another account than the inventory's is never written into this
        account's folder (it would be shown as this account's on the next start).
        """
        for region in inventory.regions:
            self.save_region(inventory.account, region)

    def save_region(self, account: str, region: RegionInventory) -> None:
        """``save`` for one region (a failed one, or one of another account, is not written)."""
        if region.error is not None or region.account != account:
            return
        folder = self._account_dir(account)
        try:
            private_folder(self.root, folder)
            with collector_paused():
                snapshot = {"format": FORMAT, "region": region_to_dict_v2(region)}
            _write_atomically(folder / f"{region.region}.json", snapshot)
        except OSError as exc:
            raise CacheWriteError(
                f"inventory cache not saved in {self.root}: {exc.strerror or exc}; "
                "point XDG_CACHE_HOME at a writable directory (the cache only speeds up "
                "the next scan)"
            ) from exc

    def load_region(self, account: str, region: str) -> RegionInventory | None:
        path = self._account_dir(account) / f"{region}.json"
        try:
            with collector_paused():
                payload = json.loads(path.read_text(encoding="utf-8"))
                version = payload.get("format")
                if version not in _READABLE_FORMATS:
                    return None
                read = region_from_dict_v2 if version == 2 else region_from_dict
                found = read(payload["region"])
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        # A snapshot that names another account (or none: written before regions were
        # stamped) is not this account's, whatever folder it sits in.
        return found if found.account == account else None

    def cached_regions(self, account: str) -> list[str]:
        folder = self._account_dir(account)
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json"))

    def load(self, account: str, regions: Sequence[str] | None = None) -> Inventory | None:
        """The cached regions of ``account`` (all of them, or just ``regions``), or None."""
        names = list(regions) if regions else self.cached_regions(account)
        found = [r for r in (self.load_region(account, n) for n in names) if r is not None]
        if not found:
            return None
        oldest = min((r.scanned_at for r in found if r.scanned_at), default=clock.now())
        return Inventory(account=account, generated_at=oldest, regions=tuple(found))

    def known_versions(self, account: str, regions: Iterable[str]) -> dict[str, LayerVersion]:
        """Sized versions from earlier scans: a version's size and hash never change."""
        loaded = (self.load_region(account, name) for name in regions)
        return sized_versions(r for r in loaded if r is not None)


class PendingVersions(Mapping[str, LayerVersion]):
    """``known_versions`` read in a thread of its own, waited for on first use.

    A scan needs what the cache knows only once its listing is done, seconds after it starts:
    reading the snapshots meanwhile takes the load off the start of ``inventory``.
    """

    def __init__(self, cache: InventoryCache, account: str, regions: Sequence[str]) -> None:
        self._pool = ThreadPoolExecutor(1, "cache-read")
        self._future: Future[dict[str, LayerVersion]] = self._pool.submit(
            cache.known_versions, account, list(regions))
        self._pool.shutdown(wait=False)

    def _versions(self) -> dict[str, LayerVersion]:
        return self._future.result()

    def __getitem__(self, arn: str) -> LayerVersion:
        return self._versions()[arn]

    def __iter__(self) -> Iterator[str]:
        return iter(self._versions())

    def __len__(self) -> int:
        return len(self._versions())


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    # Write then rename, so a crash mid-write never leaves half a snapshot behind, and a
    # failed write (disk full) leaves no temporary file either.
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            # dumps, not dump: only the one-shot encoder is the fast (C) one.
            out.write(json.dumps(payload, separators=(",", ":")))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


__all__ = [
    "FORMAT",
    "CacheWriteError",
    "InventoryCache",
    "PendingVersions",
    "region_from_dict",
    "region_to_dict",
]
