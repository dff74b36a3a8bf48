"""What a function really sees under /opt: its layers merged in list order, later ones winning.

Lambda extracts a function's layers into ``/opt`` in the order ``Layers`` lists them; a later
layer's file overwrites an earlier one's at the same path. Nothing is downloaded to work that
out: each layer's central directory is read by HTTP Range (``inspect_layer_version`` with no
member reads), and the union is computed from the listings.

Only files take part in the merge: directories merge (both trees end up under one folder) and
a path that is a file in one layer and a folder in another is left to whoever extracts (it is
rare, and Lambda's own extraction is not documented for it). Python distributions and the
packages a runtime brings itself are judged on the runtime's search path under ``/opt``
(``layer_tui/data/runtime_packages.json``), which comes before the runtime's own packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.checks import UNZIPPED_LIMIT
from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.findings import Finding
from layer_tui.aws.inspection import InvalidLayerVersionArn, inspect_layer_version
from layer_tui.aws.models import Layer, LayerVersion
from layer_tui.aws.opt_findings import (
    ARCHITECTURE,
    BEHIND,
    DELETED,
    EXTERNAL,
    RUNTIME,
    UNREADABLE,
    merged_opt_findings,
)
from layer_tui.aws.python_path import (
    Distribution,
    DuplicateDistribution,
    RuntimeShadow,
    duplicate_distributions,
    normalized_project,
    runtime_search_path,
    runtime_shadows,
)
from layer_tui.aws.zipformat import ZipEntry

#: A function lists at most five layers: each is read by a thread of its own.
_READERS = 5


@dataclass(frozen=True)
class OptLayer:
    """One layer of a function, where it stands in the merge and what it holds."""

    arn: str
    #: 1-based place in the function's list: later layers win on the same path.
    position: int
    code_size: int | None
    unzipped_size: int | None = None
    entries: tuple[ZipEntry, ...] = ()
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    code_sha256: str | None = None
    #: Owned by another account than the function's (a vendor's layer).
    external: bool = False
    #: GetLayerVersion says the version does not exist: the function still runs with it, but
    #: its next deploy (any create/update that lists it) fails.
    deleted: bool = False
    #: Why the listing is missing (denied, deleted, not a zip…), already one line.
    problem: str | None = None
    #: How many builds behind its layer's newest this version is; None when unknown.
    behind: int | None = None
    newest: int | None = None
    flags: tuple[str, ...] = ()

    @property
    def listed(self) -> bool:
        return self.problem is None

    @property
    def label(self) -> str:
        parts = self.arn.split(":")
        return f"{parts[6]}:{parts[7]}" if len(parts) >= 8 else self.arn

    def to_json(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "position": self.position,
            "code_size": self.code_size,
            "unzipped_size": self.unzipped_size,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class ShadowedPath:
    """A file more than one layer holds: ``winner`` is what the function sees."""

    path: str
    winner: str
    #: The layers whose copy is overwritten, in merge order.
    hidden: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "winner": self.winner, "hidden": list(self.hidden)}


@dataclass(frozen=True)
class MergedOpt:
    """A function configuration and the ``/opt`` its layers make."""

    function: str
    region: str
    runtime: str | None
    architectures: tuple[str, ...]
    layers: tuple[OptLayer, ...]
    #: Every file path under /opt and the position of the layer that wins it.
    winners: Mapping[str, int] = field(default_factory=dict)
    shadowed: tuple[ShadowedPath, ...] = ()
    duplicate_distributions: tuple[DuplicateDistribution, ...] = ()
    runtime_shadowed: tuple[RuntimeShadow, ...] = ()
    #: The function's own code, zipped (CodeSize); it counts towards the limit as well.
    code_size: int = 0
    limit: int = UNZIPPED_LIMIT
    findings: tuple[Finding, ...] = ()

    @property
    def unzipped_total(self) -> int:
        """Code plus layers, unzipped where the listing is known, else zipped (a lower bound).

        The function's own code is counted zipped: its unzipped size is not read.
        """
        layers = sum(
            (layer.unzipped_size if layer.unzipped_size is not None else layer.code_size) or 0
            for layer in self.layers
        )
        return self.code_size + layers

    @property
    def complete(self) -> bool:
        """Whether every layer was listed (otherwise the merge leaves some out)."""
        return all(layer.listed for layer in self.layers)

    def layer_at(self, position: int) -> OptLayer:
        return self.layers[position - 1]

    def to_json(self) -> dict[str, Any]:
        """Exactly issue 15's ``function --json`` shape."""
        return {
            "function": self.function,
            "runtime": self.runtime,
            "architectures": list(self.architectures),
            "layers": [layer.to_json() for layer in self.layers],
            "unzipped_total": self.unzipped_total,
            "limit": self.limit,
            "shadowed": [s.to_json() for s in self.shadowed],
            "duplicate_distributions": [d.to_json() for d in self.duplicate_distributions],
            "findings": [f.to_json() for f in self.findings],
        }


# -- reading ------------------------------------------------------------------------------------


def merged_opt(session: Any, function_config: Mapping[str, Any]) -> MergedOpt:
    """Read every layer of ``function_config`` (a GetFunctionConfiguration answer) and merge.

    ``session`` is an ``AwsSession`` (anything with ``client(service, region)``). The layers
    are read in parallel, one thread each; a layer that cannot be read (deleted, not granted,
    not a zip) is flagged and left out of the merge, and a finding says the merge is partial.
    """
    arn = str(function_config.get("FunctionArn") or "")
    region = arn.split(":")[3] if arn.count(":") >= 6 else ""
    account = arn.split(":")[4] if region else ""
    listed = [
        (str(item.get("Arn", "")), item.get("CodeSize"))
        for item in function_config.get("Layers") or ()
    ]

    def read(position: int) -> OptLayer:
        layer_arn, code_size = listed[position - 1]
        return read_layer(session, layer_arn, position, code_size, account)

    with ThreadPoolExecutor(max_workers=_READERS, thread_name_prefix="merged-opt") as pool:
        layers = tuple(pool.map(read, range(1, len(listed) + 1)))
    return merge_layers(
        function=arn,
        region=region,
        runtime=function_config.get("Runtime"),
        architectures=tuple(function_config.get("Architectures") or ("x86_64",)),
        layers=layers,
        code_size=int(function_config.get("CodeSize") or 0),
    )


def read_layer(
    session: Any, arn: str, position: int, code_size: int | None, account: str
) -> OptLayer:
    """One layer's metadata, listing and place among its layer's versions (never raises
    for what AWS says about the version: that becomes ``deleted`` / ``problem``)."""
    parts = arn.split(":")
    region = parts[3] if len(parts) >= 8 else ""
    base = OptLayer(arn, position, code_size, external=bool(account) and parts[4:5] != [account])
    if not region:
        return replace(base, problem=f"{arn!r} is not a layer version ARN")
    client = session.client("lambda", region)
    try:
        report = inspect_layer_version(
            client, arn, with_elf=False, s3_client=lambda: session.client("s3", region)
        )
    except InvalidLayerVersionArn as exc:
        return replace(base, problem=str(exc))
    except (BotoCoreError, ClientError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return replace(base, deleted=True, problem="the version does not exist any more")
        return replace(base, problem=str(describe(exc, f"reading {arn}")))
    entries = report.entries if report.contents_read else ()
    problem = None
    if not report.contents_read:
        problem = next((f.message for f in report.findings if f.code == "contents"),
                       "its zip could not be listed")  # fmt: skip
    behind, newest = _drift(client, arn)
    return replace(
        base,
        code_size=report.code_size if report.code_size is not None else code_size,
        unzipped_size=report.uncompressed_size if report.contents_read else None,
        entries=entries,
        compatible_runtimes=report.compatible_runtimes,
        compatible_architectures=report.compatible_architectures,
        code_sha256=report.code_sha256,
        problem=problem,
        behind=behind,
        newest=newest,
    )


def _drift(client: Any, arn: str) -> tuple[int | None, int | None]:
    """(builds behind, newest version) from ListLayerVersions; unknown when we may not list
    (another account's layer) — a restored copy counts as the build it holds."""
    parts = arn.split(":")
    layer_arn, name, region = ":".join(parts[:7]), parts[6], parts[3]
    versions: list[LayerVersion] = []
    try:
        for page in client.get_paginator("list_layer_versions").paginate(LayerName=layer_arn):
            for item in page.get("LayerVersions", []):
                versions.append(LayerVersion(
                    layer_name=name, version=int(item["Version"]),
                    arn=str(item["LayerVersionArn"]), layer_arn=layer_arn, region=region,
                    created=str(item.get("CreatedDate", "")), code_size=None, code_sha256=None,
                    description=str(item.get("Description") or ""),
                ))  # fmt: skip
    except (BotoCoreError, ClientError):
        return None, None
    versions.sort(key=lambda v: v.version, reverse=True)
    layer = Layer(name, layer_arn, region, tuple(versions))
    mine = next((v for v in versions if v.arn == arn), None)
    newest = layer.newest_build
    if mine is None or newest is None:
        return None, newest.version if newest else None
    return layer.behind(mine), newest.version


# -- merging -------------------------------------------------------------------------------------


def merge_layers(
    *,
    function: str,
    region: str,
    runtime: str | None,
    architectures: tuple[str, ...],
    layers: tuple[OptLayer, ...],
    code_size: int = 0,
) -> MergedOpt:
    """The union of the layers' trees in merge order, and what is wrong with the result."""
    holders: dict[str, list[int]] = {}
    for layer in layers:
        for entry in layer.entries:
            if entry.is_dir:
                continue
            path = _opt_path(entry.path)
            if not path:
                continue
            positions = holders.setdefault(path, [])
            if not positions or positions[-1] != layer.position:
                positions.append(layer.position)
    winners = {path: positions[-1] for path, positions in holders.items()}
    shadowed = tuple(
        ShadowedPath(path, layers[positions[-1] - 1].arn,
                     tuple(layers[p - 1].arn for p in positions[:-1]))
        for path, positions in sorted(holders.items())
        if len(positions) > 1
    )  # fmt: skip
    search_path = runtime_search_path(runtime)
    flagged = tuple(replace(layer, flags=_flags(layer, runtime, architectures)) for layer in layers)
    merged = MergedOpt(
        function=function, region=region, runtime=runtime, architectures=architectures,
        layers=flagged, winners=winners, shadowed=shadowed,
        duplicate_distributions=duplicate_distributions(
            winners, tuple(layer.arn for layer in flagged), search_path, runtime),
        runtime_shadowed=runtime_shadows(
            winners, tuple(layer.arn for layer in flagged), runtime),
        code_size=code_size,
    )  # fmt: skip
    return replace(merged, findings=merged_opt_findings(merged))


def _opt_path(name: str) -> str:
    """Where a member lands under /opt: ``./python/x.py`` and ``python/x.py`` are one file."""
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


def _flags(layer: OptLayer, runtime: str | None, architectures: tuple[str, ...]) -> tuple[str, ...]:
    flags = []
    if layer.deleted:
        flags.append(DELETED)
    declared = set(layer.compatible_architectures)
    if declared and not declared & set(architectures):
        flags.append(ARCHITECTURE)
    if layer.compatible_runtimes and runtime and runtime not in layer.compatible_runtimes:
        flags.append(RUNTIME)
    if layer.behind:
        flags.append(BEHIND)
    if layer.external:
        flags.append(EXTERNAL)
    if layer.problem is not None and not layer.deleted:
        flags.append(UNREADABLE)
    return tuple(flags)


__all__ = [
    "ARCHITECTURE",
    "BEHIND",
    "DELETED",
    "EXTERNAL",
    "RUNTIME",
    "UNREADABLE",
    "Distribution",
    "DuplicateDistribution",
    "MergedOpt",
    "OptLayer",
    "RuntimeShadow",
    "ShadowedPath",
    "merge_layers",
    "merged_opt",
    "normalized_project",
    "read_layer",
    "runtime_search_path",
]
