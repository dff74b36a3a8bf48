"""``inventory`` of one account: look up, scan, cache and write, region by region.

The account and region look-ups go out first and the rest of the command is made ready while
they are out; each region is cached and written as soon as it and those before it are in. The
JSON streams one version a line (``cli_output``); several accounts are ``cli_org``'s.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from layer_tui.safe_text import visible_line

EXIT_OK, EXIT_FAILURE = 0, 1


def account_inventory(args: argparse.Namespace, config: Any) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from layer_tui.aws.session import AwsSession

    session = AwsSession(config)
    # The credentials once, before three threads each make a client (each would resolve
    # them again: a credential_process or the instance metadata asked three times).
    session.load_credentials()
    # Two round trips that need nothing of each other, the account (STS) and the regions, go
    # first; what the listing needs next is made ready while they are out: the rest of the
    # command's modules, and Lambda's model (the first Lambda client parses it, 50 ms).
    with ThreadPoolExecutor(2, "identity") as pool:
        identity = pool.submit(session.account_id)
        discovered = pool.submit(session.discover_regions)
        from layer_tui import clock
        from layer_tui.aws.cache import CacheWriteError, InventoryCache, PendingVersions
        from layer_tui.aws.inventory import scan_in_order
        from layer_tui.aws.models import Inventory, RegionInventory
        from layer_tui.cli_index import index_for
        from layer_tui.cli_output import inventory_table, write_inventory_json

        session.load_models("lambda")
        account = identity.result()
        regions = discovered.result()
    # No cache in --demo: the sandbox is new every run, so its snapshots would only pile up.
    cache = None if config.demo else InventoryCache(endpoint_url=session.endpoint_label)
    # What the cache knows is read while the listing runs (the scan needs it only after).
    known = PendingVersions(cache, account, regions) if cache else {}
    started = clock.now()
    cache_failure: list[CacheWriteError] = []

    done: list[RegionInventory] = []

    def taken(region: RegionInventory) -> RegionInventory:
        # Each region is cached (and, with --json, written) while later ones still scan.
        done.append(region)
        if cache is not None and not cache_failure:
            try:
                cache.save_region(account, region)
            except CacheWriteError as exc:
                cache_failure.append(exc)
        return region

    # Asked before the scan and beside it (cli_index); a missing aggregator is one warning.
    index = index_for(session, config)
    if index is not None:
        index.ask(account, regions)
    scanned: Iterator[RegionInventory] = (
        taken(r) for r in scan_in_order(session, regions, known_versions=known,
                                        latest_only=config.latest_only)
    )
    if index is not None:
        scanned = index.regions(scanned, account)
    if args.json:
        # generated_at is when the scan started: the JSON begins before it ends.
        write_inventory_json(account, started, scanned, sys.stdout)
        inventory = Inventory(account, started, tuple(done))
    else:
        inventory = Inventory(account, clock.now(), tuple(scanned))
        sys.stdout.write(inventory_table(inventory))
    for exc in cache_failure:
        # The cache only saves time on the next scan: the inventory above is complete.
        print(f"layer-tui: warning: {visible_line(str(exc))}", file=sys.stderr)
    if index is not None:
        index.close()
        for line in index.lines():
            print(f"layer-tui: {visible_line(line)}", file=sys.stderr)
    failed = [r for r in inventory.regions if r.error]
    for region in failed:
        assert region.error is not None
        print(f"layer-tui: {visible_line(f'{region.region}: {region.error.message}')}",
              file=sys.stderr)
    return EXIT_FAILURE if failed and len(failed) == len(inventory.regions) else EXIT_OK
