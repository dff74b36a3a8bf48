"""An inventory's consumers completed from the Config index: the functions a scan cannot see.

A scan sees the functions of the accounts it reads; a Config aggregator sees every account of
the organization, minutes or hours late. Here each region's versions gain the functions the
index knows and the scan does not (other accounts', mostly), each marked as the index's and
when Config saw it, so neither a person nor a script takes them for a live reading. What the
scan read is never replaced: where both know a function, the scan's reading stands.

These consumers are for showing only: a delete or a repin reads its own consumers live
(``delete_check``), in the owning accounts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from layer_tui.aws.config_index import ConfigIndex, IndexAnswer
from layer_tui.aws.models import FunctionRef, Layer, LayerVersion, RegionInventory, iso_utc

SOURCE = "AWS Config"


@dataclass(frozen=True)
class IndexedConsumer(FunctionRef):
    """A consumer known from the Config index only, with when Config saw it."""

    as_of: str = ""
    aggregator: str = ""

    @property
    def seen(self) -> str:
        """``from AWS Config, as of 2026-11-20 09:00 UTC``: shown beside its name, so it is
        never taken for a live reading."""
        when = self.as_of.replace("T", " ").removesuffix("Z")[:16]
        return f"from {SOURCE}, as of {when} UTC"

    def to_json(self) -> dict[str, Any]:
        shape = super().to_json()
        shape["from"] = SOURCE
        shape["as_of"] = self.as_of
        return shape


def indexed(function: FunctionRef, answer: IndexAnswer) -> IndexedConsumer:
    fields = {name: getattr(function, name) for name in FunctionRef.__dataclass_fields__}
    return IndexedConsumer(**fields, as_of=iso_utc(answer.as_of), aggregator=answer.aggregator)


def source_line(answer: IndexAnswer) -> str:
    """``from AWS Config, as of 2026-11-20 09:00 UTC``."""
    return answer.source


def region_answer(index: ConfigIndex, region: RegionInventory, owner: str) -> IndexAnswer:
    """What the index knows of the consumers of ``owner``'s layers in ``region``: one paged
    question for the whole region."""
    return index.consumers_of_account_layers(region.region, owner)


def with_index(
    region: RegionInventory, answer: IndexAnswer, scanned_accounts: Iterable[str] = ()
) -> RegionInventory:
    """``region`` with every version's consumers completed from ``answer``.

    Functions of ``scanned_accounts`` (and of the region's own account) come from the scan
    alone: it read them now, so Config's older recording of them — a function since moved to
    another version, or deleted — is dropped rather than shown as a consumer.
    """
    if region.error is not None or not answer.consumers:
        return region
    live = {*scanned_accounts, region.account} - {""}
    by_version: dict[str, list[FunctionRef]] = defaultdict(list)
    for function in answer.consumers:
        if function.account in live:
            continue
        for arn in dict.fromkeys(function.layers):
            by_version[arn].append(function)
    layers = tuple(_layer_with(layer, by_version, answer) for layer in region.layers)
    return replace(region, layers=layers)


def version_with_index(
    version: LayerVersion, answer: IndexAnswer, scanned_accounts: Iterable[str] = ()
) -> LayerVersion:
    """One version's consumers completed from ``answer`` (a question about this version)."""
    live = set(scanned_accounts) - {""}
    known = [f for f in answer.consumers if f.account not in live and version.arn in f.layers]
    if not known:
        return version
    seen = {function.qualified_arn for function in version.consumers}
    added = [indexed(f, answer) for f in known if f.qualified_arn not in seen]
    return replace(version, consumers=(*version.consumers, *added)) if added else version


def _layer_with(
    layer: Layer, by_version: dict[str, list[FunctionRef]], answer: IndexAnswer
) -> Layer:
    versions = []
    for version in layer.versions:
        known = by_version.get(version.arn)
        if not known:
            versions.append(version)
            continue
        seen = {function.qualified_arn for function in version.consumers}
        added = [indexed(f, answer) for f in known if f.qualified_arn not in seen]
        versions.append(replace(version, consumers=(*version.consumers, *added)))
    return replace(layer, versions=tuple(versions))


def index_only(consumers: Iterable[FunctionRef]) -> list[IndexedConsumer]:
    return [function for function in consumers if isinstance(function, IndexedConsumer)]
