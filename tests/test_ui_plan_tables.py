"""Plan tables (repin, undo) stay readable at 80x24 and 140x40: no flag or result cut mid-word.

Pilot tests against the real sandbox; what is asserted is the text the terminal shows (the
compositor's strips), not the table's model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from on_screen import DialogHost as Host
from on_screen import composed_strips
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerState
from ui_fixtures import NOW, pilot_test

from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import apply_repin, plan_repin, wait_until_idle
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.dialogs.plan_dialog import PlanDialog

REGION = "eu-west-1"
LONG_NAME = "orders-api-with-a-rather-long-name"
ARCH_SENTENCE = "architecture x86_64 not in the target's ['arm64']"


pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        yield started




def estate(box: Sandbox) -> list[str]:
    """geo 1..3 (3 only for arm64 and python3.12), util 1; three python3.11 x86_64 functions,
    one with a long name and a CloudFormation stack tag: every row gets two or three flags."""
    from test_ui_dialogs import create_function, layer_zip

    lam = box.client("lambda", REGION)
    geo = [lam.publish_layer_version(
        LayerName="geo", Content={"ZipFile": layer_zip("geo", n)},
        CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["arm64"] if n == 3 else ["x86_64"])["LayerVersionArn"]
        for n in (1, 2, 3)]
    util = lam.publish_layer_version(LayerName="util", Content={"ZipFile": layer_zip("util")},
                                     CompatibleRuntimes=["python3.11"])["LayerVersionArn"]
    for name, layers in ((LONG_NAME, [util, geo[0]]), ("billing", [geo[1], util]),
                         ("report", [geo[0]])):
        create_function(box, name, layers)
        lam.update_function_configuration(FunctionName=name, Runtime="python3.11")
    lam.tag_resource(Resource=lam.get_function(FunctionName=LONG_NAME)["Configuration"][
        "FunctionArn"], Tags={"aws:cloudformation:stack-name": "orders-prod"})
    for name in (LONG_NAME, "billing", "report"):  # no "busy" flag from our own updates
        wait_until_idle(lam, name)
    return geo


def make_ops(box: Sandbox, tmp_path: Path) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=500))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def on_screen(app: App[Any]) -> str:
    """What the terminal shows, line by line."""
    return "\n".join(strip.text for strip in composed_strips(app))


def note_text(app: App[Any]) -> str:
    """The note under the table, its wrapped lines joined back into sentences."""
    region = app.screen.query_one("#plan-note").region
    assert region.height > 0 and app.screen.region.contains_region(region), "note off screen"
    lines = on_screen(app).splitlines()[region.y:region.bottom]
    return " ".join(line[region.x:region.right].strip() for line in lines)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        busy = [w for w in pilot.app.workers
                if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if condition() and not busy:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}\n{on_screen(pilot.app)}")


def painted(app: App[Any], name: str) -> bool:
    """Whether the row of ``name`` is on screen yet (the table repaints after its rows)."""
    try:
        return name in table_rows(app)
    except AssertionError:
        return False


def table_rows(app: App[Any]) -> dict[str, list[str]]:
    """The words of each plan row as the terminal shows them (a row may take several lines:
    those whose first column is blank continue the row above), by function; "header" too."""
    table = app.screen.query_one("#preview")
    assert app.screen.region.contains_region(table.region), "table not wholly on screen"
    lines = on_screen(app).splitlines()[table.region.y:table.region.bottom]
    inside = [line[table.region.x:table.region.right] for line in lines]
    rows: dict[str, list[str]] = {"header": inside[0].split()}
    current: list[str] = []
    for line in inside[1:]:
        if line[:3].strip():
            name = line.split()[0]
            # Nothing else left to give at 80 columns: the key column's end gives way, in
            # whole characters, with an ellipsis (the note under the table says it in full).
            if name.endswith("\N{HORIZONTAL ELLIPSIS}") and LONG_NAME.startswith(name[:-1]):
                name = LONG_NAME
            current = rows.setdefault(name, [])
        current.extend(line.split())
    return rows


@pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=["80x24", "140x40"])
@pilot_test
async def test_repin_flags_and_results_whole_words_with_a_legend(
    box: Sandbox, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Attack: three functions whose repin to geo:3 is flagged for runtime, architecture and
    (one of them, with a long name) a managed stack, in a terminal of 80x24 and of 140x40;
    a deploy lands on billing between plan and apply. The old table cut the Flags cells to
    ``architectur``/``architecture x86_64 not in the tar`` and the Result header to ``Resul``,
    and at 80x24 it was not on screen at all.
    Promise: the table is on screen; its header shows Function, Current, Flags and Result
    whole; each row's flags are whole words (runtime, arch, stack; at 80 columns the letters
    R, A, S) explained by a legend under the table, where the row under the cursor is told in
    full; after apply each Result is a whole word and billing's reason ("changed since the
    plan") is on screen, with the summary and the buttons."""
    from layer_tui.ui.dialogs.repin import RepinDialog

    estate(box)
    ops = make_ops(box, tmp_path)
    layer = next(x for x in scan_region(ops.session, REGION).layers if x.name == "geo")
    app = Host(lambda: RepinDialog(ops, REGION, layer, 3, None))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PlanDialog)
                    and app.screen.query_one("#preview").row_count == 3, "the plan")
        await until(pilot, lambda: painted(app, "billing"), "the rows painted")
        wide = size[0] >= 140  # flags as words; at 80 columns as letters with a legend
        rows = table_rows(app)
        assert {"Function", "Current", "Flags", "Result"} <= set(rows["header"]), rows
        assert ({"runtime", "arch"} <= set(rows["billing"])) if wide else ("RA" in rows["billing"])
        note = note_text(app)
        runtime = "runtime python3.11 not in the target's ['python3.12']"
        assert f"billing \N{EM DASH} runtime: {runtime}; arch: {ARCH_SENTENCE}" in note
        if wide:
            assert "arch = architecture not in the target's" in note
            assert "stack = a stack deploy reverts it" in note
            assert "util:1, geo:1" in " ".join(rows[LONG_NAME])  # the whole list
        else:
            assert "R runtime \N{MIDDLE DOT} A arch \N{MIDDLE DOT} S stack" in note
        await pilot.press("tab")  # from the ticks to the table
        await pilot.press("down")  # rows come into view as the cursor reaches them
        await until(pilot, lambda: f"{LONG_NAME} \N{EM DASH} runtime" in note_text(app),
                    "the long name told in full")
        assert "stack: managed by stack orders-prod" in note_text(app)
        long_row = table_rows(app)[LONG_NAME]
        assert ({"runtime", "arch", "stack"} <= set(long_row)) if wide else ("RAS" in long_row)
        await pilot.press("down")
        await until(pilot, lambda: "report \N{EM DASH} runtime" in note_text(app),
                    "the cursor's row told")
        report_row = table_rows(app)["report"]  # scrolled into view
        assert ({"runtime", "arch"} <= set(report_row)) if wide else ("RA" in report_row)

        box.client("lambda", REGION).update_function_configuration(
            FunctionName="billing", Description="deployed by someone else")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.report is not None, "the report")
        assert "moved" in table_rows(app).get("report", ()), on_screen(app)
        await pilot.press("shift+tab")  # from Close back to the table
        await pilot.press("up")
        await until(pilot, lambda: f"{LONG_NAME} \N{EM DASH}" in note_text(app),
                    "the long name told")
        assert "moved" in table_rows(app)[LONG_NAME]
        await pilot.press("up")
        await until(pilot, lambda: "billing \N{EM DASH} runtime" in note_text(app),
                    "billing told")
        assert "changed" in table_rows(app)["billing"]
        assert "changed: changed since the plan: left alone, plan it again" in note_text(app)
        status = app.screen.query_one("#status").region
        assert app.screen.region.contains_region(status)
        for button in ("#cancel", "#apply"):
            assert app.screen.region.contains_region(app.screen.query_one(button).region)


@pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=["80x24", "140x40"])
@pilot_test
async def test_undo_table_fits_and_names_results_whole(
    box: Sandbox, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Attack: undo of a repin of three functions (one with a long name) at 80x24 and 140x40.
    Promise: the table's header shows Result whole (not ``Resu``), every row ends in the
    whole word ``restored`` once undone, and Close and the summary are on screen."""
    from layer_tui.ui.dialogs.undo import UndoDialog, undo_plan

    geo = estate(box)
    ops = make_ops(box, tmp_path)
    apply_repin(ops, plan_repin(ops, REGION, geo[1], [LONG_NAME, "report"]), batch="b-1")
    found = await undo_plan(ops)
    app = Host(lambda: UndoDialog(ops, found))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PlanDialog)
                    and app.screen.query_one("#preview").row_count == 2, "the plan")
        await until(pilot, lambda: painted(app, "report"), "the rows painted")
        assert "Result" in table_rows(app)["header"]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.report is not None, "the report")
        rows = table_rows(app)
        assert "restored" in rows["report"] and "restored" in rows[LONG_NAME], rows
        assert "2 restored" in on_screen(app)
        assert app.screen.region.contains_region(app.screen.query_one("#cancel").region)


@pilot_test
async def test_repin_ticks_read_without_colour(box: Sandbox, tmp_path: Path) -> None:
    """Attack: the repin dialog where report already lists the target (so it starts unticked)
    and the others do not; the stock list drew the same "X" on ticked and unticked rows,
    told apart by colour only. Promise: ticked rows show a check mark, the unticked one none,
    and space on it adds one."""
    from layer_tui.ui.dialogs.repin import RepinDialog

    geo = estate(box)
    ops = make_ops(box, tmp_path)
    apply_repin(ops, plan_repin(ops, REGION, geo[2], ["report"]))
    layer = next(x for x in scan_region(ops.session, REGION).layers if x.name == "geo")
    app = Host(lambda: RepinDialog(ops, REGION, layer, 3, None))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PlanDialog)
                    and app.screen.query_one("#preview").row_count == 2, "the plan")

        def marks() -> dict[str, bool]:
            lines = on_screen(app).splitlines()
            return {name: "\N{CHECK MARK}" in next(line for line in lines
                                                   if f" {name}  (geo:" in line)
                    for name in ("billing", LONG_NAME, "report")}

        assert marks() == {"billing": True, LONG_NAME: True, "report": False}
        await pilot.press("down", "down", "space")
        await until(pilot, lambda: marks()["report"], "report ticked")
