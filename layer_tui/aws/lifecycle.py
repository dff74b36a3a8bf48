"""Where each Lambda runtime stands in AWS's lifecycle, and what that means for a layer.

AWS publishes three dates per runtime on its "Lambda runtimes" page and no API returns them:
deprecation (no more patches), block function create and block function update. After the
last one UpdateFunctionConfiguration fails for functions on that runtime, so a repin of them
fails too: that is an error, not a warning. The dates move (AWS pushed many in 2026), so they
live in ``layer_tui/data/runtimes.json`` with the page and the day they were taken; a date not
found there is null and produces no finding rather than a guess.

"Today" comes from ``layer_tui.clock``, which tests and snapshots freeze.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from layer_tui import clock
from layer_tui.aws.findings import Finding, load_data

#: A deprecation this close is worth an info finding: time to plan the move.
NOTICE_DAYS = 90


@dataclass(frozen=True)
class RuntimeLifecycle:
    """One runtime's row of the shipped table; a date is None where AWS's page gave none."""

    runtime: str
    name: str
    deprecated: date | None
    block_create: date | None
    block_update: date | None
    source: str

    def finding(self, today: date) -> Finding | None:
        """The one finding that matters most on ``today``, if any (a date counts from its day)."""
        where = f"(source: {self.source})"
        if self.block_update is not None and self.block_update <= today:
            return Finding(
                "error", "runtime",
                f"{self.runtime}: functions on it can no longer be updated: a repin will fail "
                f"(AWS Lambda blocked function updates on {self.block_update.isoformat()}) "
                f"{where}",
            )  # fmt: skip
        if self.block_create is not None and self.block_create <= today:
            until = (
                f"until {self.block_update.isoformat()}, when a repin will start to fail"
                if self.block_update is not None
                else "for now"
            )
            return Finding(
                "warning", "runtime",
                f"{self.runtime}: no new functions can be created on it since "
                f"{self.block_create.isoformat()}; functions on it can still be updated "
                f"{until} {where}",
            )  # fmt: skip
        if self.deprecated is not None and self.deprecated <= today:
            return Finding(
                "warning", "runtime",
                f"{self.runtime} was deprecated by AWS Lambda on {self.deprecated.isoformat()}"
                f"{self._blocks_ahead()} {where}",
            )  # fmt: skip
        if self.deprecated is not None and (self.deprecated - today).days <= NOTICE_DAYS:
            return Finding(
                "info", "runtime",
                f"{self.runtime} is scheduled for deprecation on {self.deprecated.isoformat()}"
                f"{self._blocks_ahead()} {where}",
            )  # fmt: skip
        return None

    def _blocks_ahead(self) -> str:
        ahead = [
            f"{what} from {when.isoformat()}"
            for what, when in (("no new functions", self.block_create),
                               ("no function updates (repins fail)", self.block_update))
            if when is not None
        ]  # fmt: skip
        return f"; {' and '.join(ahead)}" if ahead else ""


@cache
def runtime_table() -> dict[str, Any]:
    """The shipped table: ``{"source", "as_of", "about", "notes", "runtimes": {id: row}}``."""
    return load_data("runtimes.json")


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def lifecycles(table: Mapping[str, Any] | None = None) -> dict[str, RuntimeLifecycle]:
    """Every runtime of ``table`` (the shipped one by default), by identifier."""
    rows: Mapping[str, Any] = (table or runtime_table())["runtimes"]
    return {
        runtime: RuntimeLifecycle(
            runtime=runtime,
            name=str(row.get("name") or runtime),
            deprecated=_date(row.get("deprecated")),
            block_create=_date(row.get("block_create")),
            block_update=_date(row.get("block_update")),
            source=str(row["source"]),
        )
        for runtime, row in rows.items()
    }


@cache
def _shipped() -> dict[str, RuntimeLifecycle]:
    return lifecycles()


def lifecycle(runtime: str | None) -> RuntimeLifecycle | None:
    """The shipped table's row for ``runtime``; None for a runtime it does not know."""
    return _shipped().get(runtime) if runtime else None


def today() -> date:
    return clock.now().date()


def is_deprecated(runtime: str | None, on: date | None = None) -> bool:
    row = lifecycle(runtime)
    when = row.deprecated if row is not None else None
    return when is not None and when <= (on or today())


def lifecycle_findings(
    runtimes: Iterable[str],
    on: date | None = None,
    table: Mapping[str, RuntimeLifecycle] | None = None,
) -> list[Finding]:
    """One finding per declared runtime whose lifecycle says something on ``on`` (today)."""
    rows = _shipped() if table is None else table
    day = on or today()
    found = (rows[r].finding(day) for r in dict.fromkeys(runtimes) if r in rows)
    return [f for f in found if f is not None]


def deprecated_among(runtimes: Sequence[str | None], on: date | None = None) -> tuple[str, ...]:
    return tuple(r for r in runtimes if r and is_deprecated(r, on))


__all__ = [
    "NOTICE_DAYS",
    "RuntimeLifecycle",
    "deprecated_among",
    "is_deprecated",
    "lifecycle",
    "lifecycle_findings",
    "lifecycles",
    "runtime_table",
    "today",
]
