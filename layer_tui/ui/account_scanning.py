"""Scanning several accounts at once (``--org``, several ``--profile``): a mixin of the App.

The accounts are resolved in the scan thread (listing the organization and assuming a role
in each takes a while; the first screen is painted meanwhile). Each reachable account is then
scanned in a thread of its own with its own session, and reports its regions keyed by
(account, region): an account that cannot be reached is one ``AccountScan`` with its reason,
one that fails while scanning becomes one too, and neither holds the others up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual.message import Message

from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.models import AccountSummary, Inventory, RegionError, RegionInventory
from layer_tui.ui.account_merge import merge_account_regions
from layer_tui.ui.messages import ScanProgressed
from layer_tui.ui.state import (
    AccountScan,
    ProgressGate,
    RegionScan,
    ScanKey,
    data_as_of,
    merge_regions,
    stamped_inventory,
    stamped_progress,
)
from layer_tui.ui.widgets import HeaderInfo
from layer_tui.ui.workers import in_thread

if TYPE_CHECKING:
    from layer_tui.aws.accounts import AccountSessions
    from layer_tui.aws.session import SessionConfig

#: Accounts scanned at the same time. Each scans its regions in parallel and the sessions'
#: global cap bounds the calls in flight; this bounds the threads (and what a slow account
#: can hold up: at most one slot, for as long as its own timeouts allow).
ACCOUNTS_IN_FLIGHT = 8


def several_accounts(config: SessionConfig) -> bool:
    """Whether the user asked for several accounts (``--org``, more than one ``--profile``)."""
    return bool(getattr(config, "org", False)) or len(getattr(config, "profiles", ())) > 1


def default_accounts_factory(config: SessionConfig) -> AccountSessions:
    from layer_tui.aws.accounts import resolve_accounts

    return resolve_accounts(config)


def demo_accounts_factory(demo: Any) -> Callable[[SessionConfig], AccountSessions]:
    """The demo organization's accounts, on the demo sandbox (started by the first call)."""

    def factory(chosen: SessionConfig) -> AccountSessions:
        if chosen.demo:
            chosen = replace(chosen, endpoint_url=demo.endpoint_url())
        return default_accounts_factory(chosen)

    return factory


@dataclass
class AccountsResolved(Message):
    """The accounts are known: who they are, which could not be reached, what the cache had."""

    generation: int
    summaries: tuple[AccountSummary, ...]
    home: str
    profile: str
    endpoint: str | None
    cached: tuple[RegionInventory, ...]
    #: Why the organization itself could not be listed (the caller's account is then shown
    #: alone), in one line.
    problem: str | None = None


@dataclass
class AccountScanned(Message):
    """One account's scan returned (``inventory``) or stopped whole (``error``)."""

    generation: int
    account: str
    inventory: Inventory | None
    error: RegionError | None = None


class AccountScanning:
    """Mixin for ``LayerTuiApp``: the scan thread's work and the handlers for several accounts."""

    # Provided by the App this is mixed into.
    config: Any
    inventory: Any
    scan_states: Any
    account_scans: Any
    post_message: Any
    _cache: Any
    _scan: Any
    _generations: Any
    _account: str | None
    _profile: str | None
    _endpoint: str | None
    _accounts_factory: Callable[[Any], Any]
    _accounts: AccountSessions | None
    _accounts_lock: threading.Lock
    #: What the last resolution said of the organization itself (said once, not each scan).
    _accounts_problem: str | None = None
    _ensure_session: Callable[[], Any]
    settle_interrupted_work: Callable[[], object]
    _update_header: Callable[[], None]
    call_from_thread: Any
    notify: Any

    @property
    def several_accounts(self) -> bool:
        return several_accounts(self.config)

    @property
    def account_sessions(self) -> AccountSessions | None:
        """Every scanned account's session (None with one account, or until resolved)."""
        return self._accounts

    def _ensure_accounts(self) -> AccountSessions:
        with self._accounts_lock:
            if self._accounts is None:
                self._accounts = self._accounts_factory(self.config)
            return self._accounts

    def session_for(self, account: str) -> Any:
        """The session that reads ``account`` (its own with several accounts; else the one)."""
        accounts = self._accounts
        if accounts is not None and account and (found := accounts.get(account)) is not None:
            return found
        return self._ensure_session()

    def _scan_scope(self, regions: Sequence[str] | None) -> tuple[ScanKey, ...]:
        """The (account, region) keys a scan of ``regions`` covers; None: every key known.

        With several accounts a region is scanned in every account that could be reached
        (layers are regional and shared across the accounts of a region), and a scan of every
        region resolves the accounts again (a role fixed meanwhile is picked up).
        """
        if not regions:
            if self.several_accounts:
                with self._accounts_lock:
                    self._accounts = None
            return tuple(self.scan_states)
        if not self.several_accounts:
            return tuple(("", region) for region in regions)
        reachable = [a for a, scan in self.account_scans.items() if not scan.failed]
        return tuple((account, region) for account in reachable for region in regions)

    def _merge(self, regions: Iterable[RegionInventory]) -> None:
        if not self.several_accounts:
            self.inventory = merge_regions(self.inventory, self._account, regions)
            return
        summaries = tuple(scan.summary for scan in self.account_scans.values())
        merged = merge_account_regions(self.inventory, self._account or "", summaries, regions)
        if merged is not None and merged.accounts != summaries:  # an account failed since
            merged = replace(merged, accounts=summaries)
        self.inventory = merged

    @in_thread("cache")
    def _save_regions(self, account: str, regions: Sequence[RegionInventory]) -> None:
        """Each account's regions in that account's own folder of the cache."""
        from layer_tui.aws.cache import CacheWriteError

        try:
            for region in regions:
                self._cache.save_region(account, region)
        except CacheWriteError as exc:  # the cache only saves time on the next start
            self.call_from_thread(
                self.notify, str(exc), title="Cache", severity="warning", timeout=12
            )

    # -- in the scan thread -----------------------------------------------------------------

    def _scan_accounts(self, regions: tuple[str, ...] | None, generation: int) -> None:
        from layer_tui.aws.inventory import sized_versions

        accounts = self._ensure_accounts()
        summaries = tuple(accounts.summaries())
        reachable = [(a, s) for a, s in accounts if _summary(summaries, a).error is None]
        home = accounts.home
        try:
            home_account = home.account_id()
        except Exception:  # the caller's own account may be excluded or unreachable
            home_account = reachable[0][0] if reachable else ""
        cached: list[RegionInventory] = []
        if self._cache is not None and self.inventory is None:
            for account, _ in reachable:
                loaded = self._cache.load(account, regions)
                cached += loaded.regions if loaded is not None else ()
        shown = self.inventory.regions if self.inventory is not None else cached
        known = sized_versions(shown)
        self.post_message(AccountsResolved(
            generation, summaries, home_account, home.profile_label, home.endpoint_label,
            tuple(cached), problem.message if (problem := accounts.problem) else None,
        ))  # fmt: skip
        if not reachable:
            return
        with ThreadPoolExecutor(min(ACCOUNTS_IN_FLIGHT, len(reachable)), "scan-account") as pool:
            for account, session in reachable:
                pool.submit(self._scan_account, account, session, regions, generation, known)

    def _scan_account(
        self, account: str, session: Any, regions: Sequence[str] | None, generation: int,
        known: dict[str, Any],
    ) -> None:
        gate = ProgressGate()

        def report(progress: Any) -> None:
            if gate.passes(progress.region, progress.stage, progress.result is not None):
                self.post_message(ScanProgressed(
                    generation, stamped_progress(progress, account), account
                ))  # fmt: skip

        try:
            scanned = self._scan(
                session, list(regions) if regions else None, progress=report,
                known_versions=known, latest_only=self.config.latest_only,
            )  # fmt: skip
        except Exception as exc:  # one account's failure is its row, never the others'
            error = RegionError(error_code(exc) or type(exc).__name__, str(describe(exc)))
            self.post_message(AccountScanned(generation, account, None, error))
            return
        self.post_message(AccountScanned(generation, account, stamped_inventory(scanned, account)))

    # -- on the UI thread -------------------------------------------------------------------

    def on_accounts_resolved(self, message: AccountsResolved) -> None:
        if not self._generations.current(message.generation):
            return
        if message.home != self._account:
            self.settle_interrupted_work()
        if message.problem and message.problem != self._accounts_problem:
            self.notify(message.problem, title="Organization", severity="warning", timeout=20)
        self._accounts_problem = message.problem
        self._account, self._profile, self._endpoint = (
            message.home, message.profile, message.endpoint
        )
        # A profile that could not be read has no account id: it is keyed by its source
        # ("profile NAME"), so two such never collide, nor pass for the one account ("").
        self.account_scans = {
            summary.account or summary.source or summary.name:
                AccountScan(summary, "error" if summary.error else "scanning")
            for summary in message.summaries
        }
        if message.cached and self.inventory is None:
            states = dict(self.scan_states)
            for region in message.cached:
                states.setdefault((region.account, region.region),
                                  RegionScan(region.region, account=region.account))
            self.scan_states = states
            self._merge(message.cached)
        self._update_header()

    def on_account_scanned(self, message: AccountScanned) -> None:
        if not self._generations.current(message.generation):
            return
        scans = dict(self.account_scans)
        current = scans.get(message.account)
        summary = current.summary if current else AccountSummary(message.account)
        states = dict(self.scan_states)
        if message.error is not None or message.inventory is None:
            scans[message.account] = AccountScan(replace(summary, error=message.error), "error")
            for key, state in states.items():
                if key[0] == message.account and state.running:
                    states[key] = replace(state, stage="error")
            self.account_scans = scans
            self.scan_states = states
            self._merge(())
            self._update_header()
            return
        fresh = [
            r for r in message.inventory.regions
            if self._generations.accept(message.generation, (message.account, r.region))
        ]
        for region in fresh:
            states[(message.account, region.region)] = RegionScan(
                region.region, "error" if region.error else "done", account=message.account
            )
        scans[message.account] = AccountScan(summary, "done")
        self.account_scans = scans
        self.scan_states = states
        self._merge(fresh)
        self._update_header()
        if fresh and self._cache is not None:
            self._save_regions(message.account, fresh)


def _summary(summaries: Sequence[AccountSummary], account: str) -> AccountSummary:
    return next((s for s in summaries if s.account == account), AccountSummary(account))


def header_info(app: Any, endpoint: str | None) -> HeaderInfo:
    """What the header says: whose account (or how many, and how many failed), how fresh,
    how far the scan is (regions with one account; accounts with several)."""
    states = app.scan_states.values()
    running = [s for s in states if s.running]
    scanning = (len(states) - len(running), len(states)) if running else None
    accounts = app.account_scans.values()
    if app.several_accounts and accounts:
        busy = {key[0] for key, state in app.scan_states.items() if state.running}
        pending = [a for a in accounts if a.running or a.summary.account in busy]
        scanning = (len(accounts) - len(pending), len(accounts)) if pending else None
    return HeaderInfo(
        account=app._account,
        profile=app.profile_label,
        endpoint=endpoint,
        read_only=app.read_only,
        data_as_of=data_as_of(app.inventory),
        scanning=scanning,
        accounts=len(accounts) if app.several_accounts else 0,
        failed_accounts=sum(1 for a in accounts if a.failed),
    )
