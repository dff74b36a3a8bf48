"""``inventory --index config:NAME``: each region's consumers completed from the Config index.

The questions (one per account and region that publishes layers) are asked side by side with
the scan, since they need nothing from it; each region is completed when both are in. The
aggregator is checked once, first: one that does not exist (or cannot be read) is one warning
line saying what to do, and the inventory is the scan's alone, every account still shown (the
index only ever adds to it). A region the aggregator lacks, or a question that fails, is one
warning line and that region keeps the scan's consumers alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from layer_tui.aws.config_index import ConfigIndex, IndexAnswer
from layer_tui.aws.errors import AwsError
from layer_tui.aws.index_consumers import index_only, with_index
from layer_tui.aws.models import Inventory, RegionInventory
from layer_tui.aws.session import AwsSession

#: Questions asked at once: they share the aggregator region's limiter anyway.
_WORKERS = 4


class InventoryIndex:
    """The Config index's answers for an inventory's regions, asked early, merged late."""

    def __init__(self, session: AwsSession, option: str) -> None:
        self.index = ConfigIndex.from_option(session, option)
        #: Why the index cannot answer at all (no such aggregator, no access): then nothing is
        #: asked and the inventory is the scan's.
        self.unusable: str | None = None
        try:
            self.index.aggregator()
        except AwsError as exc:
            self.unusable = str(exc)
        self._pool = ThreadPoolExecutor(_WORKERS, "config-index")
        self._asked: dict[tuple[str, str], Future[IndexAnswer]] = {}
        self.answers: list[IndexAnswer] = []
        self.problems: list[str] = []
        self.added = 0

    def ask(self, account: str, regions: Iterable[str]) -> None:
        if self.unusable is not None:
            return
        for region in regions:
            if (account, region) not in self._asked:
                self._asked[account, region] = self._pool.submit(
                    self.index.consumers_of_account_layers, region, account
                )

    def complete(
        self, region: RegionInventory, owner: str, scanned_accounts: Iterable[str] = ()
    ) -> RegionInventory:
        if region.error is not None or not region.layers or self.unusable is not None:
            return region
        self.ask(owner, [region.region])
        try:
            answer = self._asked[owner, region.region].result()
        except AwsError as exc:
            self.problems.append(f"{region.region}: {exc}")
            return region
        self.answers.append(answer)
        completed = with_index(region, answer, scanned_accounts)
        self.added += sum(len(index_only(v.consumers)) for layer in completed.layers
                          for v in layer.versions)
        return completed

    def regions(
        self, regions: Iterable[RegionInventory], owner: str, scanned_accounts: Iterable[str] = ()
    ) -> Iterator[RegionInventory]:
        for region in regions:
            yield self.complete(region, owner, scanned_accounts)

    def inventory(self, inventory: Inventory) -> Inventory:
        """Several accounts: every region completed, functions of scanned accounts the scan's."""
        from dataclasses import replace

        scanned = [s.account for s in inventory.accounts if s.error is None] or [inventory.account]
        regions = tuple(
            self.complete(r, r.account or inventory.account, scanned) for r in inventory.regions
        )
        return replace(inventory, regions=regions)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def lines(self) -> list[str]:
        """What stderr says: where the index could not answer, and what it added."""
        if self.unusable is not None:
            return [f"warning: {self.unusable}; the inventory below is the scan's alone"]
        said = [f"warning: the AWS Config index did not answer for {problem}; that region's "
                "consumers are the scan's alone" for problem in self.problems]
        if self.answers:
            oldest = min(self.answers, key=lambda a: a.as_of)
            noun = "consumer" if self.added == 1 else "consumers"
            said.append(f"{self.added} {noun} in accounts not scanned added "
                        f"{oldest.source} (aggregator {self.index.name!r}); a change re-checks "
                        "them live")
        return said


def index_for(session: AwsSession, config: Any) -> InventoryIndex | None:
    option = getattr(config, "index", None)
    return InventoryIndex(session, option) if option else None
