"""Several accounts in one inventory: regions merged by (account, region), consumers across them.

Layers are regional and shared by grants: a version published in account A is used by
functions in accounts B and C of the same region. Each account's scan only matches its own
functions to its own versions, so once the regions of one name are in, the app adds every
other scanned account's functions that list a version to that version's consumers. The merge
is recomputed from the regions as they are now (a consumer of another account is dropped when
that account's region is rescanned without it), so rescanning any one account is safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from layer_tui import clock
from layer_tui.aws.models import (
    AccountSummary,
    FunctionRef,
    Inventory,
    Layer,
    RegionInventory,
)


def _arn_account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""


def consumers_across_accounts(regions: Sequence[RegionInventory]) -> list[RegionInventory]:
    """Every account's region of one name, each version's consumers completed with the
    functions of the other accounts among ``regions`` that list it (own ones first)."""
    owners = {r.account for r in regions}
    foreign: dict[str, list[FunctionRef]] = defaultdict(list)
    for scanned in regions:
        for function in scanned.functions:
            for arn in function.layers:
                owner = _arn_account(arn)
                if owner != scanned.account and owner in owners:
                    foreign[arn].append(function)
    return [_with_foreign(scanned, foreign) for scanned in regions]


def _with_foreign(
    scanned: RegionInventory, foreign: dict[str, list[FunctionRef]]
) -> RegionInventory:
    if scanned.error is not None or not scanned.layers:
        return scanned
    layers: list[Layer] = []
    for layer in scanned.layers:
        versions = []
        for version in layer.versions:
            own = tuple(c for c in version.consumers if c.account in ("", scanned.account))
            consumers = own + tuple(foreign.get(version.arn, ()))
            if consumers != version.consumers:
                version = replace(version, consumers=consumers)
            versions.append(version)
        changed = any(a is not b for a, b in zip(versions, layer.versions, strict=True))
        layers.append(replace(layer, versions=tuple(versions)) if changed else layer)
    if all(a is b for a, b in zip(layers, scanned.layers, strict=True)):
        return scanned
    return replace(scanned, layers=tuple(layers))


def merge_account_regions(
    current: Inventory | None,
    home: str,
    summaries: Sequence[AccountSummary],
    regions: Iterable[RegionInventory],
) -> Inventory | None:
    """``current`` with ``regions`` replacing those of the same (account, region).

    Only regions read from one of the accounts being scanned are taken (a region stamped with
    another account is never shown under it); the regions of each name touched get their
    consumers across accounts again. Regions are ordered by account (as ``summaries`` lists
    them), then by name.
    """
    order = {summary.account: index for index, summary in enumerate(summaries)}
    fresh = [r for r in regions if r.account in order]
    if not fresh:
        return current
    by_key = {(r.account, r.region): r for r in current.regions} if current else {}
    touched = set()
    for region in fresh:
        if region.scanned_at is None:
            region = replace(region, scanned_at=clock.now())
        by_key[(region.account, region.region)] = region
        touched.add(region.region)
    for name in touched:
        same = [by_key[key] for key in by_key if key[1] == name]
        for merged in consumers_across_accounts(same):
            by_key[(merged.account, name)] = merged
    keys = sorted(by_key, key=lambda key: (order.get(key[0], len(order)), key[1]))
    return Inventory(
        home, clock.now(), tuple(by_key[key] for key in keys), accounts=tuple(summaries)
    )


def account_label(inventory: Inventory | None, account: str) -> str:
    """How a screen names an account: its name when the organization (or profile) gave one,
    else its id."""
    if not account:
        return ""
    return inventory.account_name(account) if inventory is not None else account
