"""Who uses a layer version: the consumer chain (ListFunctions) and the aliases on its answers.

AWS has no reverse lookup from a layer version to the functions that list it, so the only
truth is a full ``ListFunctions``. With ``FunctionVersion=ALL`` it also returns every published
version, and a published version keeps its layers for ever: a layer version used only by
``billing:1`` is still in use (``prod`` may route to it), and deleting it breaks the next
deploy that lists it. That is why published versions count by default and ``latest_only`` is an
explicit trade of safety for speed.

Aliases are not in ListFunctions: they cost one ``ListAliases`` per function. Only functions
with at least one published version that lists a layer are asked (a region's other functions
need no alias to be named right), and the calls go through the session's rate limiter like
every other call.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.models import LATEST, FunctionRef
from layer_tui.aws.session import AwsSession

#: Qualifier ("1", "$LATEST") → names of the aliases that route to it, sorted.
AliasesByQualifier = dict[str, tuple[str, ...]]

#: ListAliases calls in flight for one ``consumers_of``; the rate limiter really bounds them.
_ALIAS_WORKERS = 4


def _unqualified_function_arn(arn: str) -> str:
    # ListFunctions(FunctionVersion=ALL) returns qualified ARNs (":7", ":$LATEST"): seven
    # fields, then the qualifier (neither a name nor a qualifier holds a colon).
    return arn[: arn.rindex(":")] if arn.count(":") == 7 else (
        ":".join(arn.split(":")[:7]) if arn.count(":") > 7 else arn
    )


#: An architecture list ListFunctions leaves out: Lambda's default.
_DEFAULT_ARCHITECTURES = ("x86_64",)


def function_ref(config: Mapping[str, Any], region: str) -> FunctionRef:
    # Called for every configuration of every region (100,000 in a large organization): one
    # pass over the layers, no generator per field.
    layers = config.get("Layers") or ()
    architectures = config.get("Architectures")
    return FunctionRef(
        function=str(config["FunctionName"]),
        arn=_unqualified_function_arn(str(config["FunctionArn"])),
        version=str(config.get("Version") or LATEST),
        runtime=config.get("Runtime"),
        architectures=tuple(architectures) if architectures else _DEFAULT_ARCHITECTURES,
        region=region,
        last_modified=str(config.get("LastModified", "")),
        code_size=int(config.get("CodeSize") or 0),
        layers=tuple([str(layer["Arn"]) for layer in layers]),
        layer_sizes=tuple([int(layer.get("CodeSize") or 0) for layer in layers]),
    )


def _lean_list_functions(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """Hand a ListFunctions page's function list to the caller as ``json.loads`` made it.

    A page carries 50 full configurations, and botocore's model-driven parser costs more
    processor time than the rest of the call; with 8 regions scanning at once that time is what
    stretches the critical path. The JSON already uses the modelled names and types (Lambda's
    timestamps are strings), so botocore is left only the rest of the page (``NextMarker``).
    """
    if response_dict.get("status_code") != 200:
        return
    try:
        page = json.loads(response_dict["body"])
    except (KeyError, TypeError, ValueError):
        return
    functions = page.pop("Functions", None) if isinstance(page, dict) else None
    if isinstance(functions, list):
        # botocore leaves out members that are null; so does this.
        customized_response_dict["Functions"] = [
            {k: v for k, v in f.items() if v is not None} if None in f.values() else f
            for f in functions
        ]
        response_dict["body"] = json.dumps(page).encode()


def list_function_configs(
    lambda_client: Any, *, latest_only: bool = False, on_page: Callable[[int], None] | None = None
) -> list[FunctionRef]:
    """Every function configuration in the client's region: ``$LATEST`` and every published
    version (``FunctionVersion=ALL``), or ``$LATEST`` alone with ``latest_only``."""
    lambda_client.meta.events.register(
        "before-parse.lambda.ListFunctions", _lean_list_functions,
        unique_id="layer-tui-lean-list-functions",
    )
    kwargs: dict[str, Any] = {} if latest_only else {"FunctionVersion": "ALL"}
    region = lambda_client.meta.region_name
    configs: list[FunctionRef] = []
    for page in lambda_client.get_paginator("list_functions").paginate(**kwargs):
        configs.extend(function_ref(c, region) for c in page.get("Functions", []))
        if on_page:
            on_page(len(configs))
    return configs


def consumer_index(
    functions: Iterable[FunctionRef],
) -> dict[str, list[FunctionRef]]:
    """Layer version ARN → the function configurations that list it."""
    index: dict[str, list[FunctionRef]] = defaultdict(list)
    for ref in functions:
        for arn in ref.layers:
            index[arn].append(ref)
    return index


def list_aliases(lambda_client: Any, function_name: str) -> AliasesByQualifier:
    """The aliases of one function by the version they route to.

    An alias with ``RoutingConfig`` weights sends part of the traffic to a second version: it
    routes to both, so it is counted on both. A function deleted since it was listed has none.
    """
    found: dict[str, set[str]] = defaultdict(set)
    try:
        paginator = lambda_client.get_paginator("list_aliases")
        for page in paginator.paginate(FunctionName=function_name):
            for alias in page.get("Aliases", []):
                name = str(alias["Name"])
                found[str(alias.get("FunctionVersion") or LATEST)].add(name)
                routing = alias.get("RoutingConfig") or {}
                for version in routing.get("AdditionalVersionWeights") or {}:
                    found[str(version)].add(name)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {}
        raise
    return {qualifier: tuple(sorted(names)) for qualifier, names in found.items()}


def functions_with_published_consumers(functions: Iterable[FunctionRef]) -> dict[str, str]:
    """Unqualified ARN → name of each function with a published version that lists a layer:
    the only ones whose aliases can name a consumer that ``$LATEST`` does not already name."""
    return {f.arn: f.function for f in functions if f.version != LATEST and f.layers}


def lookup_aliases(
    lambda_client: Any, functions: Iterable[FunctionRef], pool: ThreadPoolExecutor
) -> dict[str, Future[AliasesByQualifier]]:
    """Start one ListAliases per function that needs it (see above) on ``pool``."""
    # By name: the ARN would do on AWS, but the function is in this client's region anyway.
    return {
        arn: pool.submit(list_aliases, lambda_client, name)
        for arn, name in functions_with_published_consumers(functions).items()
    }


def with_aliases(
    functions: Sequence[FunctionRef], aliases: Mapping[str, AliasesByQualifier]
) -> list[FunctionRef]:
    """``functions`` with the aliases that route to each configuration filled in."""
    named: list[FunctionRef] = []
    for ref in functions:
        found = aliases.get(ref.arn, {}).get(ref.version)
        named.append(replace(ref, aliases=found) if found else ref)
    return named


def _qualifier_order(ref: FunctionRef) -> tuple[str, int, str]:
    number = int(ref.version) if ref.version.isdigit() else -1  # $LATEST first
    return (ref.function, number, ref.arn)


def consumers_of(
    session: AwsSession, region: str, version_arn: str, *, latest_only: bool = False
) -> tuple[FunctionRef, ...]:
    """The function configurations that list ``version_arn`` now, read live from AWS (never
    from a cache): ``$LATEST`` and published versions with their aliases, or ``$LATEST``
    alone with ``latest_only``. Sorted by function, ``$LATEST`` first, then by version.

    Raises ``layer_tui.aws.errors.AwsError`` (one readable line) if AWS cannot be asked.
    """
    try:
        client = session.client("lambda", region)
        users = [
            ref for ref in list_function_configs(client, latest_only=latest_only)
            if version_arn in ref.layers
        ]
        aliases: dict[str, AliasesByQualifier] = {}
        if not latest_only:
            with ThreadPoolExecutor(_ALIAS_WORKERS, "consumer-aliases") as pool:
                futures = lookup_aliases(client, users, pool)
                aliases = {arn: future.result() for arn, future in futures.items()}
    except (BotoCoreError, ClientError) as exc:
        raise describe(exc, f"listing the functions that use {version_arn}") from exc
    return tuple(sorted(with_aliases(users, aliases), key=_qualifier_order))


__all__ = [
    "AliasesByQualifier",
    "consumer_index",
    "consumers_of",
    "function_ref",
    "functions_with_published_consumers",
    "list_aliases",
    "list_function_configs",
    "lookup_aliases",
    "with_aliases",
]
