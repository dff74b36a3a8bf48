"""Several accounts in one estate: each layer version's consumers across the accounts.

Layers are regional and shared by grants: a version published in account A is listed by
functions in accounts B and C of the same region. Each account's scan matches only its own
functions to its own versions (B's scan keeps A's version under ``external_layers``), so the
merge adds, to each version, the functions of the other accounts that list it.

One merge for the CLI (every account at once) and the TUI (a region at a time, as each
arrives): ``AccountMerge`` keeps, per region name, which functions of which account list
which version, so a region arriving costs what its account holds, not what the organization
does. The result depends only on the latest region of each (account, region), never on the
order they came in nor on how often: a version's consumers are its own account's (as its scan
read them) followed by each other account's, by account id, in that account's function order.
A region handed in already merged has its other accounts' consumers rebuilt, not added again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from layer_tui import clock
from layer_tui.aws.models import AccountSummary, FunctionRef, Inventory, Layer, RegionInventory

#: (account, region name).
RegionKey = tuple[str, str]
#: Layer version ARN -> using account -> its functions that list the version.
Users = dict[str, dict[str, tuple[FunctionRef, ...]]]


def _owner(version_arn: str) -> str:
    # arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
    parts = version_arn.split(":", 5)
    return parts[4] if len(parts) > 5 else ""


def _by_version(functions: Iterable[FunctionRef]) -> dict[str, list[FunctionRef]]:
    listed: dict[str, list[FunctionRef]] = {}
    for function in functions:
        for arn in function.layers:
            listed.setdefault(arn, []).append(function)
    return listed


class AccountMerge:
    """The latest region of each (account, region), consumers merged across accounts."""

    def __init__(self, regions: Iterable[RegionInventory] = ()) -> None:
        self._regions: dict[RegionKey, RegionInventory] = {}
        self._users: dict[str, Users] = {}  # by region name
        self.add(regions)

    @property
    def regions(self) -> Mapping[RegionKey, RegionInventory]:
        """Every region merged so far, by (account, region), in the order first added."""
        return self._regions

    def add(self, regions: Iterable[RegionInventory]) -> None:
        """Each of ``regions`` replacing the one of its (account, region), if any.

        What each account's functions list is indexed first; then each region added has its
        versions' consumers rebuilt, and every other region only the versions those functions
        list (or listed): each version once per call, however many accounts list it."""
        arrived: dict[RegionKey, RegionInventory] = {}
        touched: dict[str, set[str]] = {}  # by region name: version ARNs whose users changed
        for region in regions:
            account, name = key = (region.account, region.region)
            users = self._users.setdefault(name, {})
            changed = touched.setdefault(name, set())
            old = arrived.get(key) or self._regions.get(key)
            if old is not None:  # what the account's functions listed before goes first
                for arn in {arn for function in old.functions for arn in function.layers}:
                    if users.get(arn, {}).pop(account, None) is not None:
                        changed.add(arn)
            for arn, functions in _by_version(region.functions).items():
                users.setdefault(arn, {})[account] = tuple(functions)
                changed.add(arn)
            arrived[key] = region
        for (account, name), region in arrived.items():
            self._regions[(account, name)] = _with_users(region, self._users[name], None)
        for name, arns in touched.items():
            for owner in {_owner(arn) for arn in arns}:
                other = self._regions.get((owner, name))
                if other is not None and (owner, name) not in arrived:
                    self._regions[(owner, name)] = _with_users(other, self._users[name], arns)

    def estate(
        self, home: str, summaries: Sequence[AccountSummary], regions: Iterable[RegionInventory]
    ) -> Inventory:
        """``add`` of the ``regions`` read from one of the accounts of ``summaries`` (a region
        stamped with another account is never shown under it, nor its functions counted),
        then every region of those accounts as one inventory: by account as ``summaries``
        lists them, then by name."""
        order = {summary.account: index for index, summary in enumerate(summaries)}
        self.add(r if r.scanned_at else replace(r, scanned_at=clock.now())
                 for r in regions if r.account in order)
        keys = sorted((key for key in self._regions if key[0] in order),
                      key=lambda key: (order[key[0]], key[1]))
        return Inventory(home, clock.now(), tuple(self._regions[key] for key in keys),
                         accounts=tuple(summaries))

def merge_accounts(regions: Sequence[RegionInventory]) -> tuple[RegionInventory, ...]:
    """``regions`` (of several accounts) merged, in the order they come (one per key)."""
    merge = AccountMerge(regions)
    keys = dict.fromkeys((r.account, r.region) for r in regions)
    return tuple(merge.regions[key] for key in keys)


def _with_users(
    region: RegionInventory, users: Users, only: set[str] | None
) -> RegionInventory:
    """``region`` with the consumers of its versions (of ``only``; None: all) rebuilt: its own
    account's as scanned, then every other account's from ``users``."""
    if region.error is not None or not region.layers or not region.account:
        return region  # an unstamped region's consumers cannot be told apart by account
    own = f":{region.account}:function:"
    layers: list[Layer] = []
    changed = False
    for layer in region.layers:
        versions = list(layer.versions)
        for index, version in enumerate(layer.versions):
            if only is not None and version.arn not in only:
                continue
            by_account = users.get(version.arn, {})
            foreign = tuple(
                function
                for using in sorted(by_account)
                if using != region.account
                for function in by_account[using]
            )
            if only is None:  # as it arrived: its own consumers, or merged (own ones first)
                consumers = tuple(c for c in version.consumers if own in c.arn) + foreign
                if consumers == version.consumers:
                    continue
            else:  # merged before, so its own consumers lead
                kept = next((n for n, c in enumerate(version.consumers) if own not in c.arn),
                            len(version.consumers))
                consumers = version.consumers[:kept] + foreign
            versions[index] = replace(version, consumers=consumers)
        if any(a is not b for a, b in zip(versions, layer.versions, strict=True)):
            layer = replace(layer, versions=tuple(versions))
            changed = True
        layers.append(layer)
    return replace(region, layers=tuple(layers)) if changed else region


__all__ = ["AccountMerge", "RegionKey", "merge_accounts"]
