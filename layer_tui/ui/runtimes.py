"""Which Lambda runtimes are deprecated: the one place the UI asks.

The answer comes from the shipped, editable table (``layer_tui/data/deprecated_runtimes.json``,
read by ``layer_tui.aws.checks``): a runtime counts as deprecated once its date has passed on
the app's clock, so frozen-clock snapshots stay stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from layer_tui import clock
from layer_tui.aws.checks import deprecated_runtimes


def deprecation_date(runtime: str | None) -> date | None:
    if not runtime:
        return None
    row = deprecated_runtimes()["runtimes"].get(runtime)
    return date.fromisoformat(row["deprecated"]) if row else None


def is_deprecated(runtime: str | None) -> bool:
    when = deprecation_date(runtime)
    return when is not None and when <= clock.now().date()


def deprecated_among(runtimes: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(r for r in runtimes if r and is_deprecated(r))
