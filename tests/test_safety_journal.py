"""The journal against an attacker: it keeps no secrets, survives damage and forgery, stays
small to read however long the history, writes nothing in read-only, and settles a publish
through S3 that a real SIGKILL cut short.

Each test's docstring names the attack and the promise it holds the code to.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_crash import KillChild, run_child
from test_repin import REGION, estate, geo, layers_of, make_ops, tiny_zip  # noqa: F401
from ui_fixtures import pilot_test

from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.publishing import PublishRequest, prepare_archive, publish_layer_version
from layer_tui.aws.recovery import interrupted_work, recover
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.sandbox.server import Sandbox

SECRET = "hunter2-correct-horse-battery"
NAMES = [f"svc-{n}" for n in range(10)]


def journal_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("journal.jsonl*")))


def ops_with(sandbox: Sandbox, tmp_path: Path, *, read_only: bool = False,
             **journal: int) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0, read_only=read_only))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl", **journal),
                           tmp_path / "backups")


def make_dead(path: Path) -> None:
    """Rewrite every owner as a process that has died: what a crash leaves behind."""
    path.write_text(path.read_text(encoding="utf-8").replace(
        f'"pid":{os.getpid()}', '"pid":999999999'), encoding="utf-8")


def repin_all(ops: LayerOperations, sandbox: Sandbox, version: int = 3) -> None:
    report = apply_repin(ops, plan_repin(ops, REGION, geo(sandbox, version), NAMES))
    assert report.count("moved") == len(NAMES)


def test_function_secrets_never_reach_the_journal(estate: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    """Attack: a function's environment holds a password; UpdateFunctionConfiguration answers
    with the whole configuration (Environment.Variables, Role, KMS key). Promise: after a repin
    and its undo the journal's bytes hold no secret and no field outside its action's
    allow-list; a publish's content URL is not kept either."""
    lam = estate.client("lambda", REGION)
    for name in NAMES:
        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"DB_PASSWORD": SECRET}})
    original = {n: layers_of(estate, n) for n in NAMES}
    ops = make_ops(estate, tmp_path)
    repin_all(ops, estate)
    found = plan_undo(ops)
    assert found is not None
    assert apply_undo(ops, *found).count("moved") == len(NAMES)
    assert {n: layers_of(estate, n) for n in NAMES} == original
    publish_layer_version(ops, PublishRequest("geo", tmp_path / "geo.zip", REGION),
                          prepare_archive(_write(tmp_path / "geo.zip", tiny_zip("v9"))))

    raw = journal_bytes(tmp_path)
    assert raw.count(b"\n") >= 4 * len(NAMES)  # the repin and the undo were journaled
    for needle in (SECRET.encode(), b"DB_PASSWORD", b"Environment", b"Location", b"http",
                   b"Role", estate.execution_role_arn.encode()):
        assert needle not in raw
    from layer_tui.aws.journal_entry import KEPT  # the allow-list per action

    for line in raw.decode().splitlines():
        entry = json.loads(line)
        rule = KEPT[entry["action"]]
        assert set(entry["args"]) <= set(rule.args)
        if isinstance(entry.get("result"), dict) and isinstance(rule.result, dict):
            assert set(entry["result"]) <= set(rule.result)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_journal_files_are_private(estate: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    """Attack: another user on the bastion reads the journal. Promise: its directory is 0700
    and its file 0600, even where an older version left a 0644 file in a 0755 directory."""
    from layer_tui.aws.paths import journal_path

    folder = journal_path().parent
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    journal_path().write_text("")
    journal_path().chmod(0o644)
    session = AwsSession(SessionConfig(endpoint_url=estate.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0))
    ops = LayerOperations(session, Journal(), tmp_path / "backups")
    apply_repin(ops, plan_repin(ops, REGION, geo(estate, 2), NAMES[:2]))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(journal_path().stat().st_mode) == 0o600
    assert journal_path().stat().st_size > 0


def test_unreadable_lines_are_skipped_with_one_warning(estate: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    """Attack: lines in the middle of the journal that are not JSON, JSON of the wrong shape
    (an owner that is text, a repin update without a function). Promise: recovery and undo
    both still work on the rest, and the user is told once, in one line."""
    original = {n: layers_of(estate, n) for n in NAMES}
    ops = make_ops(estate, tmp_path)
    repin_all(ops, estate)
    path = tmp_path / "journal.jsonl"
    with path.open("a", encoding="utf-8") as out:
        out.write("this is not json\n")
        out.write("[1, 2, 3]\n")
        out.write(json.dumps({"id": "x", "phase": "before", "action": "Batch", "owner": "me",
                              "batch": "forged", "args": {"kind": "repin", "targets": ["a"]},
                              "account": estate.account_id}) + "\n")
        out.write(json.dumps({"id": "y", "phase": "after", "action":
                              "UpdateFunctionConfiguration", "args": {}, "batch": "b",
                              "account": estate.account_id, "extra": {"kind": "repin"}}) + "\n")
    # Then a repin batch killed after its plan was journaled, before its first call.
    ops.journal.before("Batch", account=estate.account_id, profile="p", region=REGION,
                       args={"kind": "repin", "targets": ["svc-0"]}, batch="repin-cut")
    make_dead(path)

    lines = recover(make_ops(estate, tmp_path))
    warnings = [line for line in lines if "unreadable lines" in line]
    assert len(warnings) == 1, lines
    assert "journal.jsonl lines" in warnings[0] and "skipped" in warnings[0]
    assert [line for line in lines if line not in warnings] == [
        "A repin was cut short (the app stopped mid-way): 1 never started (svc-0)"]

    undoing = make_ops(estate, tmp_path)
    found = plan_undo(undoing)
    assert found is not None
    batch, plan = found
    assert [n for n in plan.notes if "unreadable lines" in n] == warnings
    assert sorted(i.function for i in plan.runnable) == sorted(NAMES)
    apply_undo(undoing, batch, plan)
    assert {n: layers_of(estate, n) for n in NAMES} == original
    assert undoing.journal.take_warning() is None  # said once


def test_a_forged_after_line_never_repoints_a_function(estate: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    """Attack: a line appended to the journal claims a repin moved an unrelated function
    (`bystander`) off geo:3 — once without a RevisionId, once with the real RevisionId but a
    layer list the function does not have. Promise: undo leaves the function alone, says why,
    and sends no update for it."""
    lam = estate.client("lambda", REGION)
    lam.create_function(FunctionName="bystander", Runtime="python3.12",
                        Role=estate.execution_role_arn, Handler="app.handler",
                        Code={"ZipFile": tiny_zip("f")}, Layers=[geo(estate, 1)])
    from layer_tui.aws import undo

    no_revision = getattr(undo, "NO_REVISION", "left alone: no RevisionId journaled")
    current = layers_of(estate, "bystander")
    revision = lam.get_function_configuration(FunctionName="bystander")["RevisionId"]
    path = tmp_path / "journal.jsonl"
    ops = make_ops(estate, tmp_path)

    def forge(batch: str, after: list[str], result: dict[str, str]) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({
                "id": batch, "phase": "after", "action": "UpdateFunctionConfiguration",
                "account": estate.account_id, "profile": "p", "region": REGION,
                "batch": batch, "args": {"FunctionName": "bystander", "Layers": after},
                "result": result, "error": None,
                "extra": {"kind": "repin", "before": [geo(estate, 3)], "after": after}}) + "\n")

    for after, result, reason in (
        (current, {}, no_revision),
        ([geo(estate, 2)], {"RevisionId": revision}, "changed since the repin: left alone"),
    ):
        path.unlink(missing_ok=True)
        forge("repin-forged", after, result)
        found = plan_undo(ops)
        assert found is not None
        batch, plan = found
        [item] = plan.items
        assert item.blocked == reason
        assert plan.runnable == []
        report = apply_undo(ops, batch, plan)
        assert [(o.status, o.detail) for o in report.outcomes] == [("skipped", reason)]
        assert layers_of(estate, "bystander") == current
    assert estate.stats.api_calls.get((REGION, "UpdateFunctionConfiguration"), 0) == 0


def test_the_undo_plan_names_deleted_target_versions_before_applying(
    estate: Sandbox, tmp_path: Path,  # noqa: F811
) -> None:
    """Attack: after a repin geo:3 ← geo:1, someone deletes geo:1; undo would promise a full
    restore, then fail on every function. Promise: the plan says geo:1 is gone before anything
    is applied (one GetLayerVersion per distinct version), and no function is touched."""
    ops = make_ops(estate, tmp_path)
    repin_all(ops, estate)
    estate.client("lambda", REGION).delete_layer_version(LayerName="geo", VersionNumber=1)
    calls_before = estate.stats.api_calls
    found = plan_undo(ops)
    assert found is not None
    batch, plan = found
    calls = estate.stats.api_calls
    asked = calls.get((REGION, "GetLayerVersion"), 0) - calls_before.get(
        (REGION, "GetLayerVersion"), 0)
    assert asked == 3  # before:1, geo:1, after:1 — each once, not once per function
    assert any("geo:1 no longer exists" in note for note in plan.notes), plan.notes
    assert plan.runnable == []
    assert all(i.blocked and "geo:1 was deleted since the repin" in i.blocked
               for i in plan.items)
    updates = calls.get((REGION, "UpdateFunctionConfiguration"), 0)
    apply_undo(ops, batch, plan)
    assert estate.stats.api_calls.get((REGION, "UpdateFunctionConfiguration"), 0) == updates
    assert all(geo(estate, 3) in layers_of(estate, n) for n in NAMES)


@pytest.mark.parametrize("rotate_at", [64 * 1024, 3 * 1024], ids=["carried", "too-big-to-carry"])
def test_a_rotated_journal_keeps_open_work_reachable(
    estate: Sandbox, tmp_path: Path, rotate_at: int,  # noqa: F811
) -> None:
    """Attack: a long history (many calls after a repin) rotates the journal. Promise: the
    repin batch not yet undone is still found and undone — carried into the new file, or, too
    big to carry, named there and read from the rotated file — a batch cut short before the
    rotations is still found by recovery, and every file is 0600."""
    original = {n: layers_of(estate, n) for n in NAMES}
    ops = ops_with(estate, tmp_path, rotate_at=rotate_at)
    ops.journal.before("Batch", account=estate.account_id, profile="p", region=REGION,
                       args={"kind": "repin", "targets": ["svc-0"]}, batch="repin-cut")
    path = tmp_path / "journal.jsonl"
    make_dead(path)
    repin_all(ops, estate)
    for n in range(300):  # the history after it: calls of other work, done
        entry = ops.journal.before("DeleteLayerVersion", account=estate.account_id,
                                   profile="p", region=REGION,
                                   args={"LayerName": f"other-{n}", "VersionNumber": 1})
        ops.journal.after(entry, result={})
    rotated = ops.journal.older_files()
    assert len(rotated) >= 2
    assert path.stat().st_size <= rotate_at
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in [path, *rotated])

    assert [w.batch for w in interrupted_work(ops.journal)] == ["repin-cut"]
    found = plan_undo(ops)
    assert found is not None
    batch, plan = found
    assert sorted(i.function for i in plan.runnable) == sorted(NAMES)
    apply_undo(ops, batch, plan)
    assert {n: layers_of(estate, n) for n in NAMES} == original
    assert plan_undo(ops) is None
    assert ops.journal.take_warning() is None


def test_a_200k_line_journal_is_read_from_its_small_current_file(
    estate: Sandbox, tmp_path: Path,  # noqa: F811
) -> None:
    """Attack (on time and memory): a journal of 200,000 lines, as years of use leave. Promise:
    the first start moves the history aside (rotation) keeping what is open; from then on
    recovery and undo planning read only the small current file — shown by turning the
    rotated history into garbage: they still find the open work and warn about nothing."""
    path = tmp_path / "journal.jsonl"
    template = ('{"id":"%06d%s","at":"2026-11-01T00:00:00Z","phase":"%s","action":'
                '"DeleteLayerVersion","account":"%s","profile":"p","region":"%s",'
                '"batch":null,"args":{"LayerName":"old","VersionNumber":%d}%s}\n')
    with path.open("w", encoding="utf-8") as out:
        for n in range(100_000):
            out.write(template % (n, "", "before", estate.account_id, REGION, n + 1, ""))
            out.write(template % (n, "", "after", estate.account_id, REGION, n + 1,
                                  ',"result":{},"error":null'))
    # Then a repin, and a batch cut short, as the last lines of that history.
    recent = ops_with(estate, tmp_path / "recent")
    repin_all(recent, estate)
    recent.journal.before("Batch", account=estate.account_id, profile="p", region=REGION,
                          args={"kind": "repin", "targets": ["svc-0"]}, batch="repin-cut")
    with path.open("ab") as out:
        out.write(recent.journal.path.read_bytes())
    make_dead(path)
    assert sum(1 for _ in path.open(encoding="utf-8")) > 200_000
    ops = ops_with(estate, tmp_path)

    lines = recover(ops_with(estate, tmp_path))
    assert lines == ["A repin was cut short (the app stopped mid-way): 1 never started (svc-0)"]
    [history] = ops.journal.older_files()
    assert path.stat().st_size < 64 * 1024 < history.stat().st_size
    history.write_bytes(b"garbage\n" * 1000)  # never read again by recovery or undo

    later = ops_with(estate, tmp_path)
    later.journal.before("Batch", account=estate.account_id, profile="p", region=REGION,
                         args={"kind": "repin", "targets": ["svc-1"]}, batch="repin-cut-2")
    make_dead(path)
    assert [w.batch for w in interrupted_work(later.journal)] == ["repin-cut-2"]
    found = plan_undo(later)
    assert found is not None and len(found[1].runnable) == len(NAMES)
    assert later.journal.take_warning() is None


def test_read_only_recovery_reports_and_writes_nothing(
    estate: Sandbox, tmp_path: Path,  # noqa: F811
) -> None:
    """Attack: the operator starts with --read-only after a crash, trusting nothing changes.
    Promise: recovery says what is open (asking AWS only with reads), the journal's bytes stay
    as they were and no mutating call reaches AWS; a later read-write start settles it."""
    run_child(estate, tmp_path, KillChild("UpdateFunctionConfiguration", 3, True),
              "repin", geo(estate, 3))
    before = journal_bytes(tmp_path)
    calls_before = estate.stats.api_calls
    [line] = recover(ops_with(estate, tmp_path, read_only=True))
    assert line.startswith("A repin was cut short (the app stopped mid-way): 3 done (svc-0, "
                           "svc-1, svc-2), 7 never started")
    assert line.endswith("read-only: nothing was written, a start without --read-only "
                         "settles it")
    assert journal_bytes(tmp_path) == before
    sent = {op for (_, op), n in estate.stats.api_calls.items()
            if n > calls_before.get((_, op), 0)}
    assert sent and all(op.startswith(("Get", "List")) for op in sent), sent
    assert len(recover(ops_with(estate, tmp_path))) == 1
    assert recover(ops_with(estate, tmp_path)) == []


PUBLISH_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from layer_tui.aws import publishing
    from layer_tui.aws.journal import Journal
    from layer_tui.aws.operations import LayerOperations
    from layer_tui.aws.session import AwsSession, SessionConfig

    endpoint, region, tmp, archive = sys.argv[1:5]
    publishing.DIRECT_UPLOAD_LIMIT = 64 * 1024  # the archive goes through S3
    session = AwsSession(SessionConfig(endpoint_url=endpoint, regions=(region,),
                                       rate_per_second=500.0))
    ops = LayerOperations(session, Journal(Path(tmp) / "journal.jsonl"), Path(tmp) / "backups")
    prepared = publishing.prepare_archive(Path(archive))
    publishing.publish_layer_version(
        ops, publishing.PublishRequest("big", Path(archive), region, s3_bucket="carriers"),
        prepared)
    print("finished")
""")


@pytest.fixture
def big_archive(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("python/blob.bin", os.urandom(200 * 1024))
    yield path


@pytest.mark.parametrize(
    ("operation", "applied", "published"),
    [("PublishLayerVersion", True, True), ("PublishLayerVersion", False, False),
     ("PutObject", True, False)],
    ids=["killed-after-aws-published", "killed-before-aws-published", "killed-mid-upload"],
)
def test_sigkill_mid_s3_publish_settles_at_the_next_start(
    estate: Sandbox, tmp_path: Path, big_archive: Path,  # noqa: F811
    operation: str, applied: bool, published: bool,
) -> None:
    """Attack: the app is SIGKILLed while publishing a big layer through an S3 carrier object.
    Promise: the next start asks AWS for a version with the upload's CodeSha256 and says
    "published as big:N" or "never published", journals it, and removes the carrier object."""
    lam = estate.client("lambda", REGION)
    lam.publish_layer_version(LayerName="big", Content={"ZipFile": big_archive.read_bytes()})
    s3 = estate.client("s3", REGION)
    s3.create_bucket(Bucket="carriers",
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    killer = KillChild(operation, 1, applied)
    estate.add_interceptor(killer)
    killer.child = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_CHILD, estate.endpoint_url, REGION, str(tmp_path),
         str(big_archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        cwd=Path(__file__).resolve().parents[1])
    out, err = killer.child.communicate(timeout=120)
    assert killer.child.returncode == -signal.SIGKILL, (out, err)
    versions = [v["Version"] for v in lam.list_layer_versions(LayerName="big")["LayerVersions"]]
    assert versions == ([2, 1] if published else [1])
    if operation == "PublishLayerVersion":
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="carriers")["Contents"]]

    ops = ops_with(estate, tmp_path)
    [line] = recover(ops)
    said = ("it was published as big:2 (found by its CodeSha256)" if published
            else "it was never published; publish it again")
    assert line.startswith(f"A publish of big through S3 was cut short (the app stopped "
                           f"mid-way): {said}; its carrier s3://carriers/layer-tui/big/")
    assert line.endswith(".zip was removed")
    assert s3.list_objects_v2(Bucket="carriers").get("Contents", []) == []
    # Version 1 has the same bytes: only versions newer than the publish's start count.
    recovered = [json.loads(x) for x in (tmp_path / "journal.jsonl").read_text().splitlines()]
    outcome = [e for e in recovered if e["action"] == "PublishLayerVersion"
               and e["phase"] == "after"]
    if operation == "PublishLayerVersion":
        [after] = outcome
        assert after["extra"]["recovered"] == ("applied" if published else "not applied")
        assert (after["result"] or {}).get("Version") == (2 if published else None)
    assert recover(ops) == []
    assert interrupted_work(ops.journal) == []


@pilot_test
async def test_the_undo_dialog_shows_deleted_targets_before_ctrl_s(
    estate: Sandbox, tmp_path: Path,  # noqa: F811
) -> None:
    """Attack: the operator presses u, then ctrl+s, trusting "each function gets back the list
    it had before" after the old version was deleted. Promise: the dialog says which version is
    gone before anything can be applied, ctrl+s does nothing, and no function changes."""
    from test_ui_dialogs import Host, screen_text, settle

    from layer_tui.ui.dialogs.undo import UndoDialog

    ops = make_ops(estate, tmp_path)
    repin_all(ops, estate)
    estate.client("lambda", REGION).delete_layer_version(LayerName="geo", VersionNumber=1)
    app = Host(lambda: UndoDialog(ops))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        shown = screen_text(app)
        assert "geo:1 no longer exists (deleted since the repin)" in shown
        assert app.screen.query_one("#apply").disabled
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert all(geo(estate, 3) in layers_of(estate, n) for n in NAMES)
