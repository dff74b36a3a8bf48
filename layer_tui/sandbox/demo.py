"""What ``--demo`` starts: the demo account's sandbox, seeded (the estate lives in ``seed``)."""

import threading
from pathlib import Path

from layer_tui.sandbox.seed import (
    DEMO_DISABLED_REGION,
    DEMO_NOW,
    DEMO_REGIONS,
    SeedSummary,
    demo_sandbox,
    seed_demo,
    start_demo,
)
from layer_tui.sandbox.server import Sandbox


class LazyDemo:
    """The demo sandbox, started on first use and stopped once.

    The TUI asks for it from its scan worker, so the first screen is painted while the
    sandbox (about a second and a half) comes up behind it.
    """

    def __init__(self, tape: Path | None = None) -> None:
        """``tape``: where the demo's changes are kept between runs (None: kept nowhere)."""
        self._sandbox: Sandbox | None = None
        self._lock = threading.Lock()
        self._tape = tape

    def endpoint_url(self) -> str:
        with self._lock:
            if self._sandbox is None:
                self._sandbox = start_demo(self._tape)
            return self._sandbox.endpoint_url

    def stop(self) -> None:
        with self._lock:
            if self._sandbox is not None:
                self._sandbox.stop()
                self._sandbox = None


__all__ = [
    "DEMO_DISABLED_REGION",
    "DEMO_NOW",
    "DEMO_REGIONS",
    "LazyDemo",
    "SeedSummary",
    "demo_sandbox",
    "seed_demo",
    "start_demo",
]
