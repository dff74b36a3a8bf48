"""The footer's last column belongs to the palette key: no stray letter after screen changes.

Pilot tests on the in-memory account; what is asserted is the footer line the terminal shows.
"""

from __future__ import annotations

import pytest
from on_screen import composed_strips
from textual.widgets import Footer
from ui_fixtures import NOW, make_app, pilot_test
from waiting import press_and_wait, settle

from layer_tui.ui.app import LayerTuiApp

pytestmark = pytest.mark.frozen_clock(NOW)


def footer_line(app: LayerTuiApp) -> str:
    return composed_strips(app)[-1].text


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (140, 40)],
                         ids=["80x24", "100x30", "140x40"])
@pilot_test
async def test_footer_ends_with_the_palette_key(size: tuple[int, int]) -> None:
    """Attack: regions → layers → back → functions → back, at 80x24, 100x30 and 140x40; the
    footer's keys are wider than the terminal and scroll under the palette key docked right.
    The compact footer's right margin left that key one cell short of the edge, so the last
    column showed a letter of the key beneath ("^p paletteo", "^p palettei").
    Promise: on every screen the footer line ends with "^p palette" in its last columns, and
    the palette key's region touches the footer's right edge."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for keys in [(), ("down", "enter"), ("escape",), ("f",), ("escape",)]:
            await press_and_wait(pilot, *keys)
            await pilot.pause()
            line = footer_line(app)
            assert len(line) == size[0]
            assert line.endswith("^p palette"), (keys, line[-20:])
            footer = app.screen.query_one(Footer)
            [palette] = footer.query(".-command-palette")
            assert palette.region.right == footer.region.right
