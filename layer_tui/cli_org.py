"""``inventory`` over several accounts (``--org``, several ``--profile``): scan, cache, write.

The accounts scan side by side (``account_scan``); each region is cached under its own account
as soon as it is in. The output waits for every account: a version's consumers may be in the
last account to answer. The JSON is still written region by region as it is encoded, never
held whole.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from layer_tui.safe_text import visible_line

EXIT_OK, EXIT_FAILURE = 0, 1


def accounts_inventory(args: argparse.Namespace, config: Any) -> int:
    from layer_tui import clock
    from layer_tui.aws.account_scan import scan_accounts
    from layer_tui.aws.accounts import resolve_accounts
    from layer_tui.aws.cache import CacheWriteError, InventoryCache, PendingVersions
    from layer_tui.aws.inventory import ScanProgress
    from layer_tui.aws.models import LayerVersion
    from layer_tui.cli_index import index_for
    from layer_tui.cli_output import inventory_table, write_accounts_json

    started = clock.now()
    sessions = resolve_accounts(config)
    # No cache in --demo: the sandbox is new every run, so its snapshots would only pile up.
    cache = None if config.demo else InventoryCache(endpoint_url=sessions.home.endpoint_label)
    cache_failure: list[CacheWriteError] = []
    saving = threading.Lock()

    def known(account: str, regions: Sequence[str]) -> Mapping[str, LayerVersion]:
        assert cache is not None
        return PendingVersions(cache, account, list(regions))

    def progress(step: ScanProgress) -> None:
        # Each region is cached under its own account while the others still scan; the
        # regions as scanned, before the merge adds other accounts' consumers.
        if cache is None or step.stage != "done" or step.result is None:
            return
        with saving:
            if cache_failure:
                return
            try:
                cache.save_region(step.account or step.result.account, step.result)
            except CacheWriteError as exc:
                cache_failure.append(exc)

    index = index_for(sessions.home, config)
    inventory = scan_accounts(
        sessions, config.regions or None, latest_only=config.latest_only, progress=progress,
        known_versions=known if cache is not None else None,
    )
    if index is not None:  # after the merge: it adds only what no scanned account showed
        inventory = index.inventory(inventory)
    if args.json:
        # generated_at is when the scan started, as with one account.
        write_accounts_json(replace(inventory, generated_at=started), sys.stdout)
    else:
        sys.stdout.write(inventory_table(inventory))
    for exc in cache_failure:
        print(f"layer-tui: warning: {visible_line(str(exc))}", file=sys.stderr)
    if index is not None:
        index.close()
        for line in index.lines():
            print(f"layer-tui: {visible_line(line)}", file=sys.stderr)
    if sessions.problem is not None:
        print(f"layer-tui: {visible_line(sessions.problem.message)}", file=sys.stderr)
    for summary in inventory.accounts:
        if summary.error is not None:
            print(f"layer-tui: {visible_line(summary.error.message)}", file=sys.stderr)
    failed = [r for r in inventory.regions if r.error]
    for region in failed:
        assert region.error is not None
        where = f"{inventory.account_name(region.account)} {region.region}"
        print(f"layer-tui: {visible_line(f'{where}: {region.error.message}')}", file=sys.stderr)
    read = [r for r in inventory.regions if not r.error]
    return EXIT_OK if read else EXIT_FAILURE
