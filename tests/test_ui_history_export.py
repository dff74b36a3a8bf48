"""The History screen (``:history``) and ``e`` (export), with a journal an attacker wrote into.

Each test names the attack and the promise. The journal is a real ``Journal`` file under the
test's XDG state folder; the export is read back with the ``csv`` and ``json`` modules.
"""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from on_screen import said
from ui_fixtures import ACCOUNT, NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui import clock
from layer_tui.aws.journal import Journal
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.export import ExportDialog
from layer_tui.ui.screens.history import HistoryScreen
from layer_tui.ui.widgets import ResourceTable
from layer_tui.ui.widgets.command_line import CommandLine

SIZE = (120, 40)
HOSTILE = "geo\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u202e"
FORMULA = "=HYPERLINK(\"http://evil.example/\",\"click\")"


pytestmark = pytest.mark.frozen_clock(NOW)


def write_journal() -> Journal:
    """Three calls in order: a delete that failed with a hostile AWS message, a publish of a
    layer named like a formula, a grant whose outcome never got written; then a broken line."""
    journal = Journal()
    common = {"account": ACCOUNT, "region": "eu-north-1"}
    failed = journal.before("DeleteLayerVersion", profile="prod", **common,
                            args={"LayerName": HOSTILE, "VersionNumber": 2})
    journal.after(failed, error={"code": "AccessDeniedException",
                                 "message": f"no \x1b[31m{HOSTILE}"})
    clock.freeze(NOW.replace(minute=10))
    published = journal.before("PublishLayerVersion", profile="@SUM(A1)", **common,
                               args={"LayerName": FORMULA})
    journal.after(published, result={"Version": 1})
    clock.freeze(NOW.replace(minute=20))
    journal.before("AddLayerVersionPermission", profile="prod", **common,
                   args={"LayerName": "geo", "VersionNumber": 3, "StatementId": "s-1"},
                   extra={"arn": f"arn:aws:lambda:eu-north-1:{ACCOUNT}:layer:geo:3"})
    with journal.path.open("a", encoding="utf-8") as out:
        out.write('{"phase": "after", "action": 7}\n')
    clock.freeze(NOW)
    return journal



async def open_history(app: LayerTuiApp, pilot: object) -> HistoryScreen:
    await settle(pilot)
    await pilot.press("colon")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, CommandLine)
                     and bool(app.screen.query("#command-input")), "the command line")
    await pilot.press(*"history", "enter")  # type: ignore[attr-defined]
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


def rows_of(screen: HistoryScreen) -> list[list[str]]:
    return [[cell.plain for cell in row.cells]
            for row in screen.query_one(ResourceTable).shown_rows]


@pilot_test
async def test_history_lists_every_call_newest_first_and_shows_hostile_text_escaped() -> None:
    """Attack: journal lines carrying an OSC 52 clipboard write, a screen clear and a bidi
    override (in a layer name and an AWS error message), plus an unreadable line.
    Promise: the History screen lists the three calls newest first — who (profile, account),
    what, target, result (the one with no closing line as outcome unknown) — with every
    control character as an escape; the unreadable line is skipped with one warning; `/`
    filters the rows."""
    write_journal()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        rows = rows_of(screen)
        assert [r[4] for r in rows] == ["AddLayerVersionPermission", "PublishLayerVersion",
                                        "DeleteLayerVersion"]
        grant, publish, delete = rows
        assert grant[1:3] == ["prod", ACCOUNT] and "outcome unknown" in grant[6]
        assert publish[1] == "@SUM(A1)" and publish[6] == "ok"
        assert delete[6].startswith("failed: AccessDeniedException")
        for row in rows:
            for cell in row:
                assert cell.isprintable(), cell
        assert "\\x1b" in delete[5] and "\\x1b" in delete[6] and "\\u202e" in delete[5]
        assert any("unreadable" in line for line in said(app))
        await pilot.press("slash", *"publish", "enter")
        await pilot.pause()
        assert [r[4] for r in rows_of(screen)] == ["PublishLayerVersion"]


async def export_from_history(app: LayerTuiApp, pilot: object, target: Path,
                              fmt: str = "csv") -> ExportDialog:
    screen = await open_history(app, pilot)
    assert len(rows_of(screen)) == 3
    await pilot.press("e")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
    dialog = app.screen
    assert isinstance(dialog, ExportDialog)
    if fmt == "json":
        await pilot.click("#export-json")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
    path_input = dialog.query_one("#export-path")
    assert str(path_input.value).endswith(f".{fmt}")  # type: ignore[attr-defined]
    path_input.value = str(target)  # type: ignore[attr-defined]
    path_input.focus()
    await press_export(app, pilot, dialog)
    return dialog


async def press_export(app: LayerTuiApp, pilot: object, dialog: ExportDialog) -> None:
    """Enter in the path field; wait until the dialog closed or said why not (its worker
    waits on the dialog, so waiting for every worker would wait forever)."""
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: app.screen is not dialog
                     or str(dialog.query_one("#export-status").render()),
                     "the export written or its reason why not")
    await pilot.pause()  # type: ignore[attr-defined]


@pilot_test
async def test_csv_export_round_trips_real_strings_and_defeats_formulas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: a layer named `=HYPERLINK(...)` and a profile `@SUM(A1)` in the journal; a user
    opens the export in a spreadsheet. Promise: `e` writes the table's model rows (real
    strings, not the escaped screen text) to the file named, 0600, says where; read back with
    the csv module every cell is the real value, except that a cell starting with = + - @ has
    a leading ' so no spreadsheet runs it."""
    monkeypatch.chdir(tmp_path)
    write_journal()
    target = tmp_path / "history.csv"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await export_from_history(app, pilot, target)
        assert any(f"exported 3 rows to {target}" in line for line in said(app))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with target.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [r["action"] for r in records] == ["AddLayerVersionPermission",
                                              "PublishLayerVersion", "DeleteLayerVersion"]
    grant, publish, delete = records
    assert publish["target"] == "'" + FORMULA
    assert publish["profile"] == "'@SUM(A1)"
    assert delete["target"] == f"{HOSTILE}:2"  # the real string, control characters and all
    assert delete["result"] == f"failed: AccessDeniedException: no \x1b[31m{HOSTILE}"
    assert grant["target"] == f"arn:aws:lambda:eu-north-1:{ACCOUNT}:layer:geo:3"
    for record in records:
        for value in record.values():
            assert not value.startswith(("=", "+", "-", "@"))


@pilot_test
async def test_json_export_and_a_refused_path_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: export over a file that exists. Promise: one line in the dialog, the file keeps
    its bytes; JSON (picked in the dialog) round-trips the real strings with the json module."""
    monkeypatch.chdir(tmp_path)
    write_journal()
    taken = tmp_path / "taken.json"
    taken.write_text("mine\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await export_from_history(app, pilot, taken, fmt="json")
        assert app.screen is dialog
        status = str(dialog.query_one("#export-status").render())
        assert "exists" in status and "nothing was written" in status
        path_input = dialog.query_one("#export-path")
        path_input.value = str(tmp_path / "history.json")  # type: ignore[attr-defined]
        await press_export(app, pilot, dialog)
        assert app.screen is not dialog
    assert taken.read_text() == "mine\n"
    document = json.loads((tmp_path / "history.json").read_text())
    targets = [row["target"] for row in document["rows"]]
    assert targets[1] == FORMULA and targets[2] == f"{HOSTILE}:2"
