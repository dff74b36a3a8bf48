"""The scan thread's work with one account (the app's ``_scan_worker``; several accounts:
``account_scanning.AccountScanner``).

Runs in the thread, so it only posts messages: what the cache had first (shown at once),
then each region's progress, then the whole scan; the app's handlers fold them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from layer_tui.ui import messages
from layer_tui.ui.account_scanning import ScanningApp
from layer_tui.ui.sessions import ScanFunction
from layer_tui.ui.state import stamped_inventory, stamped_progress

if TYPE_CHECKING:
    from layer_tui.aws.cache import InventoryCache
    from layer_tui.aws.inventory import ScanProgress
    from layer_tui.aws.session import AwsSession


def scan_one_account(
    app: ScanningApp,
    session: AwsSession,
    scan: ScanFunction,
    cache: InventoryCache | None,
    regions: Sequence[str] | None,
    generation: int,
) -> None:
    from layer_tui.aws.inventory import sized_versions

    account = session.account_id()
    cached = None
    if cache is not None and app.inventory is None:
        cached = cache.load(account, regions)
    # A version's size and hash never change: what the last scan (or the cache) knows
    # saves one GetLayerVersion call per version.
    shown = cached or app.inventory
    known = sized_versions(shown.regions) if shown is not None else {}
    app.post_message(messages.AccountResolved(
        generation, account, session.profile_label, session.endpoint_label, cached
    ))  # fmt: skip

    def report(progress: ScanProgress) -> None:
        # Every tick is posted (a tick replaces the one queued just before it, of the same
        # region): the app holds the counters of a stage on screen and draws them once a
        # beat (state.HeldTicks).
        app.post_message(messages.ScanProgressed(generation, stamped_progress(progress, account)))

    scanned = scan(
        session, list(regions) if regions else None, progress=report, known_versions=known,
        latest_only=app.config.latest_only,
    )
    app.post_message(messages.ScanFinished(generation, stamped_inventory(scanned, account)))
