"""The safety promise for deletes, tried as an attacker would against the sandbox over HTTP.

Promise: a layer version is deleted only after what depends on it was read live from AWS and
the journal — function configurations (``$LATEST`` and published versions, with their
aliases), other accounts / an organization / everyone granted by its policy, and repin batches
whose undo needs it — and, right before the delete, read again: anything new and nothing is
deleted. Any dependant means the user types ``<layer>:<version>``.

Core tests here; the dialog's pilot tests are in ``test_safety_delete_dialog.py``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws.delete_check import (
    DeleteAssessment,
    DeleteCheckChanged,
    Grant,
    assess_delete,
    assess_deletes,
)
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations, plan_keep_newest
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"
OTHER_ACCOUNT = "222233334444"
ORGANIZATION = "o-abc123defg"


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


def create_function(box: Sandbox, name: str, layers: list[str], *, publish: bool = False) -> None:
    lam = box.client("lambda", REGION)
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=box.execution_role_arn,
                        Handler="app.handler", Code={"ZipFile": tiny_zip("f")}, Layers=layers,
                        Publish=publish)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


def set_layers(box: Sandbox, name: str, layers: list[str]) -> None:
    lam = box.client("lambda", REGION)
    lam.update_function_configuration(FunctionName=name, Layers=layers)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def published_only(box: Sandbox, layer: str) -> None:
    """``billing:1`` behind alias ``prod`` lists ``layer``; billing's $LATEST no longer does."""
    create_function(box, "billing", [layer], publish=True)
    box.client("lambda", REGION).create_alias(FunctionName="billing", Name="prod",
                                              FunctionVersion="1")
    set_layers(box, "billing", [])


def version_of(ops: LayerOperations, name: str, number: int) -> LayerVersion:
    region = scan_region(ops.session, REGION)
    layer = next(layer for layer in region.layers if layer.name == name)
    return next(v for v in layer.versions if v.version == number)


def remaining(box: Sandbox, name: str) -> list[int]:
    listed = box.client("lambda", REGION).list_layer_versions(LayerName=name)["LayerVersions"]
    return sorted(v["Version"] for v in listed)


def delete_lines(ops: LayerOperations) -> list[Any]:
    return [e for e in ops.journal.entries() if e.action == "DeleteLayerVersion"]


def grant(box: Sandbox, sid: str, principal: str, organization: str | None = None) -> None:
    extra = {"OrganizationId": organization} if organization else {}
    box.client("lambda", REGION).add_layer_version_permission(
        LayerName="geo", VersionNumber=1, StatementId=sid, Action="lambda:GetLayerVersion",
        Principal=principal, **extra)


# -- consumers: published versions and their aliases count ------------------------------------


def test_a_version_used_only_by_a_published_version_is_not_deleted_unconfirmed(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: the only user is ``billing:1`` behind alias ``prod`` ($LATEST moved on); a
    ``$LATEST``-only look says nobody uses it. Promise: the live assessment names
    ``billing:1 (alias prod)`` and wants the typed name; a delete that did not confirm it
    deletes nothing; keep-newest never plans it."""
    geo = publish(box, "geo", 3)
    published_only(box, geo[0])
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)

    assessment = assess_delete(ops.session, ops.journal, version)
    assert [ref.label for ref in assessment.consumers] == ["billing:1 (alias prod)"]
    assert assessment.live and assessment.needs_typed_name

    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version)
    assert "billing:1 (alias prod)" in str(refused.value)
    assert refused.value.assessment.consumers == assessment.consumers
    assert remaining(box, "geo") == [1, 2, 3]
    assert delete_lines(ops) == []

    versions = list(next(layer for layer in scan_region(ops.session, REGION, latest_only=True)
                         .layers if layer.name == "geo").versions)
    live = assess_deletes(ops.session, ops.journal, versions)
    assert [v.version for v in plan_keep_newest(versions, 1, live)] == [2]


def test_confirmed_consumers_delete_and_are_journaled(box: Sandbox, tmp_path: Path) -> None:
    """Promise: what the user confirmed (the same live reading) is deleted, once, with the
    consumers it broke in the journal."""
    geo = publish(box, "geo", 2)
    published_only(box, geo[0])
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    ops.delete_layer_version(version, assess_delete(ops.session, ops.journal, version))
    assert remaining(box, "geo") == [2]
    after = [e for e in delete_lines(ops) if e.phase == "after"]
    assert len(after) == 1 and after[0].extra["consumers"] == [
        f"arn:aws:lambda:{REGION}:{box.account_id}:function:billing:1"
    ]


def test_confirm_time_recheck_refuses_a_consumer_attached_since(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: the dialog read "nobody" live; then a function is attached; then the user
    confirms. Promise: the re-read right before the delete sees it, raises with the fresh
    reading, and nothing is backed up, journaled or deleted."""
    geo = publish(box, "geo", 2)
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    shown = assess_delete(ops.session, ops.journal, version)
    assert shown.is_empty
    create_function(box, "orders-api", [geo[0]])

    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version, shown)
    assert [ref.label for ref in refused.value.news.consumers] == ["orders-api ($LATEST)"]
    assert refused.value.assessment.needs_typed_name
    assert "geo:1 was not deleted" in str(refused.value)
    assert remaining(box, "geo") == [1, 2]
    assert delete_lines(ops) == []
    assert not (tmp_path / "backups").exists()


def test_a_new_alias_on_a_confirmed_consumer_is_news(box: Sandbox, tmp_path: Path) -> None:
    """Attack: confirmed while ``billing:1`` had no alias; then ``prod`` is pointed at it.
    Promise: that counts as new (live traffic now depends on it): nothing deleted."""
    geo = publish(box, "geo", 2)
    create_function(box, "billing", [geo[0]], publish=True)
    set_layers(box, "billing", [])
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    shown = assess_delete(ops.session, ops.journal, version)
    assert [ref.label for ref in shown.consumers] == ["billing:1"]
    box.client("lambda", REGION).create_alias(FunctionName="billing", Name="prod",
                                              FunctionVersion="1")
    with pytest.raises(DeleteCheckChanged):
        ops.delete_layer_version(version, shown)
    assert remaining(box, "geo") == [1, 2]


def test_keep_newest_per_version_recheck(box: Sandbox, tmp_path: Path) -> None:
    """Attack: keep-newest planned geo:1 and geo:2 as unused; geo:1 gains a consumer before
    its turn. Promise: geo:1 is not deleted; geo:2 (still unused) is."""
    geo = publish(box, "geo", 3)
    ops = make_ops(box, tmp_path)
    versions = list(next(layer for layer in scan_region(ops.session, REGION).layers
                         if layer.name == "geo").versions)
    live = assess_deletes(ops.session, ops.journal, versions)
    planned = plan_keep_newest(versions, 1, live)
    assert [v.version for v in planned] == [2, 1]
    create_function(box, "late", [geo[0]])
    ops.delete_layer_version(planned[0], live[planned[0].arn])
    with pytest.raises(DeleteCheckChanged):
        ops.delete_layer_version(planned[1], live[planned[1].arn])
    assert remaining(box, "geo") == [1, 3]


# -- who else is granted ------------------------------------------------------------------------


def test_policy_reads_as_aws_returns_it(box: Sandbox) -> None:
    """The sandbox stores layer permissions as AWS does: an account as its root ARN, an
    organization as a PrincipalOrgID condition on ``*``, a repeated statement id refused."""
    publish(box, "geo", 1)
    grant(box, "partner", OTHER_ACCOUNT)
    grant(box, "org", "*", ORGANIZATION)
    lam = box.client("lambda", REGION)
    statements = json.loads(
        lam.get_layer_version_policy(LayerName="geo", VersionNumber=1)["Policy"])["Statement"]
    assert statements[0]["Principal"] == {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}
    assert statements[1]["Principal"] == "*"
    assert statements[1]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}}
    assert "OrganizationId" not in statements[1]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        grant(box, "partner", OTHER_ACCOUNT)


def test_grants_to_others_are_named_and_need_the_typed_name(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: the version's policy grants account B (whose functions this account cannot
    list), an organization and everyone; no function here uses it. Promise: the assessment
    names each, wants the typed name, and an unconfirmed delete deletes nothing."""
    publish(box, "geo", 2)
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    assert assess_delete(ops.session, ops.journal, version).is_empty  # no policy at all
    grant(box, "partner", OTHER_ACCOUNT)
    grant(box, "own", box.account_id)  # the owner itself is no one else
    grant(box, "org", "*", ORGANIZATION)
    grant(box, "world", "*")
    assessment = assess_delete(ops.session, ops.journal, version)
    assert assessment.consumers == ()
    assert assessment.grants == (Grant("account", OTHER_ACCOUNT),
                                 Grant("organization", ORGANIZATION), Grant("everyone", "*"))
    assert assessment.needs_typed_name
    reasons = "\n".join(assessment.reasons())
    assert f"account {OTHER_ACCOUNT} — its functions are invisible from this account" in reasons
    assert f"organization {ORGANIZATION}" in reasons and "everyone (*)" in reasons
    with pytest.raises(DeleteCheckChanged):
        ops.delete_layer_version(version, DeleteAssessment(version.arn, live=True))
    assert remaining(box, "geo") == [1, 2]


def test_a_grant_added_after_confirming_is_refused(box: Sandbox, tmp_path: Path) -> None:
    """Attack: confirmed while private; a grant to account B lands before the delete.
    Promise: nothing deleted; the refusal names the account."""
    publish(box, "geo", 2)
    ops = make_ops(box, tmp_path)
    version = version_of(ops, "geo", 1)
    shown = assess_delete(ops.session, ops.journal, version)
    grant(box, "partner", OTHER_ACCOUNT)
    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version, shown)
    assert OTHER_ACCOUNT in str(refused.value)
    assert remaining(box, "geo") == [1, 2]


# -- the journal: a repin's undo needs the version it moved away from ---------------------------


def test_repin_then_delete_the_old_version_names_the_undo_it_breaks(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: repin svc-0/svc-1 from geo:1 to geo:2, then delete geo:1 (now "unused").
    Promise: the assessment says the undo of that batch would no longer be possible and wants
    the typed name; an unconfirmed delete deletes nothing; once undone (and moved again by
    hand elsewhere), the dependency is gone."""
    geo = publish(box, "geo", 2)
    for name in ("svc-0", "svc-1"):
        create_function(box, name, [geo[0]])
    ops = make_ops(box, tmp_path)
    report = apply_repin(ops, plan_repin(ops, REGION, geo[1], ["svc-0", "svc-1"]))
    version = version_of(ops, "geo", 1)
    assert version.consumers == ()

    assessment = assess_delete(ops.session, ops.journal, version)
    assert assessment.consumers == () and assessment.needs_typed_name
    [dependency] = assessment.undo_batches
    assert dependency.batch == report.batch and dependency.functions == ("svc-0", "svc-1")
    assert (f"undo of repin batch {report.batch} will no longer be possible"
            in "\n".join(assessment.reasons()))
    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version)
    assert report.batch in str(refused.value)
    assert remaining(box, "geo") == [1, 2]
    # The new version is no undo's target: deleting geo:2 would not break this undo.
    assert assess_delete(ops.session, ops.journal, version_of(ops, "geo", 2)).undo_batches == ()

    found = plan_undo(ops)
    assert found is not None
    apply_undo(ops, *found)
    set_layers(box, "svc-0", [])
    set_layers(box, "svc-1", [])
    assert assess_delete(ops.session, ops.journal, version).is_empty
