"""Column fitting of the resource table, as pure functions."""

from __future__ import annotations

from rich.text import Text

from layer_tui.ui.widgets.table_model import Column, TableRow, fit_widths, natural_widths

COLUMNS = (Column("name", "Name", keep=True), Column("size", "Size", width=9),
           Column("description", "Description", max_width=30))


def test_natural_widths_without_rows_are_the_labels_or_fixed_widths() -> None:
    assert natural_widths(COLUMNS, ()) == (6, 9, 13)


def test_natural_widths_follow_the_widest_cell_up_to_the_maximum() -> None:
    rows = [TableRow.build("a", [Text("x" * 20), Text("1"), Text("d" * 80)], [1, 1, 1])]
    assert natural_widths(COLUMNS, rows) == (20, 9, 30)


def test_fit_shrinks_other_columns_before_the_kept_name() -> None:
    natural = (20, 9, 30)
    # 59 cells of content + 2 padding each = 65; 55 available: 10 must go, none from Name.
    assert fit_widths(natural, COLUMNS, 55) == (20, 9, 20)
    # Everything else at its floor: the name keeps its width, the rest scrolls sideways; only a
    # name wider than the screen (less ten cells of the rest) gives, to no less than its floor.
    assert fit_widths(natural, COLUMNS, 40) == (20, 9, 13)
    assert fit_widths(natural, COLUMNS, 30) == (18, 9, 13)
    assert fit_widths(natural, COLUMNS, 20) == (8, 9, 13)
    assert fit_widths(natural, COLUMNS, 0) == natural  # not laid out yet: nothing to fit
