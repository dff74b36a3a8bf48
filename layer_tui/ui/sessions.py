"""Where the app's sessions and scans come from, unless a test or the demo hands its own.

Each is imported when first called: botocore and the scanner load with the first scan, after the
first screen is painted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layer_tui.aws.models import Inventory
    from layer_tui.aws.session import SessionConfig

ScanFunction = Callable[..., "Inventory"]


def default_session_factory(config: SessionConfig) -> Any:
    from layer_tui.aws.session import AwsSession

    return AwsSession(config)


def demo_session_factory(demo: Any) -> Callable[[SessionConfig], Any]:
    """Sessions on the demo sandbox, which starts when the first one is made (by the scan
    worker, after the first screen is painted)."""

    def factory(chosen: SessionConfig) -> Any:
        if chosen.demo:  # a profile switch leaves the demo for a real account
            chosen = replace(chosen, endpoint_url=demo.endpoint_url())
        return default_session_factory(chosen)

    return factory


def default_scan(session: Any, regions: Sequence[str] | None, **kwargs: Any) -> Inventory:
    from layer_tui.aws.inventory import scan_inventory

    return scan_inventory(session, regions, **kwargs)


__all__ = ["ScanFunction", "default_scan", "default_session_factory", "demo_session_factory"]
