"""Inventory snapshot formats: how a region is written to, and read from, the cache's JSON.

Format 2 stores every function configuration of a region once, as a row (see
``_FunctionTable``), and a version's consumers (and an external layer's) as indexes into that
list: a function with two layers is not written, nor parsed, twice. Format 1 (consumers written
out in full) is still read.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from layer_tui.aws.models import (
    ExternalLayer,
    FunctionRef,
    Layer,
    LayerVersion,
    RegionError,
    RegionInventory,
)

_VERSION_FIELDS = (
    "layer_name", "version", "arn", "layer_arn", "region", "created", "code_size",
    "code_sha256", "description", "license", "compatible_runtimes", "compatible_architectures",
)  # fmt: skip


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
        # Tuples as they are: JSON writes them as arrays, and copying each into a list was
        # a third of what a row cost.
        return [ref.function, short_arn, ref.version, ref.runtime, ref.architectures,
                ref.last_modified, ref.code_size, [index[arn] for arn in ref.layers],
                ref.layer_sizes, ref.aliases]

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
