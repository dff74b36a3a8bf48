"""On-disk inventory snapshots, one file per account and region, shown at once on the next start.

Layout: ``$XDG_CACHE_HOME/layer-tui/<account>[@<endpoint-id>]/<region>.json``. Snapshots of a
non-AWS endpoint (the sandbox, a test server) are kept apart from the real account's even when
the account ids match. A file that cannot be read is ignored, never fatal: the cache only saves
time.

Format 2 stores every function configuration of a region once, as a row (a list in
``_FUNCTION_FIELDS`` order), and a version's consumers (and an external layer's) as indexes
into that list: a function with two layers is not written, nor parsed, twice, and 16,000
functions load in a few tens of milliseconds. Format 1 snapshots (consumers written out in
full) still load.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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

FORMAT = 2
#: Snapshot formats ``load_region`` reads; the oldest is read as it was written.
_READABLE_FORMATS = (1, 2)
#: A version's fields but its consumers, in format 2 (they are indexes, written apart).
_VERSION_FIELDS = (
    "layer_name", "version", "arn", "layer_arn", "region", "created", "code_size",
    "code_sha256", "description", "license", "compatible_runtimes", "compatible_architectures",
)  # fmt: skip


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


class _FunctionTable:
    """A region's function rows in format 2, and the values they share.

    A row is ``[function, arn, version, runtime, architectures, last_modified, code_size,
    layers, layer_sizes, aliases]``: ``arn`` is 0 when it is the region's function ARN prefix
    plus the name (nearly always), ``layers`` are indexes into the region's ``layer_arns``, and
    the region itself is the snapshot's. What is left is mostly numbers: parsing them is what
    loading costs.
    """

    def __init__(self, region: str, prefix: str, layer_arns: list[str]) -> None:
        self.region = region
        self.prefix = prefix
        self.layer_arns = layer_arns
        self._layer_index = {arn: i for i, arn in enumerate(layer_arns)}

    @staticmethod
    def prefix_of(region: RegionInventory) -> str:
        sample = next((f.arn for f in region.functions), "")
        return sample[: sample.rfind(":") + 1] if ":function:" in sample else ""

    def row(self, ref: FunctionRef) -> list[Any]:
        index = self._layer_index
        for arn in ref.layers:
            if arn not in index:
                index[arn] = len(self.layer_arns)
                self.layer_arns.append(arn)
        short_arn = 0 if ref.arn == self.prefix + ref.function else ref.arn
        return [ref.function, short_arn, ref.version, ref.runtime, list(ref.architectures),
                ref.last_modified, ref.code_size, [index[arn] for arn in ref.layers],
                list(ref.layer_sizes), list(ref.aliases)]

    def function(self, row: list[Any], region: str) -> FunctionRef:
        (function, arn, version, runtime, architectures, last_modified, code_size, layers,
         layer_sizes, aliases) = row
        layer_arns = self.layer_arns
        # Built past the frozen dataclass's __init__ (eleven object.__setattr__ calls a
        # function): at 16,000 functions that alone would take most of the load's budget.
        ref: FunctionRef = _new_object(FunctionRef)
        _set_attribute(ref, "__dict__", {
            "function": function, "arn": arn or self.prefix + function, "version": version,
            "runtime": runtime, "architectures": tuple(architectures), "region": region,
            "last_modified": last_modified, "code_size": code_size,
            "layers": tuple([layer_arns[i] for i in layers]),
            "layer_sizes": tuple(layer_sizes), "aliases": tuple(aliases),
        })
        return ref


_new_object = object.__new__
_set_attribute = object.__setattr__


def region_from_dict_v2(data: dict[str, Any]) -> RegionInventory:
    """A region from a format 2 snapshot: functions once, consumers by index."""
    region_name = data["region"]
    table = _FunctionTable(region_name, data["function_arn_prefix"], data["layer_arns"])
    functions = [table.function(row, region_name) for row in data["functions"]]
    listed = int(data["listed_functions"])

    def consumers(indexes: list[int]) -> tuple[FunctionRef, ...]:
        return tuple(functions[i] for i in indexes)

    def version(item: dict[str, Any]) -> LayerVersion:
        return LayerVersion(
            item["layer_name"], item["version"], item["arn"], item["layer_arn"],
            item["region"], item["created"], item["code_size"], item["code_sha256"],
            item["description"], item["license"], tuple(item["compatible_runtimes"]),
            tuple(item["compatible_architectures"]), consumers(item["consumers"]),
        )

    error = data.get("error")
    scanned = data.get("scanned_at")
    return RegionInventory(
        region=data["region"],
        error=RegionError(**error) if error else None,
        functions_scanned=int(data.get("functions_scanned", 0)),
        layers=tuple(
            Layer(layer["name"], layer["arn"], layer["region"],
                  tuple(version(v) for v in layer["versions"]))
            for layer in data["layers"]
        ),
        external_layers=tuple(
            ExternalLayer(x["arn"], consumers(x["consumers"])) for x in data["external_layers"]
        ),
        functions=tuple(functions[:listed]),
        scanned_at=datetime.fromisoformat(scanned) if scanned else None,
        all_versions=bool(data.get("all_versions", False)),
        account=str(data.get("account") or ""),
    )


def region_to_dict_v2(region: RegionInventory) -> dict[str, Any]:
    """A region as a format 2 snapshot (see the module's docstring)."""
    rows: list[list[Any]] = []
    table = _FunctionTable(region.region, _FunctionTable.prefix_of(region), [])
    # By identity first: a scan's consumers are the very objects of its function list, so
    # no FunctionRef (tuples and all) is hashed; equality catches any that is not.
    by_id: dict[int, int] = {}
    by_value: dict[FunctionRef, int] = {}

    def index_of(ref: FunctionRef) -> int:
        found = by_id.get(id(ref))
        if found is None:
            found = by_value.get(ref)
        if found is None:
            found = by_id[id(ref)] = by_value[ref] = len(rows)
            rows.append(table.row(ref))
        return found

    for ref in region.functions:
        by_id[id(ref)] = len(rows)
        rows.append(table.row(ref))
    listed = len(rows)
    layers = [
        {"name": layer.name, "arn": layer.arn, "region": layer.region,
         "versions": [
             {**{name: getattr(v, name) for name in _VERSION_FIELDS},
              "compatible_runtimes": list(v.compatible_runtimes),
              "compatible_architectures": list(v.compatible_architectures),
              "consumers": [index_of(c) for c in v.consumers]}
             for v in layer.versions]}
        for layer in region.layers
    ]
    external = [{"arn": x.arn, "consumers": [index_of(c) for c in x.consumers]}
                for x in region.external_layers]
    return {
        "region": region.region,
        "error": region.error.to_json() if region.error else None,
        "functions_scanned": region.functions_scanned,
        "scanned_at": region.scanned_at.isoformat() if region.scanned_at else None,
        "all_versions": region.all_versions,
        "account": region.account,
        # Rows past ``listed_functions`` are consumers missing from the function list: kept
        # for the versions that name them, not shown as the region's functions.
        "listed_functions": listed,
        "function_arn_prefix": table.prefix,
        "layer_arns": table.layer_arns,
        "functions": rows,
        "layers": layers,
        "external_layers": external,
    }


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


@contextmanager
def _without_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: a snapshot is tens of thousands of new lists and
    objects, none of them garbage, and the collector walking them as they are made takes
    three times as long as the load itself. Models hold no cycles, so nothing piles up."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
            folder.mkdir(parents=True, exist_ok=True)
            with _without_collection():
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
            with _without_collection():
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
