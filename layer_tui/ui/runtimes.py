"""Which Lambda runtimes are deprecated: the one place the UI asks.

The answer comes from the shipped, editable lifecycle table (``layer_tui/data/runtimes.json``,
read by ``layer_tui.aws.lifecycle``): a runtime counts as deprecated once its date has passed on
the app's clock, so frozen-clock snapshots stay stable. A runtime whose deprecation date AWS's
page does not give (null in the table) is not flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from layer_tui.aws import lifecycle


def deprecation_date(runtime: str | None) -> date | None:
    row = lifecycle.lifecycle(runtime)
    return row.deprecated if row is not None else None


def is_deprecated(runtime: str | None) -> bool:
    return lifecycle.is_deprecated(runtime)


def deprecated_among(runtimes: Iterable[str | None]) -> tuple[str, ...]:
    return lifecycle.deprecated_among(tuple(runtimes))
