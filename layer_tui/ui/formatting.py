"""How domain values read in a table cell: sizes, ages, short hashes, ARN parts.

Every age is measured against ``layer_tui.clock.now()`` so snapshots stay stable. Cells are
``rich.text.Text`` built from plain strings, never parsed as markup: a ``[`` in a layer
description must stay a ``[``. Nor is any control or bidi character written raw: ``text`` and
``visible_cell`` show them as escapes (``\\x1b``), because descriptions, names and error
messages come from AWS and zips, and a raw ESC in a cell would drive the user's terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import humanize
from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text

from layer_tui import clock
from layer_tui.safe_text import is_visible, visible_line

DASH = "\N{EN DASH}"


@dataclass(frozen=True)
class CellStyles:
    """Rich styles taken from the current Textual theme, so cells follow the theme."""

    error: Style
    warning: Style
    success: Style
    accent: Style
    muted: Style

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> CellStyles:
        def colour(name: str) -> Style:
            value = variables.get(name, "")
            return Style(color=value) if value.startswith("#") else Style()

        return cls(
            error=colour("text-error"),
            warning=colour("text-warning"),
            success=colour("text-success"),
            accent=colour("text-accent"),
            muted=Style(dim=True),
        )


def text(value: object, style: Style | str = "") -> Text:
    """A plain cell: the value's ``str``, never interpreted as markup, control characters
    shown as escapes."""
    if value is None or value == "":
        return Text(DASH, style="dim", no_wrap=True, overflow="ellipsis")
    return Text(visible_line(str(value)), style=style, no_wrap=True, overflow="ellipsis")


def visible_cell(cell: Text) -> Text:
    """``cell`` with every control or bidi character shown as an escape, styles kept; the
    same object when there is none (nearly always)."""
    plain = cell.plain
    if is_visible(plain):
        return cell
    shown = cell.blank_copy()
    start = 0
    for index, char in enumerate(plain):
        if is_visible(char):
            continue
        shown.append_text(cell[start:index])
        at = len(shown)
        shown.append(visible_line(char))
        # The escape takes the styles of the character it stands for.
        for span in cell.spans:
            if span.start <= index < span.end:
                shown.stylize(span.style, at, len(shown))
        start = index + 1
    shown.append_text(cell[start:])
    return shown


def number(value: int | None, style: Style | str = "") -> Text:
    if value is None:
        return text(None)
    return Text(f"{value:,}", style=style, justify="right", no_wrap=True)


def size(value: int | None) -> str:
    """``304.0 KiB``: sizes are what Lambda limits are written in (binary units)."""
    if value is None:
        return ""
    return humanize.naturalsize(value, binary=True, format="%.1f")


def size_cell(value: int | None) -> Text:
    if value is None:
        return text(None)
    return Text(size(value), justify="right", no_wrap=True)


def parse_aws_time(value: str | None) -> datetime | None:
    """Lambda's ``2026-11-22T19:00:00.000+0000`` (and ISO variants) as an aware datetime."""
    if not value:
        return None
    try:
        # Python 3.11 reads Lambda's "+0000" offsets too, and far faster than strptime.
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ago(moment: datetime | str | None) -> str:
    """``3 minutes ago`` against the app's clock; empty when unknown."""
    if isinstance(moment, str):
        moment = parse_aws_time(moment)
    if moment is None:
        return ""
    delta = clock.now() - moment
    if delta.total_seconds() < 0:
        return "just now"
    if delta.days >= 365:
        # humanize says "1 year, 11 months ago": too wide for a column.
        return f"{delta.days / 365.25:.1f} years ago"
    return humanize.naturaltime(delta)


class LiveAge:
    """A table cell that says how long ago ``moment`` was, read again each time it is drawn.

    Rows are built once per scan; an age baked into them then says "now" while the header,
    drawn later, says "55 seconds ago". The table redraws these cells on the clock's tick
    (``clock.TICK_SECONDS``), exactly when the header does, from the same ``clock.now()``.
    Slotted, not a rich ``Text`` (under half its memory, and a big estate has one per row);
    it becomes one as its line is drawn. ``plain`` is what it said when the row was built (what
    the filter matched and an export writes)."""

    __slots__ = ("cell_len", "moment", "plain", "style")
    spans: tuple[Span, ...] = ()

    def __init__(self, moment: datetime | None, style: Style | str = "") -> None:
        self.moment = moment
        self.style = style if moment else "dim"
        self.plain = ago(moment) or DASH
        self.cell_len = cell_len(self.plain)

    def copy(self) -> Text:
        """The cell to draw: its age now."""
        return Text(ago(self.moment) or DASH, style=self.style, no_wrap=True,
                    overflow="ellipsis")

    def __str__(self) -> str:
        return self.plain


def age(moment: datetime | str | None, style: Style | str = "") -> LiveAge:
    """A cell with ``ago(moment)`` that stays true as the clock runs (``LiveAge``)."""
    if isinstance(moment, str):
        moment = parse_aws_time(moment)
    return LiveAge(moment, style)


def timestamp(moment: datetime | str | None) -> str:
    """``2026-11-22 19:00 UTC`` for the details panel, where the exact moment matters."""
    if isinstance(moment, str):
        moment = parse_aws_time(moment)
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def short_sha(code_sha256: str | None) -> str:
    return code_sha256[:10] if code_sha256 else ""


def joined(values: Iterable[str]) -> str:
    return ", ".join(values)


@dataclass(frozen=True)
class LayerVersionArn:
    """The parts of ``arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION``."""

    region: str
    account: str
    name: str
    version: int | None

    @classmethod
    def parse(cls, arn: str) -> LayerVersionArn:
        parts = arn.split(":")
        if len(parts) < 7:
            return cls("", "", arn, None)
        version = int(parts[7]) if len(parts) > 7 and parts[7].isdigit() else None
        return cls(parts[3], parts[4], parts[6], version)

    @property
    def layer_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:layer:{self.name}"

    @property
    def label(self) -> str:
        return f"{self.name}:{self.version}" if self.version is not None else self.name
