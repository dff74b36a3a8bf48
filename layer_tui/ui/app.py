"""The App: screen stack, global bindings, palette, and the one place AWS is scanned from.

Scanning runs in a thread worker; the scan's progress callback (called from worker threads)
only posts messages, and the handlers here fold them into two reactives, ``scan_states`` and
``inventory``, that every screen watches. A scan started later wins over an earlier one region
by region (each message carries its scan's generation), so a slow old answer never overwrites
a fresh one even though a thread cannot be stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from layer_tui.aws.errors import describe
from layer_tui.aws.models import Inventory, RegionInventory
from layer_tui.ui import messages
from layer_tui.ui.account_scanning import (
    AccountScanned,
    AccountScanner,
    AccountsResolved,
    ScanningApp,
    default_accounts_factory,
)
from layer_tui.ui.changes import CHANGE_BINDINGS, READ_ONLY_REFUSAL, change_commands
from layer_tui.ui.clipboard import copy_arn
from layer_tui.ui.commands import (
    ScreenActionsProvider,
    available_profiles,
    navigation_commands,
    profile_choices,
    unkeyed,
)
from layer_tui.ui.host import Host
from layer_tui.ui.key_routing import KeyRouting
from layer_tui.ui.keymap import apply_user_keymap
from layer_tui.ui.navigation import Navigator
from layer_tui.ui.notifications import SafeNotifications
from layer_tui.ui.screens.hosted import MUTATING_ACTIONS
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.sessions import ScanFunction, default_scan, default_session_factory
from layer_tui.ui.single_account_scan import scan_one_account
from layer_tui.ui.state import AccountScan, HeldTicks, RegionScan, ScanGenerations, ScanKey
from layer_tui.ui.widgets import HeaderInfo
from layer_tui.ui.widgets.command_line import FindByNameProvider
from layer_tui.ui.workers import in_thread

if TYPE_CHECKING:
    from layer_tui.aws.cache import InventoryCache
    from layer_tui.aws.operations import LayerOperations
    from layer_tui.aws.session import SessionConfig

_FROM_SESSION = object()


class LayerTuiApp(SafeNotifications, KeyRouting, App[int]):
    """Browse regions, layers, versions and the functions that use them."""

    CSS_PATH = "app.tcss"
    TITLE = "layer-tui"
    COMMANDS: ClassVar = App.COMMANDS | {ScreenActionsProvider, FindByNameProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-now"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("f", "functions", "Functions", id="app.functions"),
        Binding("g", "switch_region", "Region", id="app.switch-region"),
        Binding("o", "switch_profile", "Profile", show=False, id="app.switch-profile"),
        Binding("P", "screen.pull", "Pull", show=False, id="app.pull"),
        Binding("colon", "command_line", "Command", key_display=":", id="app.command-line"),
        Binding("e", "screen.export", "Export", show=False, id="app.export"),
        Binding("A", "screen.permissions", "Permissions", show=False, id="app.permissions"),
        *CHANGE_BINDINGS,
    ]

    inventory: var[Inventory | None] = var(None, always_update=True)
    """Every region scanned so far (cached or fresh); screens derive their rows from it."""
    scan_states: var[dict[ScanKey, RegionScan]] = var(dict, always_update=True)
    """Where the scan of each (account, region) stands, in the order they were announced
    (the account is "" with one account)."""
    account_scans: var[dict[str, AccountScan]] = var(dict, always_update=True)
    """With several accounts, where each stands (empty with one)."""
    header_info: var[HeaderInfo] = var(HeaderInfo)
    """What the header line shows on every screen."""
    show_details: var[bool] = var(True)
    """Whether screens show the details panel under their table."""
    load_error: var[str | None] = var(None)
    """Why nothing could be scanned at all (no credentials, bad profile), in one line."""

    def __init__(
        self,
        config: SessionConfig,
        *,
        session: Any = None,
        session_factory: Callable[[SessionConfig], Any] | None = None,
        scan: ScanFunction | None = None,
        inventory_cache: InventoryCache | None = None,
        endpoint_label: Any = _FROM_SESSION,
        list_profiles: Callable[[], list[str]] | None = None,
        accounts_factory: Callable[[SessionConfig], Any] | None = None,
    ) -> None:
        """``session``/``scan``/``list_profiles`` are injectable so tests need no AWS;
        ``endpoint_label`` replaces the session's (screenshots show no host or port);
        ``accounts_factory`` resolves the accounts when several are asked for (``--org``,
        several ``--profile``)."""
        super().__init__()
        self.config: SessionConfig = config
        self._session = session
        self._session_factory = session_factory or default_session_factory
        self._session_lock = threading.Lock()
        self._scan = scan or default_scan
        self._cache = inventory_cache
        self._endpoint_override = endpoint_label
        self._list_profiles = list_profiles or available_profiles
        self._account: str | None = None
        self._profile: str | None = None
        self._endpoint: str | None = None
        self._generations = ScanGenerations()
        self._ticks = HeldTicks()
        self._operations: LayerOperations | None = None
        self.navigator = Navigator(self, self)
        self.accounts = AccountScanner(
            self, scan=self._scan, cache=inventory_cache, generations=self._generations,
            accounts_factory=accounts_factory or default_accounts_factory,
        )

    @property
    def read_only(self) -> bool:
        return self.config.read_only

    @property
    def first_scan_started(self) -> bool:
        """Whether the scan that follows the first paint has begun (a test's settling waits)."""
        return self._generations.started > 0

    @property
    def several_accounts(self) -> bool:
        return self.accounts.several_accounts

    def session_for(self, account: str) -> Any:
        """The session that reads ``account`` (its own with several accounts; else the one)."""
        return self.accounts.session_of(account) or self._ensure_session()

    @property
    def profile_label(self) -> str:
        if self._profile is not None:
            return self._profile
        return "demo" if self.config.demo else (self.config.profile or "default")

    # -- lifecycle --------------------------------------------------------------------------

    def on_mount(self) -> None:
        apply_user_keymap(self)
        self.update_header()
        self.push_screen(RegionsScreen())
        self.set_interval(HeldTicks.BEAT, self._show_ticks)
        # After the first paint: the scan's worker imports botocore, makes the session and
        # reads the cache, which would otherwise hold the interpreter while it is drawn.
        self.call_after_refresh(self.start_scan, self.config.regions or None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "refuse_change":  # the read-only twin of each change's key
            return self.read_only
        return not (action in MUTATING_ACTIONS and self.read_only)

    # -- scanning ---------------------------------------------------------------------------

    def start_scan(self, regions: Sequence[str] | None = None) -> None:
        """Scan some regions (None: every region) in the background; rows fill in as they go
        (with several accounts, in every account: ``AccountScanner.scope``)."""
        scope = self.accounts.scope(regions)
        generation = self._generations.start(scope)
        self.scan_states = {  # what waited for the beat is drawn before the new scan starts
            **self.scan_states, **self._ticks.take(self.scan_states),
            **{key: RegionScan(key[1], account=key[0]) for key in scope},
        }
        self.load_error = None
        self.update_header()
        self._scan_worker(tuple(regions) if regions else None, generation)

    @in_thread("inventory", exclusive=True)
    def _scan_worker(self, regions: tuple[str, ...] | None, generation: int) -> None:
        if self.several_accounts:
            self.accounts.scan_accounts(regions, generation)
            return
        scan_one_account(self, self._ensure_session(), self._scan, self._cache, regions, generation)

    def _ensure_session(self) -> Any:
        """The session changes go through: with several accounts, the caller's own (home)."""
        if self.several_accounts and self._session is None:
            return self.accounts.ensure_accounts().home
        with self._session_lock:
            if self._session is None:
                self._session = self._session_factory(self.config)
            return self._session

    @on(messages.AccountResolved)
    def _account_resolved(self, message: messages.AccountResolved) -> None:
        if not self._generations.current(message.generation):
            return  # a scan of the session left behind by a profile switch
        if message.account != self._account:
            self.settle_interrupted_work()  # once per account: a profile switch checks anew
        self.identify(message.account, message.profile, message.endpoint)
        if message.cached is not None and self.inventory is None:
            states = dict(self.scan_states)
            for region in message.cached.regions:
                states.setdefault(("", region.region), RegionScan(region.region))
            self.scan_states = states
            self._merge(message.cached.regions)
        self.update_header()

    @on(messages.ScanProgressed)
    def _scan_progressed(self, message: messages.ScanProgressed) -> None:
        progress = message.progress
        key = (message.account, progress.region)
        if not self._generations.accept(message.generation, key):
            return
        state = RegionScan(
            progress.region, progress.stage, progress.done, progress.total, message.account
        )
        if progress.result is None and self._ticks.hold(state, self.scan_states.get(key)):
            return  # drawn at the next beat (HeldTicks)
        self.scan_states = {**self.scan_states, **self._ticks.take(self.scan_states), key: state}
        if progress.result is not None:
            self._merge([progress.result])
        self.update_header()

    def _show_ticks(self) -> None:
        if self._ticks:
            self.scan_states = {**self.scan_states, **self._ticks.take(self.scan_states)}
            self.update_header()

    @on(messages.ScanFinished)
    def _scan_finished(self, message: messages.ScanFinished) -> None:
        fresh = [
            r
            for r in message.inventory.regions
            if self._generations.accept(message.generation, ("", r.region))
        ]
        states = dict(self.scan_states)
        for region in fresh:
            states[("", region.region)] = RegionScan(
                region.region, "error" if region.error else "done"
            )
        self.scan_states = states
        self._merge(fresh)
        self.update_header()
        if fresh and self._cache is not None and self.inventory is not None:
            self.save_regions(self.inventory.account, self.inventory.regions)

    @on(AccountsResolved)
    def _accounts_resolved(self, message: AccountsResolved) -> None:
        self.accounts.resolved(message, self._account)

    @on(AccountScanned)
    def _account_scanned(self, message: AccountScanned) -> None:
        self.accounts.scanned(message, self._account)

    def _merge(self, regions: Iterable[RegionInventory]) -> None:
        self.inventory = self.accounts.merged(self.inventory, self._account, regions)

    def identify(self, account: str, profile: str, endpoint: str | None) -> None:
        self._account, self._profile, self._endpoint = account, profile, endpoint

    @in_thread("cache")
    def save_regions(self, account: str, regions: Sequence[RegionInventory]) -> None:
        """Each region in ``account``'s folder of the cache (one of another account: not)."""
        from layer_tui.aws.cache import CacheWriteError

        if self._cache is None:
            return
        try:
            for region in regions:
                self._cache.save_region(account, region)
        except CacheWriteError as exc:
            # The cache only saves time on the next start: a warning, not a failed scan.
            self.call_from_thread(
                self.notify, str(exc), title="Cache", severity="warning", timeout=12
            )

    def update_header(self) -> None:
        endpoint = (
            self._endpoint if self._endpoint_override is _FROM_SESSION else self._endpoint_override
        )
        self.header_info = self.accounts.header_info(self._account, self.profile_label, endpoint)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes words on screen."""
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        error = describe(event.worker.error)
        if event.worker.group == "inventory":
            self.load_error = str(error)
            states = {
                name: replace(state, stage="error") if state.running else state
                for name, state in self.scan_states.items()
            }
            self.scan_states = states
            self.update_header()
        self.notify(str(error), title="AWS", severity="error", timeout=12)

    @in_thread("profiles", exclusive=True)
    def action_switch_profile(self) -> None:
        commands = profile_choices(self.switch_profile, self._list_profiles())
        if not commands:
            self.call_from_thread(self.notify, "no AWS profiles are configured", severity="warning")
            return

        def choose() -> None:  # the palette opens as it is pushed; nothing to wait for
            self.search_commands(commands, "Switch profile\N{HORIZONTAL ELLIPSIS}")

        self.call_from_thread(choose)

    def switch_profile(self, profile: str) -> None:
        """Start over on another profile's account: new session, new scan."""
        endpoint = None if self.config.demo else self.config.endpoint_url
        # One profile is one account: --org and several --profile are left behind too.
        self.config = replace(self.config, profile=profile, demo=False, endpoint_url=endpoint,
                              profiles=(), org=False)
        with self._session_lock:
            self._session = None
        self.accounts.forget_accounts()
        self.account_scans = {}
        self._account = self._endpoint = self._profile = None
        self._generations.start_over()
        self.scan_states = {}
        self.inventory = None
        self.navigator.back_to_root()
        self.start_scan(self.config.regions or None)
        self.notify(f"switched to profile {profile}")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from unkeyed(screen, [*super().get_system_commands(screen),
                                    *navigation_commands(self, self),
                                    *change_commands(screen, self.read_only)])

    # -- going places (``ui/navigation.py``) ------------------------------------------------

    @on(messages.Navigate)
    def _navigate(self, message: messages.Navigate) -> None:
        self.navigator.go(message)

    def action_functions(self) -> None:
        self.navigator.functions()

    def action_help(self) -> None:
        self.navigator.help()

    def action_switch_region(self) -> None:
        self.navigator.choose_region()

    def known_regions(self) -> list[str]:
        names = {key[1] for key in self.scan_states} | set(self.config.regions)
        if self.inventory is not None:
            names |= {r.region for r in self.inventory.regions}
        return sorted(names)

    def action_command_line(self) -> None:
        self.run_worker(self.navigator.command_line(), group="command-line", exclusive=True)

    # -- changes (the flows are ``ui/changes.py``, run by the screen on top) ----------------

    def aws_session(self) -> Any:
        return self._ensure_session()

    @property
    def operations(self) -> LayerOperations:
        """The gate for every change, on the current session (a profile switch replaces it)."""
        session = self._ensure_session()
        # With several accounts, deletes re-check and repins change each one through its own.
        accounts = self.accounts.sessions
        if (self._operations is None or self._operations.session is not session
                or self._operations.accounts is not accounts):
            from layer_tui.aws.journal import Journal
            from layer_tui.aws.operations import LayerOperations

            self._operations = LayerOperations(session, Journal(), accounts=accounts)
        return self._operations

    @in_thread("recovery")
    def settle_interrupted_work(self) -> None:
        """Say what a run that stopped mid-change left done and undone (``aws.recovery``)."""
        from layer_tui.aws.recovery import recover

        for line in recover(self.operations):
            self.call_from_thread(self.notify, line, title="Interrupted last time",
                                  severity="warning", timeout=30)

    def action_refuse_change(self) -> None:
        self.notify(READ_ONLY_REFUSAL, severity="warning")

    def copy_arn(self, arn: str) -> None:
        copy_arn(self, arn)


def _is_a_host(app: LayerTuiApp) -> tuple[Host, ScanningApp]:
    # mypy proves here that the app is the host screens and dialogs are typed for, and what
    # its account scanner needs.
    return app, app
