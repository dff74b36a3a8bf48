"""Lambda's list operations, paged at 50 like AWS (moto answers everything in one page).

ListFunctions, ListLayers and ListLayerVersions are built here straight from moto's backend, so
a page of 50 costs 50 configurations, not the whole region's; item shapes are moto's own.
ListVersionsByFunction and ListAliases are small, so moto's reply is sliced instead.
Markers are opaque to clients: the sort key of the last item sent, so a page boundary survives
items being added or deleted between calls, as with AWS.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import heapq
import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from moto.awslambda.models import LambdaBackend, LambdaFunction, LayerVersion, lambda_backends

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.layers import LAYER_ARN

#: AWS's page size for every Lambda list operation, and the largest MaxItems it honours.
PAGE_SIZE = 50

Item = TypeVar("Item")
SortKey = tuple[Any, ...]


class InvalidMarker(ValueError):
    pass


def encode_marker(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_marker(marker: str) -> SortKey:
    try:
        return tuple(json.loads(base64.urlsafe_b64decode(marker.encode())))
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidMarker(marker) from error


def page(
    items: Sequence[Item],
    sort_key: Callable[[Item], SortKey],
    marker: str | None,
    max_items: int,
) -> tuple[list[Item], str | None]:
    """One page of ``items`` after ``marker``, and the marker of the next page (or ``None``).

    Each item's key is computed once and only the page (plus one, to know whether another
    follows) is ordered: a region of thousands of functions costs a page, not a full sort.
    """
    keyed = [(sort_key(item), item) for item in items]
    if marker:
        after = decode_marker(marker)
        keyed = [pair for pair in keyed if pair[0] > after]
    chosen = heapq.nsmallest(max_items + 1, keyed, key=itemgetter(0))
    next_marker = encode_marker(chosen[max_items - 1][0]) if len(chosen) > max_items else None
    return [item for _, item in chosen[:max_items]], next_marker


def max_items(call: ApiCall) -> int:
    raw = call.param("MaxItems")
    if raw is None:
        return PAGE_SIZE
    number = int(raw)
    if number < 1:
        raise ValueError(raw)
    return min(number, PAGE_SIZE)


def _function_key(function: LambdaFunction) -> SortKey:
    version = 0 if function.version == "$LATEST" else int(function.version)
    return (function.function_name, version)


def _function_page(
    backend: LambdaBackend, every_version: bool, marker: str | None, limit: int
) -> tuple[list[LambdaFunction], str | None]:
    """``page`` for ListFunctions, in time for the page rather than for the whole region.

    Functions sort by name first, and moto keeps them by name: so the names are sorted (at C
    speed), the marker's name is found by bisection, and configurations are looked at only
    from there until the page is full.
    """
    groups = dict(backend._lambdas._functions)
    names = sorted(groups)
    after = decode_marker(marker) if marker else None
    start = bisect.bisect_left(names, after[0]) if after else 0
    found: list[LambdaFunction] = []
    for name in names[start:]:
        group = groups[name]
        candidates = [group["latest"]] if group["latest"] is not None else []
        if every_version:
            candidates.extend(group["versions"])
        for function in sorted(candidates, key=_function_key):
            if after is None or _function_key(function) > after:
                found.append(function)
        if len(found) > limit:
            break
    chosen = found[:limit]
    next_marker = encode_marker(_function_key(chosen[-1])) if len(found) > limit else None
    return chosen, next_marker


def _layer_version_key(layer_version: LayerVersion) -> SortKey:
    # AWS lists a layer's versions newest first.
    return (-layer_version.version,)


def _list_item(layer_version: LayerVersion) -> dict[str, Any]:
    """A LayerVersionsListItem: GetLayerVersion's shape without Content (AWS sends no size)."""
    item = layer_version.get_layer_version()
    item.pop("Content", None)
    item.pop("LayerArn", None)
    return item


def _matches(layer_version: LayerVersion, call: ApiCall) -> bool:
    runtime = call.param("CompatibleRuntime")
    architecture = call.param("CompatibleArchitecture")
    if runtime and runtime not in (layer_version.compatible_runtimes or []):
        return False
    return not (architecture and architecture not in (layer_version.compatible_architectures or []))


class LambdaListings(Interceptor):
    """Answers Lambda's list operations in pages of at most 50 with ``NextMarker``."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "lambda" or call.operation not in (
            "ListFunctions",
            "ListLayers",
            "ListLayerVersions",
        ):
            return None
        try:
            limit = max_items(call)
            backend = lambda_backends[call.account_id][call.region]
            if call.operation == "ListFunctions":
                return self._list_functions(call, backend, limit)
            if call.operation == "ListLayers":
                return self._list_layers(call, backend, limit)
            return self._list_layer_versions(call, backend, limit)
        except (InvalidMarker, ValueError):
            return error_reply(
                call, 400, "InvalidParameterValueException", "Invalid Marker or MaxItems."
            )

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        member = {"ListVersionsByFunction": "Versions", "ListAliases": "Aliases"}.get(
            call.operation
        )
        if call.service != "lambda" or member is None or reply.status != 200:
            return reply
        payload = reply.payload()
        items: list[dict[str, Any]] = list(payload.get(member, []))
        numbered = list(enumerate(items))
        try:
            chosen, next_marker = page(
                numbered, lambda pair: (pair[0],), call.param("Marker"), max_items(call)
            )
        except (InvalidMarker, ValueError):
            return error_reply(
                call, 400, "InvalidParameterValueException", "Invalid Marker or MaxItems."
            )
        payload[member] = [item for _, item in chosen]
        payload.pop("NextMarker", None)
        if next_marker:
            payload["NextMarker"] = next_marker
        return ApiReply.json(payload)

    def _list_functions(self, call: ApiCall, backend: LambdaBackend, limit: int) -> ApiReply:
        every_version = call.param("FunctionVersion") == "ALL"
        chosen, next_marker = _function_page(backend, every_version, call.param("Marker"), limit)
        configurations = []
        for function in chosen:
            configuration = function.get_configuration()
            if every_version and function.version == "$LATEST":
                # With FunctionVersion=ALL, $LATEST is listed under its qualified ARN.
                configuration["FunctionArn"] = f"{function.function_arn}:$LATEST"
            configurations.append(configuration)
        return _paged_reply("Functions", configurations, next_marker)

    def _list_layers(self, call: ApiCall, backend: LambdaBackend, limit: int) -> ApiReply:
        entries: list[tuple[str, str, LayerVersion]] = []
        for layer in list(backend._layers._layers.values()):
            candidates = [lv for lv in list(layer.layer_versions.values()) if _matches(lv, call)]
            if candidates:
                newest = max(candidates, key=lambda lv: lv.version)
                entries.append((layer.name, layer.layer_arn, newest))
        chosen, next_marker = page(entries, lambda entry: (entry[0],), call.param("Marker"), limit)
        layers = [
            {"LayerName": name, "LayerArn": arn, "LatestMatchingVersion": _list_item(newest)}
            for name, arn, newest in chosen
        ]
        return _paged_reply("Layers", layers, next_marker)

    def _list_layer_versions(self, call: ApiCall, backend: LambdaBackend, limit: int) -> ApiReply:
        name = call.path_params.get("LayerName", "")
        # LayerName may also be the layer's ARN, which names the owning account.
        arn = LAYER_ARN.match(name)
        if arn is not None:
            name = arn["name"]
            backend = lambda_backends[arn["account"]][arn["region"]]
        versions = [lv for lv in backend.list_layer_versions(name) if _matches(lv, call)]
        chosen, next_marker = page(versions, _layer_version_key, call.param("Marker"), limit)
        return _paged_reply("LayerVersions", [_list_item(lv) for lv in chosen], next_marker)


def _paged_reply(member: str, items: list[dict[str, Any]], next_marker: str | None) -> ApiReply:
    payload: dict[str, Any] = {member: items}
    if next_marker:
        payload["NextMarker"] = next_marker
    return ApiReply.json(payload)
