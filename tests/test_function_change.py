"""Changing one function's layers (reorder, remove, repin one) against the sandbox over HTTP.

The sandbox answers RevisionId, 409 and 412 like AWS; what AWS holds after each change is read
back with GetFunctionConfiguration, and what the merged /opt does is checked against the very
zips the layers were published from.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from layer_tui.aws.function_change import (
    moved,
    plan_function_layers,
    removed,
    repinned,
    versions_newest_build_first,
)
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import restored_description
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinOutcome, apply_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"
SHARED = "python/shared/__init__.py"
SECRET = "s3cr3t-horse-battery-staple"


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """``api`` lists base:1, tools:1, geo:1; base and tools both hold python/shared; geo has
    versions 1..3 and 4, a restored copy of 1. ``solo`` lists geo:1 alone, ``stacked`` is
    managed by a CloudFormation stack. ``api``'s environment holds a password."""
    with Sandbox(regions=(REGION,)) as sandbox:
        sandbox.revisions.update_seconds = 0.05
        lam = sandbox.client("lambda", REGION)

        def publish(name: str, files: dict[str, bytes], **extra: object) -> str:
            return str(lam.publish_layer_version(
                LayerName=name, Content={"ZipFile": zip_of(files)},
                CompatibleRuntimes=["python3.12"], **extra)["LayerVersionArn"])

        base = publish("base", {SHARED: b"base", "python/base.py": b"b"})
        tools = publish("tools", {SHARED: b"tools", "python/tools.py": b"t"})
        geo = [publish("geo", {"python/geo.py": str(n).encode()}) for n in (1, 2, 3)]
        publish("geo", {"python/geo.py": b"1"},
                Description=restored_description("", "geo", 1))
        for name, layers in (("api", [base, tools, geo[0]]), ("solo", [geo[0]]),
                             ("stacked", [base, geo[0]])):
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=sandbox.execution_role_arn,
                Handler="app.handler", Code={"ZipFile": zip_of({"app.py": b"x"})},
                Layers=layers, Environment={"Variables": {"DB_PASSWORD": SECRET}},
            )
        stacked = lam.get_function(FunctionName="stacked")["Configuration"]["FunctionArn"]
        lam.tag_resource(Resource=stacked, Tags={"aws:cloudformation:stack-name": "orders"})
        yield sandbox


def make_ops(sandbox: Sandbox, tmp_path: Path) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def layers_of(sandbox: Sandbox, name: str) -> list[str]:
    config = sandbox.client("lambda", REGION).get_function_configuration(FunctionName=name)
    return [layer["Arn"] for layer in config.get("Layers") or ()]


def fn(sandbox: Sandbox, name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{sandbox.account_id}:function:{name}"


def layer(sandbox: Sandbox, name: str, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{sandbox.account_id}:layer:{name}:{version}"


def test_reorder_lands_exactly_and_undo_puts_the_order_back(box: Sandbox, tmp_path: Path) -> None:
    """Attack: a reorder is a whole-list replace where order is the merge order. Promise: the
    list AWS holds afterwards is exactly the new order (nothing dropped, nothing added), the
    change is journaled as a repin, and ``u``'s undo restores the exact original order."""
    ops = make_ops(box, tmp_path)
    original = layers_of(box, "api")
    wanted = moved(original, 1, +1)
    assert wanted == (original[1], original[0], original[2])
    plan = plan_function_layers(ops.session, fn(box, "api"), wanted, change="reorder")
    assert plan.item is not None and plan.item.current_layers == tuple(original)
    assert plan.runnable
    report = apply_repin(ops, plan)
    assert [o.status for o in report.outcomes] == ["moved"]
    assert layers_of(box, "api") == list(wanted)

    found = plan_undo(ops)
    assert found is not None and found[0] == report.batch
    assert apply_undo(ops, *found).count("moved") == 1
    assert layers_of(box, "api") == original


def test_remove_a_layer_and_the_file_it_shadowed_is_no_longer_shadowed(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: removing the later of two layers that hold one file. Promise: AWS lists the
    others in their order, and the preview says the file is no longer shadowed."""
    ops = make_ops(box, tmp_path)
    original = layers_of(box, "api")
    plan = plan_function_layers(ops.session, fn(box, "api"), removed(original, 2))
    assert SHARED in plan.unshadowed and not plan.newly_shadowed
    assert apply_repin(ops, plan).count("moved") == 1
    assert layers_of(box, "api") == [original[0], original[2]]


def test_repin_one_layer_keeps_the_others_in_place(box: Sandbox, tmp_path: Path) -> None:
    """Attack: repinning geo:1 to geo:3 in the middle of a list. Promise: only that entry
    changes, at its place; the others and their order stay."""
    ops = make_ops(box, tmp_path)
    original = layers_of(box, "api")
    target = layer(box, "geo", 3)
    plan = plan_function_layers(ops.session, fn(box, "api"), repinned(original, 3, target))
    assert not plan.notes  # same runtime, no stack: nothing to warn of
    assert apply_repin(ops, plan).count("moved") == 1
    assert layers_of(box, "api") == [original[0], original[1], target]


def test_a_function_changed_since_the_plan_is_left_alone_with_the_reason(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: a deploy lands on the function between the preview and ctrl+s. Promise: the
    update names the RevisionId planned from, AWS refuses it (412), the function keeps what
    the deploy left, and the outcome says why."""
    ops = make_ops(box, tmp_path)
    original = layers_of(box, "api")
    plan = plan_function_layers(ops.session, fn(box, "api"), moved(original, 3, -2))
    box.client("lambda", REGION).update_function_configuration(
        FunctionName="api", Description="deployed by someone else")
    seen: list[RepinOutcome] = []
    report = apply_repin(ops, plan, progress=seen.append)
    assert [(o.status, o.detail) for o in report.outcomes] == [
        ("changed", "changed since the plan: left alone, plan it again")]
    assert seen == report.outcomes
    assert layers_of(box, "api") == original


def test_the_preview_names_the_file_that_changes_hands_when_the_order_flips(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: base and tools both hold python/shared/__init__.py; swapping them keeps the
    file shadowed, so a before/after list of shadowed paths would show no difference.
    Promise: the preview names the path as newly shadowed, base winning after, tools before."""
    ops = make_ops(box, tmp_path)
    original = layers_of(box, "api")
    plan = plan_function_layers(ops.session, fn(box, "api"), moved(original, 2, -1))
    assert [(s.path, s.winner, s.hidden) for s in plan.newly_shadowed] == [
        (SHARED, original[0], (original[1],))]
    assert plan.previous_winner == {SHARED: original[1]}
    assert plan.budget_after is not None and plan.budget_after[2]  # every layer was read
    before = plan.before
    assert before is not None and before.winners[SHARED] == 2
    after = plan.after  # tools:1 moved first: base:1, now second, wins the file
    assert after is not None and after.layer_at(after.winners[SHARED]).arn == original[0]


def test_secrets_in_the_environment_never_reach_the_journal(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: the function's environment holds a password, and UpdateFunctionConfiguration
    answers with the whole configuration. Promise: after a reorder and its undo the journal's
    bytes hold neither the secret nor its name nor the environment."""
    ops = make_ops(box, tmp_path)
    original = layers_of(box, "api")
    assert apply_repin(ops, plan_function_layers(
        ops.session, fn(box, "api"), moved(original, 1, 2))).count("moved") == 1
    found = plan_undo(ops)
    assert found is not None and apply_undo(ops, *found).count("moved") == 1
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("journal.jsonl*"))
    assert raw.count(b"UpdateFunctionConfiguration") >= 4
    for needle in (SECRET.encode(), b"DB_PASSWORD", b"Environment", b"Role"):
        assert needle not in raw


def test_a_deleted_target_the_last_layer_and_a_stack_are_each_said(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: repin to a version deleted after the scan listed it; remove a function's only
    layer; change a function a CloudFormation stack manages. Promise: the first is blocked
    with the reason and nothing is sent; the other two apply but their preview says, in one
    line each, that the function runs with no layers and that the next stack deploy reverts."""
    ops = make_ops(box, tmp_path)
    box.client("lambda", REGION).delete_layer_version(LayerName="geo", VersionNumber=2)
    original = layers_of(box, "api")
    gone = plan_function_layers(ops.session, fn(box, "api"),
                                repinned(original, 3, layer(box, "geo", 2)))
    assert gone.item is not None and gone.item.blocked is not None
    assert "geo:2 does not exist" in gone.item.blocked and not gone.runnable
    assert apply_repin(ops, gone).count("moved") == 0
    assert layers_of(box, "api") == original

    last = plan_function_layers(ops.session, fn(box, "solo"), ())
    assert [n for n in last.notes if "last layer" in n] == [
        "removes the last layer: solo will run with no layers at all"]
    assert apply_repin(ops, last).count("moved") == 1 and layers_of(box, "solo") == []

    stacked = plan_function_layers(ops.session, fn(box, "stacked"),
                                   moved(layers_of(box, "stacked"), 1, 1))
    assert "managed by stack orders: the next stack deploy will revert this" in stacked.notes


def test_a_published_version_and_a_layer_twice_are_refused(box: Sandbox, tmp_path: Path) -> None:
    """Attack: a qualified ARN of a published version, and a list naming geo twice. Promise:
    both plans are blocked with the reason; nothing is runnable."""
    ops = make_ops(box, tmp_path)
    box.client("lambda", REGION).publish_version(FunctionName="solo")
    published = plan_function_layers(ops.session, fn(box, "solo") + ":1", ())
    assert not published.runnable and "only $LATEST" in str(published.problem)
    twice = plan_function_layers(ops.session, fn(box, "solo"),
                                 (layer(box, "geo", 1), layer(box, "geo", 3)))
    assert not twice.runnable and "geo would be listed twice" in str(twice.problem)


def test_the_picker_lists_the_newest_build_first_and_a_restored_copy_after_its_original(
    box: Sandbox,
) -> None:
    """Attack: geo:4 is a restored copy of geo:1 (highest number, oldest code). Promise: the
    versions come newest build first — 3, 2, then 1 and its copy 4 — never 4 first."""
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,)))
    versions = versions_newest_build_first(session, layer(box, "geo", 1))
    assert [v.version for v in versions] == [3, 2, 1, 4]
