"""Several accounts in one inventory: regions merged by (account, region), consumers across them.

Layers are regional and shared by grants: a version published in account A is used by
functions in accounts B and C of the same region. Each account's scan only matches its own
functions to its own versions, so as the regions of one name come in, the app adds every other
scanned account's functions that list a version to that version's consumers. Each arrival
replaces what its account contributed (a consumer of another account is dropped when that
account's region is rescanned without it), so rescanning any one account is safe, and costs
what that account holds, not what the whole organization does.
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


def _users(functions: Iterable[FunctionRef], owner: str) -> dict[str, list[FunctionRef]]:
    """Layer version ARN of ``owner`` -> the functions among ``functions`` that list it.

    ARNs are told apart by a substring (``:ACCOUNT:layer:``), not parsed: this runs for every
    layer reference of a region that arrives, tens of thousands with dozens of accounts."""
    users: dict[str, list[FunctionRef]] = defaultdict(list)
    marker = f":{owner}:layer:"
    for function in functions:
        for arn in function.layers:
            if marker in arn:
                users[arn].append(function)
    return users


def _with_consumers(
    scanned: RegionInventory, dropped: str | None, added: dict[str, list[FunctionRef]]
) -> RegionInventory:
    """``scanned`` with each version's consumers less those of account ``dropped`` (None:
    none dropped), then ``added``'s."""
    marker = f":{dropped}:function:" if dropped else None
    if scanned.error is not None or not scanned.layers:
        return scanned
    layers: list[Layer] = []
    for layer in scanned.layers:
        versions = []
        for version in layer.versions:
            kept = version.consumers if marker is None else tuple(
                c for c in version.consumers if marker not in c.arn)
            more = added.get(version.arn, ())
            if len(kept) != len(version.consumers) or more:
                version = replace(version, consumers=kept + tuple(more))
            versions.append(version)
        changed = any(a is not b for a, b in zip(versions, layer.versions, strict=True))
        layers.append(replace(layer, versions=tuple(versions)) if changed else layer)
    if all(a is b for a, b in zip(layers, scanned.layers, strict=True)):
        return scanned
    return replace(scanned, layers=tuple(layers))


def _arrived(
    by_key: dict[tuple[str, str], RegionInventory], region: RegionInventory
) -> None:
    """``region`` (as its account's scan read it: its own consumers only) in ``by_key``, and
    the consumers across accounts of its name brought up to date, in place.

    Its own versions gain the other accounts' functions that list them; every other account's
    versions of the region lose this account's functions and gain them as they are now. Only
    what this account touches is walked, not every function of every account again.
    """
    account, name = region.account, region.region
    others = [r for key, r in by_key.items() if key[1] == name and key[0] != account]
    if region.layers:
        foreign = _users((f for other in others for f in other.functions), account)
        region = _with_consumers(region, None, foreign)
    by_key[(account, name)] = region
    for other in others:
        if other.layers:
            mine = _users(region.functions, other.account)
            by_key[(other.account, name)] = _with_consumers(other, account, mine)


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
    for region in fresh:
        if region.scanned_at is None:
            region = replace(region, scanned_at=clock.now())
        _arrived(by_key, region)
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
