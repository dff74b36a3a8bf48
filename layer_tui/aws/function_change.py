"""Change one function's layer list from its screen: repin one layer, reorder, remove one.

``UpdateFunctionConfiguration(Layers=…)`` replaces the whole list and the order is the merge
order under ``/opt`` (later layers overwrite earlier files), so a reorder is as much a change
as a repin. The plan is a ``RepinPlan`` of one item: ``apply_repin`` applies it with the rails a
repin has (RevisionId from the configuration planned from, waits before and after, 409 waited
out, 412 left alone and said) and journals it as a repin, so ``u`` undoes it like any other.
What the plan adds is the preview: the merged ``/opt`` before and after, which files change
hands, the unzipped budget after, and what is wrong with a version the list did not hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.function_view import managed_by
from layer_tui.aws.merged_opt import (
    MergedOpt,
    OptLayer,
    ShadowedPath,
    merge_layers,
    merged_opt,
    read_layer,
)
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.repin import STACK_TAG, RepinItem, RepinPlan

#: AWS takes at most five layers a function.
MAX_LAYERS = 5
REORDER, REMOVE, REPIN = "reorder", "remove", "repin"


def _short(arn: str) -> str:
    """``geo:2`` for a layer version ARN."""
    parts = arn.split(":")
    return ":".join(parts[6:8]) if len(parts) == 8 else arn


def _unversioned(arn: str) -> str:
    return arn.rsplit(":", 1)[0]


# -- the new lists ------------------------------------------------------------------------------


def moved(layers: Sequence[str], position: int, delta: int) -> tuple[str, ...]:
    """The list with the layer at 1-based ``position`` moved ``delta`` places (clamped)."""
    order = list(layers)
    index = position - 1
    if not 0 <= index < len(order):
        return tuple(order)
    target = max(0, min(len(order) - 1, index + delta))
    order.insert(target, order.pop(index))
    return tuple(order)


def removed(layers: Sequence[str], position: int) -> tuple[str, ...]:
    """The list without the layer at 1-based ``position``."""
    return tuple(arn for index, arn in enumerate(layers, start=1) if index != position)


def repinned(layers: Sequence[str], position: int, target_arn: str) -> tuple[str, ...]:
    """The list with the layer at ``position`` swapped for ``target_arn``, order kept."""
    return tuple(target_arn if index == position else arn
                 for index, arn in enumerate(layers, start=1))


def versions_newest_build_first(session: Any, layer_version_arn: str) -> tuple[LayerVersion, ...]:
    """Every version of the layer ``layer_version_arn`` belongs to, newest build first.

    A restored copy of an old version has the highest number but the old code: it sorts as the
    build it holds, right after that build's original (``Layer.newest_build``'s order).
    """
    parts = layer_version_arn.split(":")
    layer_arn, name, region = ":".join(parts[:7]), parts[6], parts[3]
    client = session.client("lambda", region)
    found: list[LayerVersion] = []
    try:
        for page in client.get_paginator("list_layer_versions").paginate(LayerName=layer_arn):
            for item in page.get("LayerVersions", []):
                found.append(LayerVersion(
                    layer_name=name, version=int(item["Version"]),
                    arn=str(item["LayerVersionArn"]), layer_arn=layer_arn, region=region,
                    created=str(item.get("CreatedDate", "")), code_size=None, code_sha256=None,
                    description=str(item.get("Description") or ""),
                    compatible_runtimes=tuple(item.get("CompatibleRuntimes") or ()),
                    compatible_architectures=tuple(item.get("CompatibleArchitectures") or ()),
                ))  # fmt: skip
    except (BotoCoreError, ClientError) as exc:
        raise describe(exc, f"listing the versions of {name}") from exc
    # ``Layer.newest_build``'s key, applied to every version.
    return tuple(sorted(found, key=lambda v: (v.build, v.restored_from is None, v.version),
                        reverse=True))


@dataclass(frozen=True)
class LayerChange:
    """What the user asked of one layer of the list, applied to the list read at plan time.

    The layer is named by its ARN, not its place: if the list changed since the screen read
    it, the change lands on the same layer, or the plan says the layer is gone.
    """

    kind: str  # REORDER | REMOVE | REPIN
    arn: str
    delta: int = 0
    target: str = ""

    def apply(self, current: Sequence[str]) -> tuple[str, ...] | None:
        """The new list, or None when the layer is no longer in ``current``."""
        if self.arn not in current:
            return None
        position = list(current).index(self.arn) + 1
        if self.kind == REORDER:
            return moved(current, position, self.delta)
        if self.kind == REMOVE:
            return removed(current, position)
        return repinned(current, position, self.target or self.arn)

    @property
    def description(self) -> str:
        if self.kind == REORDER:
            return f"move {_short(self.arn)} {'down' if self.delta > 0 else 'up'}"
        if self.kind == REMOVE:
            return f"remove {_short(self.arn)}"
        return f"repin {_short(self.arn)} to {_short(self.target)}"


# -- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionLayersPlan(RepinPlan):
    """A ``RepinPlan`` of one function, with what the change does to its ``/opt``."""

    change: str = ""
    function_arn: str = ""
    before: MergedOpt | None = None
    after: MergedOpt | None = None
    #: Files whose copy the function sees changes hands, or that start being overwritten:
    #: the path, the layer that wins after and the layers it hides then.
    newly_shadowed: tuple[ShadowedPath, ...] = ()
    #: For each newly shadowed path that was shadowed before: the layer that won it then.
    previous_winner: Mapping[str, str] = field(default_factory=dict)
    #: Paths more than one layer held before and only one holds after.
    unshadowed: tuple[str, ...] = ()

    @property
    def item(self) -> RepinItem | None:
        return self.items[0] if self.items else None

    @property
    def budget_after(self) -> tuple[int, int, bool] | None:
        """(unzipped total after, the limit, whether every layer could be read)."""
        if self.after is None:
            return None
        return self.after.unzipped_total, self.after.limit, self.after.complete


def _function_name(function: str, region: str | None) -> tuple[str, str, str | None]:
    """(name, region, qualifier) of a function ARN, or of a bare name with ``region``."""
    parts = function.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return parts[6], parts[3], parts[7] if len(parts) > 7 else None
    if region is None:
        raise ValueError(f"{function!r} is not a function ARN, and no region was given")
    return function, region, None


def plan_function_layers(
    session: Any,
    function: str,
    new_layers: Sequence[str] | LayerChange,
    *,
    region: str | None = None,
    change: str = "",
) -> FunctionLayersPlan:
    """Read the function now and plan its list ``new_layers``; nothing is changed.

    ``function`` is its ARN (or its name, with ``region``); ``new_layers`` the whole new list,
    or a ``LayerChange`` applied to the list read now. The plan is blocked, with the
    reason in one line, when the list cannot be sent as it is: a published version, more than
    five layers, one layer twice, a version that no longer exists in the new list, or over the
    unzipped limit.
    """
    name, region_name, qualifier = _function_name(function, region)
    if isinstance(new_layers, LayerChange):
        change = change or new_layers.kind
    wanted = () if isinstance(new_layers, LayerChange) else tuple(new_layers)

    def refused(problem: str, current: tuple[str, ...] = ()) -> FunctionLayersPlan:
        item = RepinItem(name, region_name, "", current, wanted, blocked=problem)
        return FunctionLayersPlan(region_name, "", "", (item,), problem=problem, change=change)

    if qualifier not in (None, "$LATEST"):
        return refused(f"{name}:{qualifier} is a published version: only $LATEST can change "
                       "its layers (published versions keep theirs)")
    client = session.client("lambda", region_name)
    try:
        found: dict[str, Any] = client.get_function(FunctionName=name)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return refused(f"no function {name} in {region_name} any more; refresh the view")
        raise describe(exc, f"reading {name}") from exc
    config: Mapping[str, Any] = found["Configuration"]
    current = tuple(str(layer["Arn"]) for layer in config.get("Layers") or ())
    if isinstance(new_layers, LayerChange):
        applied = new_layers.apply(current)
        if applied is None:
            return refused(f"{_short(new_layers.arn)} is no longer in {name}'s list (changed "
                           "since it was read): refresh and try again", current)
        wanted = applied
    if len(wanted) > MAX_LAYERS:
        return refused(f"{len(wanted)} layers: AWS takes at most {MAX_LAYERS} a function",
                       current)
    layers_named = [_unversioned(arn) for arn in wanted]
    if len(set(layers_named)) != len(layers_named):
        twice = next(n for n in layers_named if layers_named.count(n) > 1)
        return refused(f"{twice.rsplit(':', 1)[-1]} would be listed twice: AWS takes one "
                       "version of a layer per function", current)

    before = merged_opt(session, config)
    after = _merged_after(session, config, before, wanted)
    flags = _flags(config, found.get("Tags") or {}, before, after, current, wanted)
    blocked = _blocked(before, after, current, wanted)
    item = RepinItem(name, region_name, str(config.get("RevisionId", "")), current, wanted,
                     config.get("Runtime"), tuple(flags), blocked)
    newly, previous, unshadowed = shadow_changes(before, after)
    return FunctionLayersPlan(
        region_name, "", "", (item,), notes=tuple(flags), change=change,
        function_arn=str(config.get("FunctionArn") or ""), before=before, after=after,
        newly_shadowed=newly, previous_winner=previous, unshadowed=unshadowed,
    )  # fmt: skip


def _merged_after(
    session: Any, config: Mapping[str, Any], before: MergedOpt, wanted: tuple[str, ...]
) -> MergedOpt:
    """The /opt of ``wanted``: layers the function lists now are not read a second time."""
    known = {layer.arn: layer for layer in before.layers}
    account = str(config.get("FunctionArn") or "::::").split(":")[4]
    layers: list[OptLayer] = []
    for position, arn in enumerate(wanted, start=1):
        if arn in known:
            layers.append(replace(known[arn], position=position, flags=()))
        else:
            layers.append(read_layer(session, arn, position, None, account))
    return merge_layers(
        function=before.function, region=before.region, runtime=before.runtime,
        architectures=before.architectures, layers=tuple(layers), code_size=before.code_size,
    )  # fmt: skip


def shadow_changes(
    before: MergedOpt, after: MergedOpt
) -> tuple[tuple[ShadowedPath, ...], dict[str, str], tuple[str, ...]]:
    """(files newly shadowed or changing hands, who won them before, files no longer shadowed).

    Two layers holding one file and swapping places keep it shadowed, but the copy the
    function imports changes: that counts as newly shadowed, with the winner it had before.
    """
    was = {s.path: s for s in before.shadowed}
    newly: list[ShadowedPath] = []
    previous: dict[str, str] = {}
    for shadow in after.shadowed:
        old = was.get(shadow.path)
        if old is None:
            newly.append(shadow)
        elif old.winner != shadow.winner:
            newly.append(shadow)
            previous[shadow.path] = old.winner
    still = {s.path for s in after.shadowed}
    return tuple(newly), previous, tuple(sorted(set(was) - still))


def _flags(
    config: Mapping[str, Any], tags: Mapping[str, str], before: MergedOpt, after: MergedOpt,
    current: tuple[str, ...], wanted: tuple[str, ...],
) -> list[str]:
    """What the user should read before applying, one line each (plan_cells' words first)."""
    flags: list[str] = []
    runtime = config.get("Runtime")
    arches = tuple(config.get("Architectures") or ("x86_64",))
    for layer in after.layers:
        if layer.arn in current:
            continue  # a flag the function already carries is on its screen; this is news
        if layer.compatible_runtimes and runtime and runtime not in layer.compatible_runtimes:
            flags.append(f"runtime {runtime} not in {_short(layer.arn)}'s "
                         f"{sorted(layer.compatible_runtimes)}")
        declared = set(layer.compatible_architectures)
        if declared and not declared & set(arches):
            flags.append(f"architecture {arches[0]} not in {_short(layer.arn)}'s "
                         f"{sorted(declared)}")
    if stack := tags.get(STACK_TAG):
        flags.append(f"managed by stack {stack}: the next stack deploy will revert this")
    else:
        for tool in managed_by(tags):
            flags.append(f"managed by {tool}: the next deploy from it will revert this")
    if current and not wanted:
        flags.append(f"removes the last layer: {config.get('FunctionName')} will run with no "
                     "layers at all")
    if config.get("LastUpdateStatus") == "InProgress":
        flags.append("an update is in progress: it will wait for it")
    total, limit = after.unzipped_total, after.limit
    if total > limit:
        exact = "" if after.complete else "at least "
        flags.append(f"function + layers would be {exact}{total:,} bytes unzipped, over the "
                     f"{limit:,}-byte limit")
    return flags


def _blocked(
    before: MergedOpt, after: MergedOpt, current: tuple[str, ...], wanted: tuple[str, ...]
) -> str | None:
    """Why the list cannot be sent, or None."""
    if current == wanted:
        return None
    gone = [layer.arn for layer in after.layers if layer.deleted]
    if gone:
        # AWS refuses any create or update whose list holds a deleted version.
        new = [arn for arn in gone if arn not in current]
        if new:
            return f"{_short(new[0])} does not exist (deleted?); pick another version"
        return (f"{_short(gone[0])} was deleted: AWS refuses any list that still holds it; "
                "repin it to another version or remove it first")
    if after.unzipped_total > after.limit:
        return "over the unzipped size limit"
    return None


__all__ = [
    "MAX_LAYERS",
    "REMOVE",
    "REORDER",
    "REPIN",
    "FunctionLayersPlan",
    "LayerChange",
    "moved",
    "plan_function_layers",
    "removed",
    "repinned",
    "shadow_changes",
    "versions_newest_build_first",
]
