"""Repin and undo against the sandbox, which answers 409/412 and RevisionId like AWS."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws import repin
from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinOutcome, apply_repin, plan_repin, swap_layer
from layer_tui.aws.session import AwsSession, ReadOnlyError, SessionConfig
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"


def tiny_zip(marker: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/m.py", marker)
    return buf.getvalue()


@pytest.fixture
def estate() -> Iterator[Sandbox]:
    """Ten functions on geo:1 between two other layers; geo has versions 1..3."""
    with Sandbox(regions=(REGION,)) as sandbox:
        sandbox.revisions.update_seconds = 0.05
        lam = sandbox.client("lambda", REGION)
        arns = {}
        for name in ("before", "geo", "after"):
            for n in range(3 if name == "geo" else 1):
                arns[(name, n + 1)] = lam.publish_layer_version(
                    LayerName=name, Content={"ZipFile": tiny_zip(f"{name}{n}")},
                    CompatibleRuntimes=["python3.12", "python3.11"],
                )["LayerVersionArn"]
        for n in range(10):
            lam.create_function(
                FunctionName=f"svc-{n}", Runtime="python3.12", Role=sandbox.execution_role_arn,
                Handler="app.handler", Code={"ZipFile": tiny_zip("f")},
                Layers=[arns[("before", 1)], arns[("geo", 1)], arns[("after", 1)]],
            )
        yield sandbox


def make_ops(sandbox: Sandbox, tmp_path: Path, **config: Any) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0, **config))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def layers_of(sandbox: Sandbox, name: str) -> list[str]:
    config = sandbox.client("lambda", REGION).get_function_configuration(FunctionName=name)
    return [layer["Arn"] for layer in config["Layers"]]


def geo(sandbox: Sandbox, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{sandbox.account_id}:layer:geo:{version}"


def test_swap_keeps_order_and_other_layers() -> None:
    assert swap_layer(["a:1", "x:geo:1", "b:2"], "x:geo", "x:geo:3") == ("a:1", "x:geo:3", "b:2")


def test_repin_moves_nine_and_leaves_the_one_changed_behind_our_back(
    estate: Sandbox, tmp_path: Path
) -> None:
    ops = make_ops(estate, tmp_path)
    names = [f"svc-{n}" for n in range(10)]
    plan = plan_repin(ops, REGION, geo(estate, 3), names)
    original = layers_of(estate, "svc-0")
    assert [len(i.new_layers) for i in plan.items] == [3] * 10
    assert all(i.new_layers == (original[0], geo(estate, 3), original[2]) for i in plan.items)

    def meddle(outcome: RepinOutcome) -> None:
        if outcome.function == "svc-3":  # a deploy lands on svc-4 while we work on svc-3
            estate.client("lambda", REGION).update_function_configuration(
                FunctionName="svc-4", Description="deployed by someone else")

    report = apply_repin(ops, plan, progress=meddle)
    statuses = {o.function: o.status for o in report.outcomes}
    assert statuses.pop("svc-4") == "changed"
    assert set(statuses.values()) == {"moved"}
    assert layers_of(estate, "svc-4") == original
    for name in statuses:
        assert layers_of(estate, name) == [original[0], geo(estate, 3), original[2]]
    assert report.summary() == "9 moved, 1 changed"
    journal = [e for e in ops.journal.entries()
               if e.phase == "after" and e.action == "UpdateFunctionConfiguration"]
    assert len(journal) == 10
    failed = [e for e in journal if e.error]
    assert [e.error["code"] for e in failed if e.error] == ["PreconditionFailedException"]
    assert all(e.extra["before"] == original for e in journal)

    # Undo puts back the exact lists of the nine that moved; svc-4 was never touched.
    undo = plan_undo(ops)
    assert undo is not None
    batch, undo_plan = undo
    assert batch == report.batch
    assert sorted(i.function for i in undo_plan.items) == sorted(statuses)
    undone = apply_undo(ops, batch, undo_plan)
    assert undone.count("moved") == 9
    for name in names:
        assert layers_of(estate, name) == original
    assert plan_undo(ops) is None  # the batch is undone; nothing left to undo


def test_undo_leaves_alone_a_function_changed_since_the_repin(
    estate: Sandbox, tmp_path: Path
) -> None:
    ops = make_ops(estate, tmp_path)
    plan = plan_repin(ops, REGION, geo(estate, 2), ["svc-0", "svc-1"])
    assert apply_repin(ops, plan).count("moved") == 2
    lam = estate.client("lambda", REGION)
    lam.get_waiter("function_updated_v2").wait(FunctionName="svc-1")
    lam.update_function_configuration(FunctionName="svc-1", Layers=[geo(estate, 3)])
    found = plan_undo(ops)
    assert found is not None
    batch, undo_plan = found
    blocked = {i.function: i.blocked for i in undo_plan.items}
    assert blocked["svc-0"] is None
    assert "changed since the repin" in str(blocked["svc-1"])
    report = apply_undo(ops, batch, undo_plan)
    assert {o.function: o.status for o in report.outcomes} == {"svc-0": "moved",
                                                               "svc-1": "skipped"}
    assert layers_of(estate, "svc-1") == [geo(estate, 3)]


def test_a_409_storm_is_waited_out_within_a_bound(
    estate: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A function that answers 409 three times moves; one that never stops is given up on,
    its list untouched, after a bounded wait. The waits are recorded, not slept (the storm
    counts calls, not seconds): the bound is read off them instead of off the wall clock."""
    waits: list[float] = []
    monkeypatch.setitem(repin._update.__kwdefaults__, "sleep", waits.append)
    ops = make_ops(estate, tmp_path)
    estate.revisions.conflicts.update({"svc-0": 3, "svc-1": 50})
    plan = plan_repin(ops, REGION, geo(estate, 2), ["svc-0", "svc-1"])
    report = apply_repin(ops, plan)
    # svc-0: three waits, then it moves; svc-1: a wait before each of its retries, then failed.
    assert len(waits) == 3 + (repin.CONFLICT_RETRIES - 1)
    assert max(waits) <= 4.0 and sum(waits) <= 10.0
    outcome = {o.function: o for o in report.outcomes}
    assert outcome["svc-0"].status == "moved"
    assert outcome["svc-1"].status == "failed"
    assert "in progress" in outcome["svc-1"].detail
    assert layers_of(estate, "svc-1")[1] == geo(estate, 1)


def test_target_deleted_blocks_the_whole_plan(estate: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(estate, tmp_path)
    estate.client("lambda", REGION).delete_layer_version(LayerName="geo", VersionNumber=3)
    plan = plan_repin(ops, REGION, geo(estate, 3), ["svc-0"])
    assert plan.problem and "does not exist" in plan.problem
    report = apply_repin(ops, plan)
    assert [o.status for o in report.outcomes] == ["skipped"]
    assert list(ops.journal.entries()) == []


def test_incompatible_target_and_stack_managed_functions_are_flagged(
    estate: Sandbox, tmp_path: Path
) -> None:
    lam = estate.client("lambda", REGION)
    node = lam.publish_layer_version(LayerName="geo", Content={"ZipFile": tiny_zip("n")},
                                     CompatibleRuntimes=["nodejs20.x"],
                                     CompatibleArchitectures=["arm64"])
    fn_arn = lam.get_function(FunctionName="svc-2")["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=fn_arn, Tags={"aws:cloudformation:stack-name": "orders"})
    ops = make_ops(estate, tmp_path)
    plan = plan_repin(ops, REGION, node["LayerVersionArn"], ["svc-2"])
    flags = " | ".join(plan.items[0].flags)
    assert "runtime python3.12 not in the target's ['nodejs20.x']" in flags
    assert "architecture x86_64" in flags
    assert "stack orders" in flags


def test_a_function_deleted_between_plan_and_apply(estate: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(estate, tmp_path)
    plan = plan_repin(ops, REGION, geo(estate, 2), ["svc-0", "svc-5"])
    estate.client("lambda", REGION).delete_function(FunctionName="svc-5")
    report = apply_repin(ops, plan)
    outcome = {o.function: o for o in report.outcomes}
    assert outcome["svc-0"].status == "moved"
    assert outcome["svc-5"].status == "failed"
    assert "svc-5" in outcome["svc-5"].detail or "not" in outcome["svc-5"].detail


class DenyUpdates(Interceptor):
    """AccessDenied for updates of one function (an IAM policy scoped by resource)."""

    def __init__(self, function: str) -> None:
        self.function = function

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation == "UpdateFunctionConfiguration" and call.path_params.get(
            "FunctionName"
        ) == self.function:
            return error_reply(call, 403, "AccessDeniedException",
                               f"not authorized to perform UpdateFunctionConfiguration on "
                               f"{self.function}")
        return None


def test_access_denied_on_one_function(estate: Sandbox, tmp_path: Path) -> None:
    estate.add_interceptor(DenyUpdates("svc-7"))
    ops = make_ops(estate, tmp_path)
    report = apply_repin(ops, plan_repin(ops, REGION, geo(estate, 2), ["svc-6", "svc-7"]))
    outcome = {o.function: o for o in report.outcomes}
    assert outcome["svc-6"].status == "moved"
    assert outcome["svc-7"].status == "failed"
    assert "access denied" in outcome["svc-7"].detail


def test_throttling_is_backed_off(estate: Sandbox, tmp_path: Path) -> None:
    estate.faults.throttle_fraction = 0.3
    estate.faults.throttle_seed = 7
    ops = make_ops(estate, tmp_path)
    ops.session.config  # noqa: B018 - the session retries in botocore's standard mode
    report = apply_repin(ops, plan_repin(ops, REGION, geo(estate, 2), ["svc-8", "svc-9"]))
    estate.faults.throttle_fraction = 0.0
    assert estate.stats.total_throttled_calls > 0
    moved = [o for o in report.outcomes if o.status == "moved"]
    for o in moved:
        assert layers_of(estate, o.function)[1] == geo(estate, 2)
    for o in report.outcomes:
        if o.status != "moved":  # throttled past retries: reported, and untouched
            assert "throttled" in o.detail
            assert layers_of(estate, o.function)[1] == geo(estate, 1)


def test_read_only_refuses_repin_and_undo(estate: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(estate, tmp_path, read_only=True)
    plan = plan_repin(ops, REGION, geo(estate, 2), ["svc-0"])  # planning only reads
    with pytest.raises(ReadOnlyError):
        apply_repin(ops, plan)
    assert layers_of(estate, "svc-0")[1] == geo(estate, 1)
    assert list(ops.journal.entries()) == []
    # A repin made earlier (read-write) cannot be undone from a read-only session either.
    writer = make_ops(estate, tmp_path)
    apply_repin(writer, plan_repin(writer, REGION, geo(estate, 2), ["svc-0"]))
    found = plan_undo(ops)  # planning the undo only reads
    assert found is not None
    lines = len(list(ops.journal.entries()))
    with pytest.raises(ReadOnlyError):
        apply_undo(ops, *found)
    assert layers_of(estate, "svc-0")[1] == geo(estate, 2)
    assert len(list(ops.journal.entries())) == lines


def test_a_target_that_breaks_the_unzipped_budget_is_blocked(
    estate: Sandbox, tmp_path: Path
) -> None:
    from layer_tui.aws.repin import UnzippedSizes

    # 300 MB of zeros deflate to a few hundred KB: small to publish, too big to unzip.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(
        "python/blob.bin", "w", force_zip64=True
    ) as blob:
        for _ in range(300):
            blob.write(bytes(1 << 20))
    lam = estate.client("lambda", REGION)
    big = lam.publish_layer_version(LayerName="geo", Content={"ZipFile": buf.getvalue()},
                                    CompatibleRuntimes=["python3.12"])["LayerVersionArn"]
    ops = make_ops(estate, tmp_path)
    sizes = UnzippedSizes(ops.session)
    plan = plan_repin(ops, REGION, big, ["svc-0"], unzipped_size=sizes)
    item = plan.items[0]
    assert item.blocked == "over the unzipped size limit"
    assert any("262,144,000-byte limit" in flag for flag in item.flags)
    assert sizes(big) == 300 * (1 << 20)
    fine = plan_repin(ops, REGION, geo(estate, 2), ["svc-0"], unzipped_size=sizes)
    assert fine.items[0].blocked is None
    assert not any("limit" in flag for flag in fine.items[0].flags)
    assert apply_repin(ops, plan).count("moved") == 0
    assert layers_of(estate, "svc-0")[1] == geo(estate, 1)


def test_cancel_stops_after_the_function_in_flight(estate: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(estate, tmp_path)
    names = [f"svc-{n}" for n in range(4)]
    plan = plan_repin(ops, REGION, geo(estate, 2), names)
    done: list[str] = []
    report = apply_repin(ops, plan, progress=lambda o: done.append(o.function),
                         cancelled=lambda: len(done) >= 2)
    statuses = [(o.function, o.status, o.detail) for o in report.outcomes]
    assert statuses[:2] == [("svc-0", "moved", ""), ("svc-1", "moved", "")]
    assert statuses[2:] == [(n, "skipped", "cancelled before its turn") for n in names[2:]]
    for name in names[2:]:  # nothing half-applied: the rest keep their lists
        assert layers_of(estate, name)[1] == geo(estate, 1)
    assert sum(1 for e in ops.journal.entries()
               if e.phase == "after" and e.action == "UpdateFunctionConfiguration") == 2
