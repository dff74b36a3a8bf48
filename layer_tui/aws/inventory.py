"""Regions → layers → versions → the consumer index AWS does not offer.

Per region, two chains run side by side: the layer chain (ListLayers → ListLayerVersions per
layer, concurrent) and the consumer chain (one paginated ListFunctions with
``FunctionVersion=ALL``, strictly sequential because each page needs the previous page's
marker; see ``consumers``). The consumer chain is the critical path, so it starts first.

Sizes: ListLayerVersions carries none, but ListFunctions lists ``Layers[{Arn, CodeSize}]`` for
every configuration, so a version some function uses has its size without a call. Only the
versions no function uses cost a GetLayerVersion each (their SHA-256 comes with it; a consumed
version's stays unknown unless a cache has it: restore and the delete backup re-read it live).

Aliases are labels, not consumers: the counts need none. So once both chains are done the
region is reported with its counts (stage "sizes", then "aliases" while the ListAliases calls
are on their way, at the tokens the listing left), and again when the labels are in ("done").
Regions scan in parallel and a region's failure becomes its ``error``; it never stops the
others.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui import clock
from layer_tui.aws.consumers import (
    AliasesByQualifier,
    consumer_index,
    list_function_configs,
    lookup_aliases,
    with_aliases,
)
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.models import (
    ExternalLayer,
    FunctionRef,
    Inventory,
    Layer,
    LayerVersion,
    RegionError,
    RegionInventory,
)
from layer_tui.aws.session import AwsSession

#: GetLayerVersion calls in flight per region; the rate limiter is what really bounds them.
SIZE_WORKERS_PER_REGION = 6


@dataclass(frozen=True)
class ScanProgress:
    """A step of one region's scan, reported from worker threads."""

    region: str
    #: "queued" | "layers" | "functions" | "sizes" | "aliases" | "done" | "error". "sizes"
    #: comes with a ``result`` whose unused versions lack sizes and whose consumers lack alias
    #: labels (layers, versions and consumer counts are complete); "aliases" with one that has
    #: every size, the labels still on their way.
    stage: str
    done: int = 0
    total: int | None = None
    result: RegionInventory | None = None
    #: Whose region, when several accounts scan at once ("" with one: ``region`` says it all).
    account: str = ""


ProgressCallback = Callable[[ScanProgress], None]


def _no_progress(_: ScanProgress) -> None:
    pass


def _version_from_api(item: Mapping[str, Any], layer_name: str, region: str) -> LayerVersion:
    """A LayerVersion from a ListLayerVersions item or a GetLayerVersion response."""
    content = item.get("Content") or {}
    arn = str(item["LayerVersionArn"])
    return LayerVersion(
        layer_name=layer_name,
        version=int(item["Version"]),
        arn=arn,
        layer_arn=arn.rsplit(":", 1)[0],
        region=region,
        created=str(item.get("CreatedDate", "")),
        code_size=content.get("CodeSize"),
        code_sha256=content.get("CodeSha256"),
        description=str(item.get("Description") or ""),
        license=item.get("LicenseInfo"),
        compatible_runtimes=tuple(item.get("CompatibleRuntimes") or ()),
        compatible_architectures=tuple(item.get("CompatibleArchitectures") or ()),
    )


def _versions_of(lambda_client: Any, name: str, region: str) -> list[LayerVersion]:
    versions: list[LayerVersion] = []
    for page in lambda_client.get_paginator("list_layer_versions").paginate(LayerName=name):
        versions.extend(_version_from_api(v, name, region) for v in page.get("LayerVersions", []))
    return versions


def _list_layer_versions(
    lambda_client: Any, region: str, pool: ThreadPoolExecutor
) -> list[list[LayerVersion]]:
    """Every layer of the region with its versions (without sizes: ListLayerVersions has none).

    Layers are listed side by side on ``pool``; the limiter serves the ListFunctions chain
    first, so they only take the tokens it leaves.
    """
    names = [
        str(item["LayerName"])
        for page in lambda_client.get_paginator("list_layers").paginate()
        for item in page.get("Layers", [])
    ]
    futures = [pool.submit(_versions_of, lambda_client, name, region) for name in names]
    return [future.result() for future in futures]


def _with_size(lambda_client: Any, version: LayerVersion) -> LayerVersion:
    try:
        response = lambda_client.get_layer_version(
            LayerName=version.layer_name, VersionNumber=version.version
        )
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return version  # deleted between the listing and now: keep what we know
        raise
    return _version_from_api(response, version.layer_name, version.region)


def sized_versions(regions: Iterable[RegionInventory]) -> dict[str, LayerVersion]:
    """Versions whose size is known, by ARN: a later scan need not ask again (a version never
    changes once published; its hash, when a GetLayerVersion read it, comes along)."""
    return {
        version.arn: version
        for region in regions
        for layer in region.layers
        for version in layer.versions
        if version.code_size is not None
    }


def sizes_from_functions(functions: Iterable[FunctionRef]) -> dict[str, int]:
    """Layer version ARN → CodeSize, as ListFunctions reports it for the layers functions list.

    A zip is never empty (its end record alone is 22 bytes), so a 0 (or a missing CodeSize)
    is no size and the version is asked for it.
    """
    sizes: dict[str, int] = {}
    for ref in functions:
        for arn, code_size in zip(ref.layers, ref.layer_sizes, strict=False):
            if code_size > 0:
                sizes[arn] = code_size
    return sizes


def _with_known_sizes(
    listed: Sequence[Sequence[LayerVersion]],
    known: Mapping[str, LayerVersion],
    from_functions: Mapping[str, int],
) -> list[list[LayerVersion]]:
    """``listed`` with what is known without a call: a cached version, or a consumed one's size."""
    joined: list[list[LayerVersion]] = []
    for versions in listed:
        row = []
        for version in versions:
            cached = known.get(version.arn)
            if cached is not None:
                row.append(cached)
            elif version.arn in from_functions:
                row.append(replace(version, code_size=from_functions[version.arn]))
            else:
                row.append(version)
        joined.append(row)
    return joined


def scan_region(
    session: AwsSession,
    region: str,
    *,
    latest_only: bool = False,
    progress: ProgressCallback | None = None,
    known_versions: Mapping[str, LayerVersion] | None = None,
) -> RegionInventory:
    """Scan one region; failures come back as ``RegionInventory.error``, never raised.

    Consumers are ``$LATEST`` and every published function version, with their aliases;
    ``latest_only`` scans ``$LATEST`` alone (fewer ListFunctions pages, no ListAliases) and the
    result says so (``all_versions`` False).
    """
    report = progress or _no_progress
    known: Mapping[str, LayerVersion] = {} if known_versions is None else known_versions
    try:
        account = session.account_id()
        client = session.client("lambda", region)
        pool = ThreadPoolExecutor(SIZE_WORKERS_PER_REGION + 1, f"scan-{region}")
        try:
            functions_future: Future[list[FunctionRef]] = pool.submit(
                list_function_configs,
                client,
                latest_only=latest_only,
                on_page=lambda n: report(ScanProgress(region, "functions", n)),
            )
            report(ScanProgress(region, "layers"))
            listed = _list_layer_versions(client, region, pool)
            report(ScanProgress(region, "functions"))
            listed_functions = functions_future.result()
            listed = _with_known_sizes(listed, known, sizes_from_functions(listed_functions))
            # Only now the calls the listing does not need: started earlier, they would take
            # the rate limiter's tokens from the consumer chain, the critical path. Sizes
            # first (few: only versions no function uses), then the aliases (labels).
            pending = {
                v.arn: pool.submit(_with_size, client, v)
                for versions in listed
                for v in versions
                if v.code_size is None
            }
            alias_futures = {} if latest_only else lookup_aliases(client, listed_functions, pool)
            counted = assemble_region(region, account, listed, {}, listed_functions,
                                      not latest_only)
            if pending:
                # Layers, versions and consumer counts are known: show them while sizes arrive.
                report(ScanProgress(region, "sizes", 0, len(pending), result=counted))
            sized: dict[str, LayerVersion] = {}
            for done, (arn, future) in enumerate(pending.items(), start=1):
                sized[arn] = future.result()
                report(ScanProgress(region, "sizes", done, len(pending)))
            functions = listed_functions
            if alias_futures:
                with_sizes = assemble_region(region, account, listed, sized,
                                             listed_functions, not latest_only)
                report(ScanProgress(region, "aliases", 0, len(alias_futures),
                                    result=with_sizes))
                aliases: dict[str, AliasesByQualifier] = {}
                for done, (arn, alias_future) in enumerate(alias_futures.items(), start=1):
                    aliases[arn] = alias_future.result()
                    report(ScanProgress(region, "aliases", done, len(alias_futures)))
                functions = with_aliases(listed_functions, aliases)
        except BaseException:
            # Fail fast: queued calls are dropped, not waited for at the rate limit.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    except (AwsError, BotoCoreError, ClientError) as exc:
        failure = describe(exc)
        result = RegionInventory(
            region=region,
            error=RegionError(failure.code, failure.message),
            scanned_at=clock.now(),
            all_versions=not latest_only,
        )
        report(ScanProgress(region, "error", result=result))
        return result

    result = assemble_region(region, account, listed, sized, functions, not latest_only)
    report(ScanProgress(region, "done", result=result))
    return result


def assemble_region(
    region: str,
    account: str,
    listed: Sequence[Sequence[LayerVersion]],
    sized: Mapping[str, LayerVersion],
    functions: Sequence[FunctionRef],
    all_versions: bool,
) -> RegionInventory:
    """Join the layer chain and the consumer chain into one region's inventory.

    ``all_versions``: whether ``functions`` holds published versions too (not ``$LATEST``
    alone); ``functions_scanned`` counts functions, not their versions.
    """
    index = consumer_index(functions)
    local_arns: set[str] = set()
    layers: list[Layer] = []
    for versions in listed:
        if not versions:
            continue
        joined = []
        for listed_version in versions:
            base = sized.get(listed_version.arn) or listed_version
            local_arns.add(base.arn)
            joined.append(replace(base, consumers=tuple(index.get(base.arn, ()))))
        joined.sort(key=lambda v: v.version, reverse=True)
        first = joined[0]
        layers.append(Layer(first.layer_name, first.layer_arn, region, tuple(joined)))
    layers.sort(key=lambda layer: layer.name.lower())
    # Anything listed by functions that is not a version of ours here: another account's layer,
    # or one of ours deleted while functions still point at it.
    external = [
        ExternalLayer(arn, tuple(refs))
        for arn, refs in sorted(index.items())
        if arn not in local_arns
    ]
    return RegionInventory(
        region=region,
        error=None,
        functions_scanned=len({f.arn for f in functions}),
        layers=tuple(layers),
        external_layers=tuple(external),
        functions=tuple(f for f in functions if f.layers),
        scanned_at=clock.now(),
        all_versions=all_versions,
        account=account,
    )


def scan_inventory(
    session: AwsSession,
    regions: Sequence[str] | None = None,
    *,
    latest_only: bool = False,
    progress: ProgressCallback | None = None,
    known_versions: Mapping[str, LayerVersion] | None = None,
) -> Inventory:
    """Scan every region in parallel; raises ``AwsError`` only if the account is unreachable."""
    account = session.account_id()
    names = list(regions) if regions else session.discover_regions()
    report = progress or _no_progress
    for name in names:
        report(ScanProgress(name, "queued"))
    with ThreadPoolExecutor(max(1, len(names)), "scan-region") as pool:
        futures = [
            pool.submit(
                scan_region,
                session,
                name,
                latest_only=latest_only,
                progress=progress,
                known_versions=known_versions,
            )
            for name in names
        ]
        results = tuple(f.result() for f in futures)
    return Inventory(account=account, generated_at=clock.now(), regions=results)


def scan_in_order(
    session: AwsSession,
    regions: Sequence[str],
    *,
    latest_only: bool = False,
    known_versions: Mapping[str, LayerVersion] | None = None,
) -> Iterator[RegionInventory]:
    """``scan_inventory``'s regions, each yielded as soon as it and every one before it are
    done: a caller writes (and caches) the first regions while the others still scan, so
    little is left to do once the last one is in."""
    finished: queue.Queue[RegionInventory] = queue.Queue()

    def report(step: ScanProgress) -> None:
        if step.stage in ("done", "error") and step.result is not None:
            finished.put(step.result)

    arrived: dict[str, RegionInventory] = {}
    with ThreadPoolExecutor(1, "scan-in-order") as pool:
        scan = pool.submit(scan_inventory, session, regions, latest_only=latest_only,
                           progress=report, known_versions=known_versions)
        for name in regions:
            while name not in arrived:
                try:
                    region = finished.get(timeout=0.05)
                except queue.Empty:
                    if scan.done():
                        scan.result()  # raises what stopped it, if anything did
                        # Done without a word on this region: take its result as returned.
                        arrived.update((r.region, r) for r in scan.result().regions)
                    continue
                arrived[region.region] = region
            yield arrived[name]
