"""Scanning several accounts at once (``--org``, several ``--profile``): a component of the App.

The accounts are resolved in the scan thread (listing the organization and assuming a role
in each takes a while; the first screen is painted meanwhile). Each reachable account is then
scanned in a thread of its own with its own session, and reports its regions keyed by
(account, region): an account that cannot be reached is one ``AccountScan`` with its reason,
one that fails while scanning becomes one too, and neither holds the others up.

``AccountScanner`` is an object the app owns; it reaches the app only through
``ScanningApp``, a Protocol mypy checks ``LayerTuiApp`` against.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message

from layer_tui.aws.account_merge import AccountMerge
from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.models import (
    AccountSummary,
    Inventory,
    LayerVersion,
    RegionError,
    RegionInventory,
)
from layer_tui.ui.messages import ScanProgressed
from layer_tui.ui.sessions import ScanFunction
from layer_tui.ui.state import (
    AccountScan,
    RegionScan,
    ScanGenerations,
    ScanKey,
    data_as_of,
    merge_regions,
    stamped_inventory,
    stamped_progress,
)
from layer_tui.ui.widgets import HeaderInfo

if TYPE_CHECKING:
    from layer_tui.aws.accounts import AccountSessions
    from layer_tui.aws.cache import InventoryCache
    from layer_tui.aws.inventory import ScanProgress
    from layer_tui.aws.session import AwsSession, SessionConfig

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


class DemoEndpoint(Protocol):
    def endpoint_url(self) -> str:
        """The demo sandbox's address (starting it on the first call)."""


def demo_accounts_factory(demo: DemoEndpoint) -> Callable[[SessionConfig], AccountSessions]:
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


class ScanningApp(Protocol):
    """What ``AccountScanner`` needs of the app that owns it (``LayerTuiApp``)."""

    @property
    def config(self) -> SessionConfig: ...

    inventory: Inventory | None
    scan_states: dict[ScanKey, RegionScan]
    account_scans: dict[str, AccountScan]

    def post_message(self, message: Message) -> bool: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...

    def identify(self, account: str, profile: str, endpoint: str | None) -> None:
        """Whose account is browsed (the home account with several), as the scan learnt."""

    def settle_interrupted_work(self) -> object: ...

    def update_header(self) -> None: ...

    def save_regions(self, account: str, regions: Sequence[RegionInventory]) -> object:
        """Each region in ``account``'s folder of the cache, in the background."""


class AccountScanner:
    """The app's scanning of several accounts: the scan thread's work and what the app's
    handlers of ``AccountsResolved`` and ``AccountScanned`` do. One per app, made with it."""

    def __init__(
        self,
        app: ScanningApp,
        *,
        scan: ScanFunction,
        cache: InventoryCache | None,
        generations: ScanGenerations,
        accounts_factory: Callable[[SessionConfig], AccountSessions],
    ) -> None:
        self._app = app
        self._scan = scan
        self._cache = cache
        self._generations = generations
        self._accounts_factory = accounts_factory
        self._accounts: AccountSessions | None = None
        self._accounts_lock = threading.Lock()
        #: What the last resolution said of the organization itself (said once, not each scan).
        self._accounts_problem: str | None = None
        self._merge = AccountMerge()

    @property
    def several_accounts(self) -> bool:
        return several_accounts(self._app.config)

    @property
    def sessions(self) -> AccountSessions | None:
        """Every scanned account's session (None with one account, or until resolved)."""
        return self._accounts

    def ensure_accounts(self) -> AccountSessions:
        with self._accounts_lock:
            if self._accounts is None:
                self._accounts = self._accounts_factory(self._app.config)
            return self._accounts

    def forget_accounts(self) -> None:
        """Resolve the accounts again on the next scan (a role fixed meanwhile is picked up)."""
        with self._accounts_lock:
            self._accounts = None

    def session_of(self, account: str) -> AwsSession | None:
        """``account``'s own session, if it is one of the accounts scanned."""
        accounts = self._accounts
        return accounts.get(account) if accounts is not None and account else None

    def scope(self, regions: Sequence[str] | None) -> tuple[ScanKey, ...]:
        """The (account, region) keys a scan of ``regions`` covers; None: every key known.

        With several accounts a region is scanned in every account that could be reached
        (layers are regional and shared across the accounts of a region), and a scan of every
        region resolves the accounts again.
        """
        app = self._app
        if not regions:
            if self.several_accounts:
                self.forget_accounts()
            return tuple(app.scan_states)
        if not self.several_accounts:
            return tuple(("", region) for region in regions)
        reachable = [a for a, scan in app.account_scans.items() if not scan.failed]
        return tuple((account, region) for account in reachable for region in regions)

    def merged(
        self, current: Inventory | None, account: str | None, regions: Iterable[RegionInventory]
    ) -> Inventory | None:
        """``current`` with ``regions`` in: by name with one account; with several, by
        (account, region), consumers across accounts (``aws.account_merge``)."""
        if not self.several_accounts:
            return merge_regions(current, account, regions)
        if current is None:  # a new start (a profile switch): nothing merged before counts
            self._merge = AccountMerge()
        summaries = tuple(scan.summary for scan in self._app.account_scans.values())
        fresh = [r for r in regions if r.account in {s.account for s in summaries}]
        if not fresh and (current is None or current.accounts == summaries):
            return current
        return self._merge.estate(account or "", summaries, fresh)

    def header_info(self, account: str | None, profile: str, endpoint: str | None) -> HeaderInfo:
        """What the header says: whose account (or how many, and how many failed), how fresh,
        how far the scan is (regions with one account; accounts with several)."""
        app = self._app
        states = app.scan_states.values()
        running = [s for s in states if s.running]
        scanning = (len(states) - len(running), len(states)) if running else None
        accounts = app.account_scans.values()
        if self.several_accounts and accounts:
            busy = {key[0] for key, state in app.scan_states.items() if state.running}
            pending = [a for a in accounts if a.running or a.summary.account in busy]
            scanning = (len(accounts) - len(pending), len(accounts)) if pending else None
        return HeaderInfo(
            account=account,
            profile=profile,
            endpoint=endpoint,
            read_only=app.config.read_only,
            data_as_of=data_as_of(app.inventory),
            scanning=scanning,
            accounts=len(accounts) if self.several_accounts else 0,
            failed_accounts=sum(1 for a in accounts if a.failed),
        )

    # -- in the scan thread -----------------------------------------------------------------

    def scan_accounts(self, regions: tuple[str, ...] | None, generation: int) -> None:
        from layer_tui.aws.inventory import sized_versions

        app = self._app
        accounts = self.ensure_accounts()
        summaries = tuple(accounts.summaries())
        reachable = [(a, s) for a, s in accounts if _summary(summaries, a).error is None]
        home = accounts.home
        try:
            home_account = home.account_id()
        except Exception:  # the caller's own account may be excluded or unreachable
            home_account = reachable[0][0] if reachable else ""
        cached: list[RegionInventory] = []
        if self._cache is not None and app.inventory is None:
            for account, _ in reachable:
                loaded = self._cache.load(account, regions)
                cached += loaded.regions if loaded is not None else ()
        shown = app.inventory.regions if app.inventory is not None else cached
        known = sized_versions(shown)
        app.post_message(AccountsResolved(
            generation, summaries, home_account, home.profile_label, home.endpoint_label,
            tuple(cached), problem.message if (problem := accounts.problem) else None,
        ))  # fmt: skip
        if not reachable:
            return
        with ThreadPoolExecutor(min(ACCOUNTS_IN_FLIGHT, len(reachable)), "scan-account") as pool:
            for account, session in reachable:
                pool.submit(self._scan_account, account, session, regions, generation, known)

    def _scan_account(
        self, account: str, session: AwsSession, regions: Sequence[str] | None,
        generation: int, known: Mapping[str, LayerVersion],
    ) -> None:
        post = self._app.post_message

        def report(progress: ScanProgress) -> None:  # every tick: the app draws once a beat
            post(ScanProgressed(generation, stamped_progress(progress, account), account))

        try:
            scanned = self._scan(
                session, list(regions) if regions else None, progress=report,
                known_versions=known, latest_only=self._app.config.latest_only,
            )  # fmt: skip
        except Exception as exc:  # one account's failure is its row, never the others'
            error = RegionError(error_code(exc) or type(exc).__name__, str(describe(exc)))
            post(AccountScanned(generation, account, None, error))
            return
        post(AccountScanned(generation, account, stamped_inventory(scanned, account)))

    # -- on the UI thread (the app's handlers call these) -----------------------------------

    def resolved(self, message: AccountsResolved, current_account: str | None) -> None:
        app = self._app
        if not self._generations.current(message.generation):
            return
        if message.home != current_account:
            app.settle_interrupted_work()
        if message.problem and message.problem != self._accounts_problem:
            app.notify(message.problem, title="Organization", severity="warning", timeout=20)
        self._accounts_problem = message.problem
        app.identify(message.home, message.profile, message.endpoint)
        # A profile that could not be read has no account id: it is keyed by its source
        # ("profile NAME"), so two such never collide, nor pass for the one account ("").
        app.account_scans = {
            summary.account or summary.source or summary.name:
                AccountScan(summary, "error" if summary.error else "scanning")
            for summary in message.summaries
        }
        if message.cached and app.inventory is None:
            states = dict(app.scan_states)
            for region in message.cached:
                states.setdefault((region.account, region.region),
                                  RegionScan(region.region, account=region.account))
            app.scan_states = states
            app.inventory = self.merged(app.inventory, message.home, message.cached)
        app.update_header()

    def scanned(self, message: AccountScanned, home: str | None) -> None:
        app = self._app
        if not self._generations.current(message.generation):
            return
        scans = dict(app.account_scans)
        current = scans.get(message.account)
        summary = current.summary if current else AccountSummary(message.account)
        states = dict(app.scan_states)
        fresh: list[RegionInventory] = []
        if message.error is not None or message.inventory is None:
            scans[message.account] = AccountScan(replace(summary, error=message.error), "error")
            for key, state in states.items():
                if key[0] == message.account and state.running:
                    states[key] = replace(state, stage="error")
        else:
            fresh = [
                r for r in message.inventory.regions
                if self._generations.accept(message.generation, (message.account, r.region))
            ]
            for region in fresh:
                states[(message.account, region.region)] = RegionScan(
                    region.region, "error" if region.error else "done", account=message.account
                )
            scans[message.account] = AccountScan(summary, "done")
        app.account_scans = scans
        app.scan_states = states
        app.inventory = self.merged(app.inventory, home, fresh)
        app.update_header()
        if fresh and self._cache is not None:
            app.save_regions(message.account, fresh)


def _summary(summaries: Sequence[AccountSummary], account: str) -> AccountSummary:
    return next((s for s in summaries if s.account == account), AccountSummary(account))
