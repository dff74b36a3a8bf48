"""A rescan that answers: "refreshing eu-north-1…" when it starts, "refreshed" when it lands.

`r` on any screen, and the end of every change (publish, delete, keep-newest, repin, undo,
restore), rescan the regions involved. The scan fills the rows in place, which on a screen
with no scan column shows nothing until it is done: the user is told it started, and told
again once every region of it has an answer (or which ones failed).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from layer_tui.ui.state import RegionScan, ScanKey, region_names

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


class ScanningApp(Protocol):
    """What a refresh needs from the app."""

    @property
    def scan_states(self) -> Mapping[ScanKey, RegionScan]: ...

    def start_scan(self, regions: Sequence[str] | None = None) -> None: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...

    def watch(self, obj: Any, attribute_name: str, callback: Any, init: bool = True) -> None: ...


def regions_label(regions: Sequence[str]) -> str:
    """``eu-north-1``, ``eu-north-1 and us-east-1``, or ``17 regions``."""
    if len(regions) == 1:
        return regions[0]
    if len(regions) == 2:
        return f"{regions[0]} and {regions[1]}"
    return f"{len(regions)} regions" if regions else "every region"


@dataclass(frozen=True)
class _Pending:
    regions: tuple[str, ...]
    label: str


class RefreshNotices:
    """The refreshes under way in one app, and the one watcher that ends them."""

    def __init__(self, app: ScanningApp) -> None:
        self.app = app
        self.pending: list[_Pending] = []
        app.watch(app, "scan_states", self._states_changed, init=False)

    def start(self, regions: Sequence[str] | None, why: str = "") -> None:
        self.app.start_scan(regions)
        scope = tuple(regions) if regions else region_names(self.app.scan_states)
        label = regions_label(scope)
        self.app.notify(f"refreshing {label}{why}{ELLIPSIS}", timeout=4)
        if not any(p.regions == scope for p in self.pending):
            self.pending.append(_Pending(scope, label))
        self._states_changed(self.app.scan_states)  # nothing to scan: done at once

    def _states_changed(self, states: Mapping[ScanKey, RegionScan]) -> None:
        for pending in list(self.pending):
            # A region of several accounts has landed once every account's scan of it has.
            scans = {region: [s for key, s in states.items() if key[1] == region]
                     for region in pending.regions}
            if any(not found or any(s.running for s in found) for found in scans.values()):
                continue
            self.pending.remove(pending)
            failed = [region for region, found in scans.items()
                      if any(s.stage == "error" for s in found)]
            read = [region for region in pending.regions if region not in failed]
            if not failed:
                self.app.notify(f"refreshed {pending.label}", timeout=4)
            elif not read:
                self.app.notify(f"refresh of {regions_label(failed)} failed: the regions "
                                "screen says why; r tries again", severity="warning")
            else:
                self.app.notify(f"refreshed {regions_label(read)}; {regions_label(failed)} "
                                "could not be read (the regions screen says why)")


_NOTICES: weakref.WeakKeyDictionary[Any, RefreshNotices] = weakref.WeakKeyDictionary()


def refresh(app: ScanningApp, regions: Sequence[str] | None, why: str = "") -> None:
    """Rescan ``regions`` (None: every region) and say so, now and when it has landed;
    ``why`` follows the regions ("refreshing eu-north-1 after the repin…")."""
    notices = _NOTICES.get(app)
    if notices is None:
        notices = _NOTICES[app] = RefreshNotices(app)
    notices.start(regions, why)
