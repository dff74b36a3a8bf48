"""A DataTable whose header is never left at its labels' widths over wider rows.

Textual's DataTable measures new rows when it is next idle, and keeps every line it has drawn
by a key that does not hold the column widths. A header drawn between ``add_row`` and that
measurement (the dialog painted while the loop was still busy, as on a loaded machine) was
kept: "Function Current Restored" over rows twice as wide, until the cursor moved or the
terminal was resized. This table forgets the lines it drew whenever a measurement changed a
width, and draws again.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable


class MeasuredTable(DataTable[Text]):
    """``DataTable`` that redraws once its columns are measured (the plan and backup tables)."""

    async def _on_idle(self, event: events.Idle) -> None:
        before = [column.content_width for column in self.ordered_columns]
        await super()._on_idle(event)
        if [column.content_width for column in self.ordered_columns] != before:
            # The kept lines (the header's among them) were drawn at the old widths.
            self._clear_caches()
            self.refresh()
