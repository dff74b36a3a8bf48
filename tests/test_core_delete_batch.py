"""The core owns the delete batch: begin/end journaling without any UI, over real HTTP.

Promise: ``delete_batch.delete_versions`` — what the delete and keep-newest dialogs call, and
what a CLI would — journals the batch's plan before the first delete and its counts after the
last, every delete line carrying the batch id; each version is re-read live before its delete
(news stops a hand-picked batch, keep-newest goes on with the free ones); a cancel is honoured
between versions; and the batch is closed even when the caller's progress callback fails.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from layer_tui.aws.delete_batch import DeleteProgress, delete_versions
from layer_tui.aws.delete_check import assess_deletes
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal, JournalEntry
from layer_tui.aws.journal_entry import BATCH_ACTION
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations, plan_keep_newest
from layer_tui.aws.recovery import interrupted_work
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        started.revisions.update_seconds = 0.05
        yield started


def tiny_zip(marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/m.py", marker)
    return buffer.getvalue()


def make_ops(box: Sandbox, tmp_path: Path) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def publish(box: Sandbox, name: str, count: int) -> list[str]:
    lam = box.client("lambda", REGION)
    return [
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": tiny_zip(f"{name}{n}")},
                                  CompatibleRuntimes=["python3.12"])["LayerVersionArn"]
        for n in range(count)
    ]


def attach(box: Sandbox, function: str, layer_arn: str) -> None:
    lam = box.client("lambda", REGION)
    lam.create_function(FunctionName=function, Runtime="python3.12", Role=box.execution_role_arn,
                        Handler="app.handler", Code={"ZipFile": tiny_zip("f")},
                        Layers=[layer_arn])
    lam.get_waiter("function_active_v2").wait(FunctionName=function)


def versions_of(ops: LayerOperations, name: str) -> list[LayerVersion]:
    layer = next(layer for layer in scan_region(ops.session, REGION).layers if layer.name == name)
    return sorted(layer.versions, key=lambda v: -v.version)


def remaining(box: Sandbox, name: str) -> list[int]:
    listed = box.client("lambda", REGION).list_layer_versions(LayerName=name)["LayerVersions"]
    return sorted(v["Version"] for v in listed)


def batch_lines(ops: LayerOperations) -> list[JournalEntry]:
    return [e for e in ops.journal.entries() if e.action == BATCH_ACTION]


def test_a_delete_batch_journals_begin_and_end_without_the_ui(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: delete two versions with no dialog at all (as a CLI would). Promise: the
    journal holds the batch's plan (kind, targets) before the first delete and its counts
    after; each delete names the batch; the backups exist; nothing of textual was needed."""
    publish(box, "geo", 3)
    ops = make_ops(box, tmp_path)
    old = versions_of(ops, "geo")[1:]
    steps: list[DeleteProgress] = []

    outcomes = delete_versions(ops, old, assess_deletes(ops.session, ops.journal, old),
                               on_progress=steps.append)

    assert [o.label for o in outcomes] == ["geo:2", "geo:1"]
    assert all(o.error is None and o.backup and Path(o.backup).is_dir() for o in outcomes)
    assert remaining(box, "geo") == [3]
    begin, end = batch_lines(ops)
    assert (begin.phase, end.phase) == ("before", "after")
    assert begin.args == {"kind": "delete", "targets": ["geo:2", "geo:1"]}
    assert end.result == {"deleted": 2, "failed": 0, "not_tried": 0}
    deletes = [e for e in ops.journal.entries() if e.action == "DeleteLayerVersion"]
    assert len(deletes) == 4 and {e.batch for e in deletes} == {begin.batch}
    entries = list(ops.journal.entries())
    assert entries.index(begin) == 0 and entries[-1] == end
    assert [(s.label, s.position, s.deleted) for s in steps] == [
        ("geo:2", 1, False), ("geo:2", 1, True), ("geo:1", 2, False), ("geo:1", 2, True)]
    assert interrupted_work(ops.journal) == []


def test_news_stops_a_hand_picked_batch_but_keep_newest_goes_on(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: both old versions were read free, then geo:2 gains a consumer before its turn.
    Promise: with ``stop_on_change`` nothing is deleted and the batch ends with geo:1 not
    tried; without (keep-newest) geo:2 is kept with the fresh reading and geo:1 goes."""
    geo = publish(box, "geo", 3)
    ops = make_ops(box, tmp_path)
    versions = versions_of(ops, "geo")
    live = assess_deletes(ops.session, ops.journal, versions)
    planned = plan_keep_newest(versions, 1, live)
    attach(box, "late", geo[1])

    stopped = delete_versions(ops, planned, live, stop_on_change=True)
    assert [(o.label, o.backup) for o in stopped] == [("geo:2", None)]
    assert stopped[0].changed is not None and stopped[0].changed.needs_typed_name
    assert remaining(box, "geo") == [1, 2, 3]
    assert batch_lines(ops)[-1].result == {"deleted": 0, "failed": 1, "not_tried": 1}

    went_on = delete_versions(ops, planned, live, stop_on_change=False)
    assert [(o.label, o.error is None) for o in went_on] == [("geo:2", False), ("geo:1", True)]
    assert remaining(box, "geo") == [2, 3]
    assert batch_lines(ops)[-1].result == {"deleted": 1, "failed": 1, "not_tried": 0}


def test_a_cancel_between_versions_and_a_failing_callback_close_the_batch(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: cancel after the first delete; then a caller whose progress callback dies
    (a closed window). Promise: the cancel leaves the second version untouched and says so
    in the counts; the callback's error propagates, yet the batch is closed, so start-up
    recovery does not report a crash that did not happen."""
    publish(box, "geo", 3)
    ops = make_ops(box, tmp_path)
    old = versions_of(ops, "geo")[1:]
    live = assess_deletes(ops.session, ops.journal, old)
    done: list[str] = []

    def note(step: DeleteProgress) -> None:
        if step.deleted:
            done.append(step.label)

    outcomes = delete_versions(ops, old, live, on_progress=note, cancelled=lambda: bool(done))
    assert [o.label for o in outcomes] == ["geo:2"] and remaining(box, "geo") == [1, 3]
    assert batch_lines(ops)[-1].result == {"deleted": 1, "failed": 0, "not_tried": 1}

    def window_closed(step: DeleteProgress) -> None:
        raise RuntimeError("the app is gone")

    with pytest.raises(RuntimeError, match="the app is gone"):
        delete_versions(ops, old[1:], live, on_progress=window_closed)
    assert remaining(box, "geo") == [1, 3]
    assert batch_lines(ops)[-1].result == {"deleted": 0, "failed": 0, "not_tried": 1}
    assert interrupted_work(ops.journal) == []
