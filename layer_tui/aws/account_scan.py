"""Several accounts scanned at once, and merged into one estate.

Each account scans as one account always has (``inventory.scan_inventory``: its regions in
parallel, its own session, its rate limiters per account x region), and the accounts run side
by side: a slow or failing account takes its own time (its own timeouts and retries) and no
one else's. Every request still passes the process-wide cap (``request_cap``).

The merge (``account_merge``, the TUI's too): layers are regional and a function in account B
lists account A's layer version by its ARN, so B's scan has it under ``external_layers``. After
every account is in, each version of A gains as consumers the functions of the other scanned
accounts that list it; B's region keeps it under ``external_layers`` too (from B's side it is
still another account's layer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui import clock
from layer_tui.aws.account_merge import merge_accounts
from layer_tui.aws.account_processes import (
    AccountTicket,
    Outcome,
    process_count,
    scan_in_processes,
    ticket_for,
)
from layer_tui.aws.accounts import AccountSessions
from layer_tui.aws.errors import AwsError, describe
from layer_tui.aws.inventory import ProgressCallback, ScanProgress, scan_inventory
from layer_tui.aws.models import (
    AccountSummary,
    Inventory,
    LayerVersion,
    RegionError,
    RegionInventory,
)
from layer_tui.aws.request_cap import request_cap
from layer_tui.aws.session import AwsSession

#: What the cache knows of an account's regions (``cache.PendingVersions``), by account.
KnownVersions = Callable[[str, Sequence[str]], Mapping[str, LayerVersion]]


def scan_accounts(
    accounts: AccountSessions,
    regions: Sequence[str] | None = None,
    *,
    latest_only: bool = False,
    progress: ProgressCallback | None = None,
    known_versions: KnownVersions | None = None,
    processes: int | None = None,
) -> Inventory:
    """Every account of ``accounts`` scanned in parallel, merged (see the module docstring).

    One account (``accounts.multi_account`` False) is exactly ``scan_inventory``. With several,
    progress steps carry their ``account``; an account that cannot be scanned at all comes
    back as its summary's ``error``, never raised. ``processes``: worker processes to deal
    the accounts to (``account_processes``); None or 1 keeps every account in this process's
    threads (see ``account_processes.process_count`` for why that is the default).
    """
    if not accounts.multi_account:
        home = accounts.home
        known = known_versions(home.account_id(), list(regions or ())) if known_versions else None
        return scan_inventory(home, regions, latest_only=latest_only, progress=progress,
                              known_versions=known)
    reachable = list(accounts)
    workers = process_count(len(reachable), processes)
    if workers > 1:
        outcomes = _scan_in_processes(reachable, regions, latest_only, progress,
                                      known_versions, workers)
    else:
        def scan_one(item: tuple[str, AwsSession]) -> Outcome:
            account, session = item
            return scan_one_account(account, session, regions, latest_only, progress,
                                    known_versions)

        with ThreadPoolExecutor(max(1, len(reachable)), "scan-account") as pool:
            outcomes = dict(zip((a for a, _ in reachable), pool.map(scan_one, reachable),
                                strict=True))
    summaries: list[AccountSummary] = []
    scanned: list[RegionInventory] = []
    for summary in accounts.summaries():
        outcome = outcomes.get(summary.account) if summary.error is None else None
        if isinstance(outcome, RegionError):
            summaries.append(replace(summary, error=outcome))
            continue
        summaries.append(summary)
        scanned.extend(outcome or ())
    return Inventory(
        account=accounts.home.account_id(),
        generated_at=clock.now(),
        regions=merge_accounts(scanned),
        accounts=tuple(summaries),
    )


def _scan_in_processes(
    reachable: Sequence[tuple[str, AwsSession]],
    regions: Sequence[str] | None,
    latest_only: bool,
    progress: ProgressCallback | None,
    known_versions: KnownVersions | None,
    workers: int,
) -> dict[str, Outcome]:
    """The accounts dealt to ``workers`` processes. What the cache knows is read here (a
    worker has no cache), for the regions each account has: discovered here first when no
    region was named, each account in a thread of its own."""

    def ticket(item: tuple[str, AwsSession]) -> AccountTicket | RegionError:
        account, session = item
        try:
            names = list(regions) if regions else session.discover_regions()
            known = known_versions(account, names) if known_versions else None
            return ticket_for(account, session, names, known)
        except (AwsError, BotoCoreError, ClientError, ValueError) as exc:
            failure = describe(exc, f"account {account}")
            return RegionError(failure.code, failure.message)

    with ThreadPoolExecutor(max(1, len(reachable)), "scan-ticket") as pool:
        made = list(pool.map(ticket, reachable))
    outcomes: dict[str, Outcome] = {
        account: item for (account, _), item in zip(reachable, made, strict=True)
        if isinstance(item, RegionError)
    }
    tickets = [item for item in made if isinstance(item, AccountTicket)]
    if tickets:
        outcomes.update(scan_in_processes(
            tickets, processes=workers, latest_only=latest_only, progress=progress,
            request_cap_limit=request_cap().limit,
        ))
    return outcomes


def scan_one_account(
    account: str,
    session: AwsSession,
    regions: Sequence[str] | None,
    latest_only: bool,
    progress: ProgressCallback | None,
    known_versions: KnownVersions | None,
) -> Outcome:
    """One account's regions (a region's failure is its own ``error``), or why the account
    could not be scanned at all; never raised. The same code in this process or a worker."""

    def report(step: ScanProgress) -> None:
        if progress is not None:
            progress(replace(step, account=account))

    try:
        names = list(regions) if regions else session.discover_regions()
        known = known_versions(account, names) if known_versions else None
        inventory = scan_inventory(session, names, latest_only=latest_only, progress=report,
                                   known_versions=known)
    except (AwsError, BotoCoreError, ClientError) as exc:
        failure = describe(exc, f"account {account}")
        return RegionError(failure.code, failure.message)
    # A region is stamped by its scan; one that failed before asking is stamped here.
    return tuple(r if r.account else replace(r, account=account) for r in inventory.regions)
