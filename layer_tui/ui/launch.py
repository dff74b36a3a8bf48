"""Starting the TUI for the CLI: which cache, which demo sandbox, the exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layer_tui.ui.app import LayerTuiApp, demo_session_factory

if TYPE_CHECKING:
    from layer_tui.aws.cache import InventoryCache
    from layer_tui.aws.session import SessionConfig


def run_tui(config: SessionConfig, *, inventory_cache: InventoryCache | None = None) -> int:
    """Run the TUI until the user quits; the exit code for the CLI.

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
    if config.demo and not config.endpoint_url:
        from layer_tui.sandbox.demo import LazyDemo

        demo = LazyDemo(paths.demo_tape_path())
        factory = demo_session_factory(demo)
    app = LayerTuiApp(config, inventory_cache=inventory_cache, session_factory=factory)
    try:
        app.run()
    finally:
        if demo is not None:
            demo.stop()
    return app.return_code or 0
