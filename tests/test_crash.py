"""A process killed in the middle of a repin batch or of a delete, for real (SIGKILL).

The batch runs in a child process against the sandbox served by this one; the sandbox kills the
child while AWS handles one call — before applying it or after — exactly where a real crash, a
closed laptop or a dropped SSH session would. Then, as the next start of the app does:
``recover`` must say what was and was not done, the journal must be complete again, and undo /
restore must still put everything back.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from on_screen import said
from test_repin import REGION, estate, geo, layers_of, tiny_zip  # noqa: F401
from waiting import wait_until

from layer_tui.aws.backups import list_backups
from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import BATCH_ACTION, LayerOperations
from layer_tui.aws.publishing import prepare_archive, publish_layer_version, restore_request
from layer_tui.aws.recovery import interrupted_work, recover
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.sandbox.calls import ApiCall, ApiReply
from layer_tui.sandbox.server import Sandbox

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from layer_tui.aws.journal import Journal
    from layer_tui.aws.operations import LayerOperations
    from layer_tui.aws.inventory import scan_region
    from layer_tui.aws.repin import apply_repin, plan_repin
    from layer_tui.aws.undo import apply_undo, plan_undo
    from layer_tui.aws.session import AwsSession, SessionConfig

    endpoint, region, tmp, action, target = sys.argv[1:6]
    session = AwsSession(SessionConfig(endpoint_url=endpoint, regions=(region,),
                                       rate_per_second=500.0))
    ops = LayerOperations(session, Journal(Path(tmp) / "journal.jsonl"), Path(tmp) / "backups")
    if action == "repin":
        names = [f"svc-{n}" for n in range(10)]
        apply_repin(ops, plan_repin(ops, region, target, names))
    elif action == "undo":
        apply_undo(ops, *plan_undo(ops))
    else:
        inventory = scan_region(session, region)
        layer = next(l for l in inventory.layers if l.arn == target.rsplit(":", 1)[0])
        version = next(v for v in layer.versions if v.arn == target)
        ops.delete_layer_version(version)
    print("finished")
""")


class KillChild:
    """Kills the child with SIGKILL during the ``nth`` call of ``operation``.

    ``applied=False`` kills it before AWS acts (the call then fails, as the connection would);
    ``applied=True`` lets AWS act, then kills the child before it reads the answer.
    """

    def __init__(self, operation: str, nth: int, applied: bool) -> None:
        self.operation, self.nth, self.applied = operation, nth, applied
        self.child: subprocess.Popen[str] | None = None
        self.seen = 0
        self.lock = threading.Lock()

    def _kill(self) -> None:
        assert self.child is not None
        os.kill(self.child.pid, signal.SIGKILL)
        self.child.wait(timeout=10)

    def _is_the_call(self, call: ApiCall) -> bool:
        if call.operation != self.operation:
            return False
        with self.lock:
            self.seen += 1
            return self.seen == self.nth

    def before(self, call: ApiCall) -> ApiReply | None:
        if not self.applied and self._is_the_call(call):
            self._kill()
            return ApiReply(500, [], b"")  # nobody is left to read it
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        if self.applied and self._is_the_call(call):
            self._kill()
        return reply


def run_child(sandbox: Sandbox, tmp_path: Path, killer: KillChild, action: str,
              target: str) -> None:
    sandbox.add_interceptor(killer)
    killer.child = subprocess.Popen(
        [sys.executable, "-c", CHILD, sandbox.endpoint_url, REGION, str(tmp_path), action,
         target],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        cwd=Path(__file__).resolve().parents[1],
    )
    out, err = killer.child.communicate(timeout=120)
    assert killer.child.returncode == -signal.SIGKILL, (out, err)
    assert "finished" not in out


def ops_for(sandbox: Sandbox, tmp_path: Path) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def journal_lines(tmp_path: Path) -> list[dict[str, object]]:
    text = (tmp_path / "journal.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def original(estate: Sandbox) -> Iterator[dict[str, list[str]]]:  # noqa: F811
    yield {f"svc-{n}": layers_of(estate, f"svc-{n}") for n in range(10)}


@pytest.mark.parametrize("applied", [True, False], ids=["aws-applied", "aws-did-not"])
def test_repin_killed_mid_batch_says_what_was_done_and_undo_puts_all_back(
    estate: Sandbox, original: dict[str, list[str]], tmp_path: Path,  # noqa: F811
    applied: bool,
) -> None:
    run_child(estate, tmp_path, KillChild("UpdateFunctionConfiguration", 3, applied),
              "repin", geo(estate, 3))
    on_target = [n for n in original if geo(estate, 3) in layers_of(estate, n)]
    assert on_target == (["svc-0", "svc-1", "svc-2"] if applied else ["svc-0", "svc-1"])

    # The journal alone says it: two done, one in flight, seven never started.
    [work] = interrupted_work(Journal(tmp_path / "journal.jsonl"))
    assert (work.kind, work.done, work.failed) == ("repin", ["svc-0", "svc-1"], [])
    assert [e.args["FunctionName"] for e in work.in_flight] == ["svc-2"]
    assert work.not_started == [f"svc-{n}" for n in range(3, 10)]

    ops = ops_for(estate, tmp_path)
    [line] = recover(ops)
    if applied:
        assert line.startswith("A repin was cut short (the app stopped mid-way): 3 done "
                               "(svc-0, svc-1, svc-2), 7 never started (svc-3, svc-4, svc-5 "
                               "and 4 more)")
    else:
        assert "2 done (svc-0, svc-1), svc-2 not changed, 7 never started" in line
    assert line.endswith("u undoes what was done")
    # Settled and closed: the next start has nothing to say, and every line has its pair.
    assert recover(ops) == []
    phases: dict[object, list[object]] = {}
    for entry in journal_lines(tmp_path):
        phases.setdefault(entry["id"], []).append(entry["phase"])
    assert all(p == ["before", "after"] for p in phases.values())
    batch_end = [e for e in journal_lines(tmp_path)
                 if e["action"] == BATCH_ACTION and e["phase"] == "after"]
    assert batch_end[0]["result"] == {"interrupted": 1, "done": 2, "failed": 0,
                                      "not_started": 7, "in_flight_applied": int(applied)}

    found = plan_undo(ops)
    assert found is not None
    batch, plan = found
    assert [i.function for i in plan.runnable] == (
        ["svc-0", "svc-1", "svc-2"] if applied else ["svc-0", "svc-1"])
    report = apply_undo(ops, batch, plan)
    assert report.count("moved") == len(plan.runnable)
    assert {n: layers_of(estate, n) for n in original} == original
    assert plan_undo(ops) is None


def test_an_undo_cut_short_can_be_finished(
    estate: Sandbox, original: dict[str, list[str]], tmp_path: Path,  # noqa: F811
) -> None:
    ops = ops_for(estate, tmp_path)
    apply_repin(ops, plan_repin(ops, REGION, geo(estate, 2), list(original)))
    run_child(estate, tmp_path, KillChild("UpdateFunctionConfiguration", 4, False),
              "undo", "-")
    [line] = recover(ops)
    assert line == ("An undo was cut short (the app stopped mid-way): 3 done (svc-0, svc-1, "
                    "svc-2), svc-3 not changed, 6 never started (svc-4, svc-5, svc-6 and 3 "
                    "more); u finishes the undo")
    found = plan_undo(ops)
    assert found is not None
    assert [i.function for i in found[1].runnable] == [f"svc-{n}" for n in range(3, 10)]
    apply_undo(ops, *found)
    assert {n: layers_of(estate, n) for n in original} == original
    assert plan_undo(ops) is None


@pytest.mark.parametrize("applied", [True, False], ids=["aws-applied", "aws-did-not"])
def test_delete_killed_mid_call_leaves_a_backup_that_restores(
    estate: Sandbox, tmp_path: Path, applied: bool,  # noqa: F811
) -> None:
    lam = estate.client("lambda", REGION)
    before = lam.get_layer_version(LayerName="geo", VersionNumber=2)
    run_child(estate, tmp_path, KillChild("DeleteLayerVersion", 1, applied),
              "delete", geo(estate, 2))
    listed = [v["Version"] for v in lam.list_layer_versions(LayerName="geo")["LayerVersions"]]
    assert listed == ([3, 1] if applied else [3, 2, 1])

    ops = ops_for(estate, tmp_path)
    [line] = recover(ops)
    expected = ("1 done (geo:2); backups stay: ctrl+p restores" if applied
                else "geo:2 not changed")
    assert line == f"A delete was cut short (the app stopped mid-way): {expected}"
    # The backup was verified before the call: it is whole, and it brings the version back.
    [record] = list_backups(tmp_path / "backups", estate.account_id)
    assert record.metadata()["LayerVersionArn"] == geo(estate, 2)
    restored = publish_layer_version(
        ops, restore_request(record.metadata(), record.zip_path), prepare_archive(record.zip_path))
    assert restored["Content"]["CodeSha256"] == before["Content"]["CodeSha256"]
    assert restored["Version"] == 4  # numbers are never reused


def test_the_app_says_at_start_what_a_killed_run_left(
    estate: Sandbox, tmp_path: Path,  # noqa: F811
) -> None:
    import asyncio

    from layer_tui.aws.paths import journal_path
    from layer_tui.ui.app import LayerTuiApp

    run_child(estate, tmp_path, KillChild("UpdateFunctionConfiguration", 2, True),
              "repin", geo(estate, 3))
    journal_path().parent.mkdir(parents=True, exist_ok=True)
    journal_path().write_bytes((tmp_path / "journal.jsonl").read_bytes())

    expected = ("A repin was cut short (the app stopped mid-way): 2 done (svc-0, svc-1), "
                "8 never started (svc-2, svc-3, svc-4 and 5 more); u undoes what was done")

    async def run() -> list[str]:
        config = SessionConfig(endpoint_url=estate.endpoint_url, regions=(REGION,))
        app = LayerTuiApp(config)
        async with app.run_test(size=(140, 40)) as pilot:
            # The check runs once the account is known, after the first paint and the scan's
            # start: wait for what it says, not for the workers there are at the first look.
            await wait_until(pilot, lambda: any("cut short" in line for line in said(app)),
                             "what the killed run left")
            await app.workers.wait_for_complete()
            await pilot.pause()
            return said(app)

    shown = asyncio.run(run())
    assert expected in shown
    # Said once: the journal is closed now, so the next start is quiet.
    assert interrupted_work(Journal()) == []


def test_a_running_copy_of_the_app_is_not_taken_for_a_crash(tmp_path: Path) -> None:
    """Two panes, two copies: one's work in flight is not the other's to settle."""
    journal = Journal(tmp_path / "journal.jsonl")
    marker = journal.before("Batch", account="1", profile="p", region=REGION,
                            args={"kind": "repin", "targets": ["svc-0"]}, batch="repin-x")
    journal.before("UpdateFunctionConfiguration", account="1", profile="p", region=REGION,
                   args={"FunctionName": "svc-0", "Layers": []}, batch="repin-x")
    assert marker.owner is not None and marker.owner["pid"] == os.getpid()
    assert interrupted_work(journal) == []  # this process is alive: its work is not cut short
    # The same lines written by a process that has since died are.
    text = (tmp_path / "journal.jsonl").read_text(encoding="utf-8")
    (tmp_path / "journal.jsonl").write_text(
        text.replace(f'"pid":{os.getpid()}', '"pid":999999999'), encoding="utf-8")
    [work] = interrupted_work(journal)
    assert [e.args["FunctionName"] for e in work.in_flight] == ["svc-0"]


def test_a_retried_conflict_counts_once_by_its_last_attempt(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.before("Batch", account="1", profile="p", region=REGION,
                   args={"kind": "repin", "targets": ["svc-0", "svc-1"]}, batch="repin-y")
    for outcome in ("409", "ok"):
        entry = journal.before("UpdateFunctionConfiguration", account="1", profile="p",
                               region=REGION, args={"FunctionName": "svc-0"}, batch="repin-y")
        if outcome == "409":
            journal.after(entry, error={"code": "ResourceConflictException", "message": "busy"})
        else:
            journal.after(entry, result={})
    # Written by a dead process on this host (the owner field, rewritten).
    path = tmp_path / "journal.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line["owner"] = {"host": socket.gethostname(), "pid": 999999999, "start": 0}
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    [work] = interrupted_work(journal)
    assert (work.done, work.failed, work.not_started) == (["svc-0"], [], ["svc-1"])


def test_a_torn_last_line_does_not_swallow_the_next(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.before("Batch", account="1", profile="p", region=REGION, args={}, batch="b1")
    with path.open("a", encoding="utf-8") as out:
        out.write('{"id": "torn", "phase": "bef')  # the process died mid-write
    journal.before("Batch", account="1", profile="p", region=REGION, args={}, batch="b2")
    assert [e.batch for e in journal.entries()] == ["b1", "b2"]


def test_when_aws_cannot_be_asked_the_work_stays_open_for_the_next_start(
    estate: Sandbox, original: dict[str, list[str]], tmp_path: Path,  # noqa: F811
) -> None:
    run_child(estate, tmp_path, KillChild("UpdateFunctionConfiguration", 2, True),
              "repin", geo(estate, 3))
    ops = ops_for(estate, tmp_path)
    estate.faults.access_denied_regions = {REGION}
    [line] = recover(ops)
    assert line.endswith("; could not ask AWS about svc-1 now: the next start asks again")
    assert len(interrupted_work(ops.journal)) == 1  # still open
    estate.faults.access_denied_regions = set()
    [line] = recover(ops)
    assert line.startswith("A repin was cut short (the app stopped mid-way): 2 done "
                           "(svc-0, svc-1), 8 never started")
    assert interrupted_work(ops.journal) == []


def test_an_upload_cut_short_removes_its_object(estate: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    """A lone upload line (a journal from before publishes were batches): the object goes."""
    s3 = estate.client("s3", REGION)
    s3.create_bucket(Bucket="drop", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="drop", Key="layer-tui/geo.zip", Body=b"half")
    ops = ops_for(estate, tmp_path)
    ops.journal.before("PutObject", account=estate.account_id, profile="p", region=REGION,
                       args={"Bucket": "drop", "Key": "layer-tui/geo.zip"})
    path = tmp_path / "journal.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace(
        f'"pid":{os.getpid()}', '"pid":999999999'), encoding="utf-8")
    assert recover(ops) == ["An upload for a publish was cut short (the app stopped mid-way): "
                            "it was never published; publish it again; its carrier "
                            "s3://drop/layer-tui/geo.zip was removed"]
    assert s3.list_objects_v2(Bucket="drop").get("Contents", []) == []
    assert recover(ops) == []
