"""Pilot tests of the mutating dialogs against the real sandbox (one fresh account per test)."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from on_screen import DialogHost as Host
from on_screen import measured
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import WorkerState
from ui_fixtures import NOW, pilot_test
from waiting import wait_until

from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import Layer, LayerVersion
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.dialogs.base import StatusLine
from layer_tui.ui.dialogs.delete import DeleteVersionDialog
from layer_tui.ui.dialogs.keep_newest import KeepNewestDialog

REGION = "eu-west-1"
SIZE = (120, 40)
SNAPSHOT_ACCOUNT = "210987654321"  # not the demo account: both may run in one process
pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        yield started


@pytest.fixture
def snap_box() -> Iterator[Sandbox]:
    """A sandbox with a fixed account id, so ARNs in snapshots never change."""
    with Sandbox(account_id=SNAPSHOT_ACCOUNT, regions=(REGION,)) as started:
        yield started


# -- helpers ------------------------------------------------------------------------------------




def make_ops(box: Sandbox, tmp_path: Path, *, read_only: bool = False) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=500, read_only=read_only))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def layer_zip(name: str = "geo", version: int = 1, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # Fixed timestamps: the same content always gives the same CodeSha256 (snapshots).
        files = {f"python/{name}/__init__.py": f"VERSION = {version}\n".encode(), **(extra or {})}
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def publish(box: Sandbox, name: str, count: int) -> list[dict[str, Any]]:
    lam = box.client("lambda", REGION)
    return [
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip(name, n)},
                                  CompatibleRuntimes=["python3.12"])
        for n in range(1, count + 1)
    ]


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        code = "def handler(event, context):\n    return 1\n"
        archive.writestr(zipfile.ZipInfo("app.py", (1980, 1, 1, 0, 0, 0)), code)
    return buffer.getvalue()


def create_function(box: Sandbox, name: str, layers: list[str]) -> None:
    box.client("lambda", REGION).create_function(
        FunctionName=name, Runtime="python3.12", Role=box.execution_role_arn,
        Handler="app.handler", Code={"ZipFile": function_zip()}, Layers=layers,
    )


def function_layers(box: Sandbox, name: str) -> list[str]:
    config = box.client("lambda", REGION).get_function_configuration(FunctionName=name)
    return [layer["Arn"] for layer in config.get("Layers") or ()]


def layer_of(ops: LayerOperations, name: str) -> Layer:
    region = scan_region(ops.session, REGION)
    return next(layer for layer in region.layers if layer.name == name)


def version_of(ops: LayerOperations, name: str, number: int) -> LayerVersion:
    return next(v for v in layer_of(ops, name).versions if v.version == number)


def remaining_versions(box: Sandbox, name: str) -> list[int]:
    listed = box.client("lambda", REGION).list_layer_versions(LayerName=name)["LayerVersions"]
    return sorted(v["Version"] for v in listed)


def status_text(app: App[Any]) -> str:
    return str(app.screen.query_one("#status", StatusLine).render())


def screen_text(app: App[Any]) -> str:
    """Everything the dialog shows, as plain text."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Until the dialog on top is mounted and none of its workers is still going.

    On a loaded machine one pause may not be enough for the dialog to mount and start its
    first worker, and a worker's result may start another: wait for all of that, boundedly.
    """
    def idle() -> bool:
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        return app.screen.is_mounted and not busy

    await pilot.pause()
    await wait_until(pilot, idle, what="the dialog mounted and its workers done")
    await pilot.pause()


async def steady(pilot: Pilot[Any]) -> None:
    """For snapshots: wait for the dialog's workers and its tables' measures, and stop
    cursors blinking."""
    await settle(pilot.app, pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    tables = pilot.app.screen.query(DataTable)
    await wait_until(pilot, lambda: all(measured(t) for t in tables if t.row_count),
                     what="the tables measured")
    await pilot.pause()


# -- delete -------------------------------------------------------------------------------------


@pilot_test
async def test_delete_unused_version_cancel_first_tab_enter_deletes(
    box: Sandbox, tmp_path: Path
) -> None:
    published = publish(box, "geo", 2)
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    app = Host(lambda: DeleteVersionDialog(ops, [version]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # Delete waits for the live check
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        assert version.arn in screen_text(app)
        assert "no function uses it" in screen_text(app)
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert remaining_versions(box, "geo") == [2]
        backup = tmp_path / "backups" / box.account_id / REGION / "geo" / "1"
        data = (backup / "layer.zip").read_bytes()
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert digest == published[0]["Content"]["CodeSha256"]
        assert (backup / "metadata.json").is_file() and (backup / "policy.json").is_file()
        assert f"deleted geo:1, backup in {backup}" in status_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [True]


@pilot_test
async def test_delete_enter_on_cancel_deletes_nothing(box: Sandbox, tmp_path: Path) -> None:
    publish(box, "geo", 1)
    ops = make_ops(box, tmp_path)
    app = Host(lambda: DeleteVersionDialog(ops, [version_of(ops, "geo", 1)]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await settle(app, pilot)
    assert app.results == [False]
    assert remaining_versions(box, "geo") == [1]


@pilot_test
async def test_delete_used_version_needs_the_exact_name(box: Sandbox, tmp_path: Path) -> None:
    published = publish(box, "geo", 2)
    create_function(box, "orders-api", [published[0]["LayerVersionArn"]])
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    assert [c.function for c in version.consumers] == ["orders-api"]
    app = Host(lambda: DeleteVersionDialog(ops, [version]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # Delete waits for the live check
        assert app.screen.focused is not None and app.screen.focused.id == "confirm-name"
        text = screen_text(app)
        assert "orders-api ($LATEST)" in text and "next deploy" in text
        await pilot.press(*["enter"] * 8)
        await settle(app, pilot)
        assert remaining_versions(box, "geo") == [1, 2]
        await pilot.press(*"geo:2", "enter", "enter")
        await settle(app, pilot)
        assert remaining_versions(box, "geo") == [1, 2]
        assert "not geo:1" in status_text(app)
        assert app.screen.query_one("#delete").disabled
        field = app.screen.query_one("#confirm-name", Input)
        field.focus()
        field.value = ""
        await pilot.press(*"geo:1", "enter")
        await settle(app, pilot)
        assert remaining_versions(box, "geo") == [2]
        assert "deleted geo:1" in status_text(app)
    deletes = [e for e in ops.journal.entries() if e.action == "DeleteLayerVersion"]
    assert [e.phase for e in deletes] == ["before", "after"]


@pilot_test
async def test_keep_newest_deletes_old_unused_versions_one_journal_line_each(
    box: Sandbox, tmp_path: Path
) -> None:
    published = publish(box, "geo", 5)
    create_function(box, "orders-api", [published[0]["LayerVersionArn"]])
    ops = make_ops(box, tmp_path)
    layer = layer_of(ops, "geo")
    app = Host(lambda: KeepNewestDialog(ops, layer.versions, keep=3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # Delete waits for the live check
        # keep 3 → 2 would go, and 1 is used: only 2 is planned.
        assert "layer:geo:2" in screen_text(app) and "layer:geo:1" not in screen_text(app)
        field = app.screen.query_one("#keep", Input)
        field.value = "2"
        await pilot.pause()
        assert "layer:geo:3" in screen_text(app)
        await pilot.press("shift+tab", "enter")  # from the N field (first), back to Delete
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
    assert remaining_versions(box, "geo") == [1, 4, 5]
    after = [e for e in ops.journal.entries()
             if e.action == "DeleteLayerVersion" and e.phase == "after"]
    assert sorted(e.args["VersionNumber"] for e in after) == [2, 3]
    assert len({e.batch for e in after}) == 1
    assert app.results == [True]


@pilot_test
async def test_delete_in_read_only_refuses_in_one_line(box: Sandbox, tmp_path: Path) -> None:
    publish(box, "geo", 1)
    ops = make_ops(box, tmp_path, read_only=True)
    app = Host(lambda: DeleteVersionDialog(ops, [version_of(ops, "geo", 1)]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # Delete waits for the live check
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert "read-only" in status_text(app)
        assert "Traceback" not in status_text(app)
    assert remaining_versions(box, "geo") == [1]


def test_delete_dialog_snapshot(snap_box: Sandbox, tmp_path: Path, snap_compare: Any) -> None:
    published = publish(snap_box, "geo", 2)
    create_function(snap_box, "orders-api", [published[0]["LayerVersionArn"]])
    ops = make_ops(snap_box, tmp_path)
    version = version_of(ops, "geo", 1)
    assert snap_compare(Host(lambda: DeleteVersionDialog(ops, [version])),
                        terminal_size=SIZE, run_before=steady)


# -- repin and undo -----------------------------------------------------------------------------


def repin_estate(box: Sandbox) -> tuple[list[str], list[str]]:
    """geo 1..3 and util 1; three functions on old geo versions, util listed around geo."""
    geo = [v["LayerVersionArn"] for v in publish(box, "geo", 3)]
    util = [v["LayerVersionArn"] for v in publish(box, "util", 1)]
    create_function(box, "orders-api", [util[0], geo[0]])
    create_function(box, "billing", [geo[1], util[0]])
    create_function(box, "report", [geo[0]])
    return geo, util


@pilot_test
async def test_repin_moves_exactly_the_ticked_functions_keeping_order(
    box: Sandbox, tmp_path: Path
) -> None:
    from textual.widgets import DataTable, SelectionList

    from layer_tui.ui.dialogs.repin import RepinDialog

    geo, util = repin_estate(box)
    ops = make_ops(box, tmp_path)
    layer = layer_of(ops, "geo")
    app = Host(lambda: RepinDialog(ops, REGION, layer, None, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        choices = app.screen.query_one("#functions", SelectionList)
        assert sorted(choices.selected) == ["billing", "orders-api", "report"]
        choices.deselect("report")
        await wait_until(
            pilot,
            lambda: app.screen.plan is not None
            and {i.function for i in app.screen.plan.items} == {"billing", "orders-api"},
            what="the plan without the unticked function",
        )
        await settle(app, pilot)
        table = app.screen.query_one("#preview", DataTable)
        assert sorted(str(k.value) for k in table.rows) == ["billing", "orders-api"]
        row = [str(c) for c in table.get_row("orders-api")]
        assert row[1:3] == ["util:1, geo:1", "util:1, geo:3"]
        assert not app.screen.query_one("#apply").disabled
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status_text(app).startswith("2 moved")
        assert str(table.get_cell("billing", "result")) == "moved"
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [True]
    assert function_layers(box, "orders-api") == [util[0], geo[2]]
    assert function_layers(box, "billing") == [geo[2], util[0]]
    assert function_layers(box, "report") == [geo[0]]


@pilot_test
async def test_repin_to_a_chosen_version_and_preset_functions(
    box: Sandbox, tmp_path: Path
) -> None:
    from layer_tui.ui.dialogs.repin import RepinDialog

    geo, util = repin_estate(box)
    ops = make_ops(box, tmp_path)
    layer = layer_of(ops, "geo")
    app = Host(lambda: RepinDialog(ops, REGION, layer, 2, ["report"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status_text(app).startswith("1 moved")
    assert function_layers(box, "report") == [geo[1]]
    assert function_layers(box, "orders-api") == [util[0], geo[0]]


@pilot_test
async def test_repin_read_only_refuses(box: Sandbox, tmp_path: Path) -> None:
    from layer_tui.ui.dialogs.repin import RepinDialog

    geo, _ = repin_estate(box)
    ops = make_ops(box, tmp_path, read_only=True)
    layer = layer_of(ops, "geo")
    app = Host(lambda: RepinDialog(ops, REGION, layer, None, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "read-only" in status_text(app)
    assert function_layers(box, "report") == [geo[0]]


@pilot_test
async def test_undo_restores_the_exact_lists(box: Sandbox, tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from layer_tui.aws.repin import apply_repin, plan_repin
    from layer_tui.ui.dialogs.undo import UndoDialog

    geo, util = repin_estate(box)
    ops = make_ops(box, tmp_path)
    plan = plan_repin(ops, REGION, geo[2], ["orders-api", "billing", "report"])
    assert apply_repin(ops, plan).count("moved") == 3
    app = Host(lambda: UndoDialog(ops))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#preview", DataTable)
        assert [str(c) for c in table.get_row("billing")][1:3] == [
            "geo:3, util:1", "geo:2, util:1"
        ]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status_text(app).startswith("3 restored")
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [True]
    assert function_layers(box, "orders-api") == [util[0], geo[0]]
    assert function_layers(box, "billing") == [geo[1], util[0]]
    assert function_layers(box, "report") == [geo[0]]


@pilot_test
async def test_undo_with_nothing_in_the_journal(box: Sandbox, tmp_path: Path) -> None:
    from layer_tui.ui.dialogs.undo import UndoDialog

    ops = make_ops(box, tmp_path)
    app = Host(lambda: UndoDialog(ops))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Nothing to undo" in screen_text(app)
        assert app.screen.query_one("#apply").disabled
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
    assert app.results == [False]


def test_repin_dialog_snapshot(snap_box: Sandbox, tmp_path: Path, snap_compare: Any) -> None:
    from layer_tui.ui.dialogs.repin import RepinDialog

    repin_estate(snap_box)
    ops = make_ops(snap_box, tmp_path)
    layer = layer_of(ops, "geo")
    assert snap_compare(Host(lambda: RepinDialog(ops, REGION, layer, None, None)),
                        terminal_size=SIZE, run_before=steady)


def test_undo_dialog_snapshot(snap_box: Sandbox, tmp_path: Path, snap_compare: Any) -> None:
    from layer_tui.aws.repin import apply_repin, plan_repin
    from layer_tui.ui.dialogs.undo import UndoDialog

    geo, _ = repin_estate(snap_box)
    ops = make_ops(snap_box, tmp_path)
    apply_repin(ops, plan_repin(ops, REGION, geo[2], ["orders-api", "billing"]),
                batch="repin-snapshot")
    assert snap_compare(Host(lambda: UndoDialog(ops)), terminal_size=SIZE, run_before=steady)


# -- publish and restore ------------------------------------------------------------------------


def layer_tree(root: Path) -> Path:
    (root / "python" / "geo").mkdir(parents=True)
    (root / "python" / "geo" / "__init__.py").write_text("VERSION = 1\n")
    (root / "python" / "geo" / "data.txt").write_text("x" * 5000)
    (root / "README.md").write_text("not on any runtime's path\n")
    return root


async def fill_source(app: App[Any], pilot: Pilot[Any], source: str) -> None:
    """Type ``source`` into the publish dialog and wait for its preview of that source (the
    dialog previews once typing pauses)."""
    dialog: Any = app.screen
    dialog.query_one("#source", Input).value = source
    await wait_until(
        pilot,
        lambda: dialog.prepared_source == source and not dialog.query_one("#publish").disabled,
        what=f"the preview of {source}",
    )
    await settle(app, pilot)


@pilot_test
async def test_publish_from_a_directory_previews_then_ctrl_s_publishes(
    box: Sandbox, tmp_path: Path
) -> None:
    from textual.widgets import SelectionList

    from layer_tui.ui.dialogs.publish import PublishDialog

    tree = layer_tree(tmp_path / "tree")
    ops = make_ops(box, tmp_path)
    app = Host(lambda: PublishDialog(ops, REGION, "geo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#publish").disabled
        app.screen.query_one("#runtimes", SelectionList).select("python3.12")
        await fill_source(app, pilot, str(tree))
        preview = str(app.screen.query_one("#preview").render())
        assert "zipped" in preview and "unzipped" in preview and "3 files" in preview
        assert "README.md" in preview
        assert not app.screen.query_one("#publish").disabled
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "published arn:aws:lambda" in status_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [True]
    lam = box.client("lambda", REGION)
    [version] = lam.list_layer_versions(LayerName="geo")["LayerVersions"]
    assert version["CompatibleRuntimes"] == ["python3.12"]


@pilot_test
async def test_publish_with_a_bad_name_says_one_line_and_publishes_nothing(
    box: Sandbox, tmp_path: Path
) -> None:
    from layer_tui.ui.dialogs.publish import PublishDialog

    tree = layer_tree(tmp_path / "tree")
    ops = make_ops(box, tmp_path)
    app = Host(lambda: PublishDialog(ops, REGION, None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"geo lib")
        check = str(app.screen.query_one("#name-check").render())
        assert "characters AWS refuses" in check and "\n" not in check
        await fill_source(app, pilot, str(tree))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "characters AWS refuses" in status_text(app)
        assert "\n" not in status_text(app)
    assert box.client("lambda", REGION).list_layers()["Layers"] == []
    assert not any(e.action == "PublishLayerVersion" for e in ops.journal.entries())


@pilot_test
async def test_publish_offers_to_copy_the_previous_permissions(
    box: Sandbox, tmp_path: Path
) -> None:
    from layer_tui.ui.dialogs.publish import PublishDialog

    publish(box, "geo", 1)
    lam = box.client("lambda", REGION)
    lam.add_layer_version_permission(LayerName="geo", VersionNumber=1, StatementId="everyone",
                                     Action="lambda:GetLayerVersion", Principal="*")
    tree = layer_tree(tmp_path / "tree")
    ops = make_ops(box, tmp_path)
    app = Host(lambda: PublishDialog(ops, REGION, "geo"))
    async with app.run_test(size=SIZE) as pilot:
        await fill_source(app, pilot, str(tree))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen.focused is not None and app.screen.focused.id == "copy"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "copied 1 permission" in status_text(app)
    policy = lam.get_layer_version_policy(LayerName="geo", VersionNumber=2)["Policy"]
    assert "everyone" in policy
    assert any(e.action == "AddLayerVersionPermission" for e in ops.journal.entries())


@pilot_test
async def test_restore_publishes_the_backup_under_a_new_number(
    box: Sandbox, tmp_path: Path
) -> None:
    from layer_tui.ui.dialogs.publish import RestoreDialog

    published = publish(box, "geo", 1)
    ops = make_ops(box, tmp_path)
    ops.delete_layer_version(version_of(ops, "geo", 1))
    app = Host(lambda: RestoreDialog(ops))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "version number will change" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "restored geo:1 as geo:2" in status_text(app)
    [version] = box.client("lambda", REGION).list_layer_versions(LayerName="geo")["LayerVersions"]
    assert version["Version"] == 2
    restored = box.client("lambda", REGION).get_layer_version(LayerName="geo", VersionNumber=2)
    assert restored["Content"]["CodeSha256"] == published[0]["Content"]["CodeSha256"]


def test_publish_dialog_snapshot(snap_box: Sandbox, tmp_path: Path, snap_compare: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from layer_tui.ui.dialogs.publish import PublishDialog

    layer_tree(tmp_path / "tree")
    monkeypatch.chdir(tmp_path)  # a relative source path: no tmp dir in the picture
    ops = make_ops(snap_box, tmp_path)

    async def preview(pilot: Pilot[Any]) -> None:
        await fill_source(pilot.app, pilot, "tree")
        await steady(pilot)

    assert snap_compare(Host(lambda: PublishDialog(ops, REGION, "geo")), terminal_size=SIZE,
                        run_before=preview)

