"""The one clock everything that shows an age reads from.

Tests and snapshots freeze it (``freeze``) so that "3 minutes ago" rendered today still
matches next month. Kept outside ``aws`` and ``ui`` because both read it.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: How often everything that shows an age redraws it (the header, every table's age cells):
#: one period for all, so no line on screen is ever a tick staler than another.
TICK_SECONDS = 5.0

_frozen: datetime | None = None


def now() -> datetime:
    """The current time in UTC, or the frozen moment when a test has set one."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Pin ``now()`` to ``moment`` (timezone-aware); ``None`` lets time run again."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    _frozen = moment
