"""`layer-tui backups` names a forged or damaged backup instead of listing it as any other.

Attack: anyone who can write to the backups folder can copy a backup to another version's
place, truncate its zip, remove it, or replace its metadata. Restore refuses each (tested in
test_safety_restore.py), but a listing that shows them like sound backups sends the operator to
a restore that will fail, at the moment a version is missing. Promise: the listing runs every
check restore runs except hashing the zip, marks such a folder REFUSED with why (text and
JSON `problem`; the restore dialog's row says so too), and lists a sound backup as ok.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import test_safety_restore as restore_tests
from test_safety_restore import REGION, deleted_backup, make_ops, run_cli

from layer_tui.sandbox.server import Sandbox

# The restore tests' fixtures: a sandbox, and a layer zip of a real wheel.
box = restore_tests.box
six_layer_zip = restore_tests.six_layer_zip


def copy_as(backup: Path, version: int) -> Path:
    """A copy of ``backup`` whose metadata names its new place: a consistent forgery."""
    copy = backup.parent / str(version)
    shutil.copytree(backup, copy)
    meta = json.loads((copy / "metadata.json").read_text())
    meta["LayerVersionArn"] = f"{meta['LayerVersionArn'].rsplit(':', 1)[0]}:{version}"
    meta["Version"] = version
    (copy / "metadata.json").write_text(json.dumps(meta))
    return copy


def test_forged_and_damaged_backups_are_listed_as_refused_with_why(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], six_layer_zip: bytes,
) -> None:
    ops = make_ops(box, tmp_path)
    sound = deleted_backup(box, ops, six_layer_zip)
    layer_folder = sound.parent
    moved = layer_folder / "7"  # a copy of six:1 passed off as six:7
    shutil.copytree(sound, moved)
    truncated = copy_as(sound, 8)
    data = (truncated / "layer.zip").read_bytes()
    (truncated / "layer.zip").write_bytes(data[: len(data) // 2])
    no_zip = copy_as(sound, 9)
    (no_zip / "layer.zip").unlink()
    garbage = copy_as(sound, 10)
    (garbage / "metadata.json").write_text("{not json")

    code, out, err = run_cli(box, capsys, "backups", "--json")
    assert code == 0, err
    problems = {b["version"]: b["problem"] for b in json.loads(out)["backups"]}
    assert problems[1] is None
    assert "describes" in problems[7] and "six/7" in problems[7]
    assert "layer.zip is" in problems[8] and "not the one backed up" in problems[8]
    assert "no layer.zip" in problems[9]
    assert "not valid JSON" in problems[10]

    code, out, err = run_cli(box, capsys, "backups")
    assert code == 0, err
    rows = {line.split()[2]: line for line in out.splitlines()[2:] if line.startswith(REGION)
            and len(line.split()) > 6}
    assert " ok " in rows["1"] and all(" REFUSED " in rows[v] for v in ("7", "8", "9", "10"))
    reasons = [line for line in out.splitlines() if line.endswith("restore will refuse it")]
    assert sorted(line.split()[0] for line in reasons) == ["six:10", "six:7", "six:8", "six:9"]
