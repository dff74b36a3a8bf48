"""Big tables are sorted in slices, in the order one stable sort gives.

Attack: a sort of 100,000 rows is one C call that holds the interpreter until it returns
(80 ms quiet, several times that on a loaded machine): the rows are sorted in a thread, but
the event loop could not run meanwhile and keys waited. Sorted in slices merged in Python,
the loop gets its turns; the promise checked here is that the order is the same as one stable
sort's, ties (kept in their first order) and reversed sorts and None values included, at
every size around the slice.
"""

from __future__ import annotations

import random

import pytest

from layer_tui.ui.widgets.table_model import SORT_SLICE, TableRow, sort_key, sorted_rows


def rows_with(values: list[object]) -> list[TableRow]:
    return [TableRow(f"row-{n}", (), (value,)) for n, value in enumerate(values)]


def one_sort(rows: list[TableRow], reverse: bool) -> list[str]:
    return [row.key for row in sorted(rows, key=lambda row: sort_key(row.sort_values[0]),
                                      reverse=reverse)]


@pytest.mark.parametrize("count", [0, 1, SORT_SLICE, SORT_SLICE + 1, 3 * SORT_SLICE + 17])
@pytest.mark.parametrize("reverse", [False, True])
def test_sliced_sort_is_one_stable_sort(count: int, reverse: bool) -> None:
    rng = random.Random(count)
    # Few distinct values: most rows tie with others, which is where order is decided.
    values: list[object] = [rng.choice(["b", "a", "c", "ab"]) for _ in range(count)]
    with_none: list[object] = [None if n % 5 == 0 else rng.randint(0, 9) for n in range(count)]
    for column in (values, with_none):
        expected = one_sort(rows_with(column), reverse)
        for in_thread in (True, False):  # sliced in a thread, one call on the loop
            got = sorted_rows(rows_with(column), 0, reverse, in_thread=in_thread)
            assert [row.key for row in got] == expected
