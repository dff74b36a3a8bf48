"""Starting the TUI for the CLI: which cache, which demo sandbox, the exit code."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layer_tui.ui.account_scanning import demo_accounts_factory
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.sessions import demo_session_factory

if TYPE_CHECKING:
    from layer_tui.aws.cache import InventoryCache
    from layer_tui.aws.session import SessionConfig


def run_tui(config: SessionConfig, *, inventory_cache: InventoryCache | None = None) -> int:
    """Run the TUI until the user quits; the exit code for the CLI.

    With several accounts asked for, the app resolves them (``aws.accounts``) through the
    demo's endpoint in ``--demo``, else as ``config`` says.

    Without ``inventory_cache`` the usual on-disk cache is used; in ``--demo`` it is the demo's
    own (``aws.paths``), keyed by no endpoint (the demo's port changes every run while its
    state, kept on the sandbox's tape, carries over).
    """
    from layer_tui.aws import paths

    if inventory_cache is None:
        from layer_tui.aws.cache import InventoryCache
        from layer_tui.aws.session import env_endpoint

        endpoint = None if config.demo else config.endpoint_url or env_endpoint()
        inventory_cache = InventoryCache(endpoint_url=endpoint)
    demo = None
    factory = None
    accounts = None
    if config.demo and not config.endpoint_url:
        demo = DemoOnFirstUse(paths.demo_tape_path())
        factory = demo_session_factory(demo)
        accounts = demo_accounts_factory(demo)
    # Several accounts (--org, several --profile) are resolved by the app's scan thread, after
    # the first screen is painted: listing an organization and assuming a role in each takes
    # a while, and each account's rows fill in as it is reached.
    app = LayerTuiApp(config, inventory_cache=inventory_cache, session_factory=factory,
                      accounts_factory=accounts)
    try:
        app.run()
    finally:
        if demo is not None:
            demo.stop()
    return app.return_code or 0


class DemoOnFirstUse:
    """The demo sandbox (``sandbox.demo.LazyDemo``), imported when first asked for.

    The sandbox package imports moto, Flask and boto3, half a second of processor time: asked
    for by the scan's worker, it loads behind the first screen instead of before it.
    """

    def __init__(self, tape: Path) -> None:
        self._tape = tape
        self._demo: Any = None
        self._lock = threading.Lock()

    def endpoint_url(self) -> str:
        with self._lock:
            if self._demo is None:
                from layer_tui.sandbox.demo import LazyDemo

                self._demo = LazyDemo(self._tape)
            demo = self._demo
        return str(demo.endpoint_url())

    def stop(self) -> None:
        with self._lock:
            demo = self._demo
        if demo is not None:
            demo.stop()
