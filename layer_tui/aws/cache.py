"""On-disk inventory snapshots, one file per account and region, shown at once on the next start.

Layout: ``$XDG_CACHE_HOME/layer-tui/<account>[@<endpoint-id>]/<region>.json``. Snapshots of a
non-AWS endpoint (the sandbox, a test server) are kept apart from the real account's even when
the account ids match. A file that cannot be read is ignored, never fatal: the cache only saves
time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from layer_tui import clock
from layer_tui.aws.inventory import sized_versions
from layer_tui.aws.models import (
    ExternalLayer,
    FunctionRef,
    Inventory,
    Layer,
    LayerVersion,
    RegionError,
    RegionInventory,
)
from layer_tui.aws.paths import cache_root

FORMAT = 1


class CacheWriteError(Exception):
    """The snapshots could not be written; one line saying where, why and what to do."""


def _function(data: dict[str, Any]) -> FunctionRef:
    return FunctionRef(
        **{
            **data,
            "architectures": tuple(data["architectures"]),
            "layers": tuple(data.get("layers", ())),
            "layer_sizes": tuple(data.get("layer_sizes", ())),
            # Snapshots written before aliases were read have none: they load as "no alias".
            "aliases": tuple(data.get("aliases", ())),
        }
    )


def _version(data: dict[str, Any]) -> LayerVersion:
    return LayerVersion(
        **{
            **data,
            "compatible_runtimes": tuple(data["compatible_runtimes"]),
            "compatible_architectures": tuple(data["compatible_architectures"]),
            "consumers": tuple(_function(c) for c in data["consumers"]),
        }
    )


def region_from_dict(data: dict[str, Any]) -> RegionInventory:
    error = data.get("error")
    scanned = data.get("scanned_at")
    return RegionInventory(
        region=data["region"],
        error=RegionError(**error) if error else None,
        functions_scanned=int(data.get("functions_scanned", 0)),
        layers=tuple(
            Layer(
                name=layer["name"],
                arn=layer["arn"],
                region=layer["region"],
                versions=tuple(_version(v) for v in layer["versions"]),
            )
            for layer in data.get("layers", ())
        ),
        external_layers=tuple(
            ExternalLayer(x["arn"], tuple(_function(c) for c in x["consumers"]))
            for x in data.get("external_layers", ())
        ),
        functions=tuple(_function(f) for f in data.get("functions", ())),
        scanned_at=datetime.fromisoformat(scanned) if scanned else None,
        all_versions=bool(data.get("all_versions", False)),
        account=str(data.get("account") or ""),
    )


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies: the models hold only str, int, bool,
    None, tuples and other models, and a region of 2,000 functions is 600,000 of them."""
    names = _FIELD_NAMES.get(type(value))
    if names is None and is_dataclass(value):
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def region_to_dict(region: RegionInventory) -> dict[str, Any]:
    data: dict[str, Any] = _plain(region)
    data["scanned_at"] = region.scanned_at.isoformat() if region.scanned_at else None
    return data


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
        folder = self._account_dir(inventory.account)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for region in inventory.regions:
                if region.error is None and region.account == inventory.account:
                    _write_atomically(folder / f"{region.region}.json",
                                      {"format": FORMAT, "region": region_to_dict(region)})
        except OSError as exc:
            raise CacheWriteError(
                f"inventory cache not saved in {self.root}: {exc.strerror or exc}; "
                "point XDG_CACHE_HOME at a writable directory (the cache only speeds up "
                "the next scan)"
            ) from exc

    def load_region(self, account: str, region: str) -> RegionInventory | None:
        path = self._account_dir(account) / f"{region}.json"
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            if payload.get("format") != FORMAT:
                return None
            found = region_from_dict(payload["region"])
        except (OSError, ValueError, KeyError, TypeError):
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
