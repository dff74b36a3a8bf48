"""Layer version permissions against two sandbox accounts over real HTTP.

An auditor's suite: each test names the attack or the promise. Account A owns the layer; account
B is another sandbox (another account) that may or may not read A's version, as AWS decides
from the version's policy (``GetLayerVersionByArn`` across accounts).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from layer_tui.aws.errors import AwsError
from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.permissions import (
    PermissionInputError,
    VersionRef,
    grant_permission,
    last_permission_change,
    plan_grant,
    read_policy,
    revoke_permission,
    undo_permission_change,
)
from layer_tui.aws.session import AwsSession, ReadOnlyError, SessionConfig
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"


def tiny_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/shared.py", "x = 1\n")
    return buf.getvalue()


def session_on(sandbox: Sandbox, **config: Any) -> AwsSession:
    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0, **config))


@pytest.fixture
def owner() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as box:
        box.client("lambda", REGION).publish_layer_version(
            LayerName="shared", Content={"ZipFile": tiny_zip()},
            CompatibleRuntimes=["python3.12"])
        yield box


@pytest.fixture
def reader() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as box:
        yield box


def version_of(box: Sandbox) -> VersionRef:
    return VersionRef.parse(f"arn:aws:lambda:{REGION}:{box.account_id}:layer:shared:1")


def ops_on(box: Sandbox, tmp_path: Path, **config: Any) -> LayerOperations:
    return LayerOperations(session_on(box, **config), Journal(tmp_path / "journal.jsonl"),
                           tmp_path / "backups")


def can_read(reader: Sandbox, version: VersionRef) -> bool:
    try:
        reader.client("lambda", REGION).get_layer_version_by_arn(Arn=version.arn)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "AccessDeniedException"
        return False
    return True


def test_grant_revoke_and_undo_decide_what_another_account_can_read(
    owner: Sandbox, reader: Sandbox, tmp_path: Path
) -> None:
    """Promise: a grant to account B lets B read the version by ARN; a revoke takes it away;
    undo of the revoke puts the very statement back (B reads again); undo of the grant removes
    it. Each step is journaled through LayerOperations.mutate, and the revoke's line holds the
    statement it removed."""
    ops = ops_on(owner, tmp_path)
    version = version_of(owner)
    assert not can_read(reader, version)

    plan = plan_grant(version, reader.account_id, owner.account_id)
    assert plan.principal == reader.account_id and not plan.everyone
    grant_permission(ops, plan)
    assert can_read(reader, version)
    lam = ops.session.client("lambda", REGION)
    policy = read_policy(lam, version, owner.account_id)
    [statement] = policy.statements
    assert statement.sid == plan.statement_id
    assert statement.grant is not None and statement.grant.principal == reader.account_id
    assert statement.document["Action"] == "lambda:GetLayerVersion"

    revoke_permission(ops, version, plan.statement_id)
    assert not can_read(reader, version)
    assert read_policy(lam, version, owner.account_id).statements == ()
    revoke_line = [e for e in ops.journal.entries()
                   if e.action == "RemoveLayerVersionPermission" and e.phase == "after"][-1]
    assert revoke_line.ok and json.loads(revoke_line.extra["statement"])["Sid"] == plan.statement_id

    change = last_permission_change(ops)
    assert change is not None and change.kind == "revoke"
    undo_permission_change(ops, change)
    assert can_read(reader, version)
    assert read_policy(lam, version, owner.account_id).statement(plan.statement_id) is not None

    # The revoke is undone; what is left to undo is the grant itself.
    change = last_permission_change(ops)
    assert change is not None and change.kind == "grant"
    undo_permission_change(ops, change)
    assert not can_read(reader, version)
    assert last_permission_change(ops) is None
    actions = [(e.action, e.phase) for e in ops.journal.entries()]
    assert actions.count(("AddLayerVersionPermission", "after")) == 2
    assert actions.count(("RemoveLayerVersionPermission", "after")) == 2


def test_public_grant_is_a_finding_and_its_undo_is_a_grant_to_everyone(
    owner: Sandbox, reader: Sandbox, tmp_path: Path
) -> None:
    """Promise: a version readable by everyone (principal * without an organization) is a
    finding; an organization grant is not public; revoking the public grant then planning its
    undo yields a grant to everyone again — which the dialog confirms by typed name, never
    applied straight from a (possibly edited) journal line."""
    ops = ops_on(owner, tmp_path)
    version = version_of(owner)
    lam = ops.session.client("lambda", REGION)
    grant_permission(ops, plan_grant(version, "o-abcdefghij", owner.account_id))
    policy = read_policy(lam, version, owner.account_id)
    assert not policy.public and policy.findings() == []
    assert [g.kind for g in policy.grants] == ["organization"]

    public = plan_grant(version, "*", owner.account_id)
    assert public.everyone
    grant_permission(ops, public)
    policy = read_policy(lam, version, owner.account_id)
    assert policy.public
    [finding] = policy.findings()
    assert finding.code == "public" and "everyone" in finding.message
    assert can_read(reader, version)

    revoke_permission(ops, version, public.statement_id)
    change = last_permission_change(ops)
    assert change is not None and change.kind == "revoke"
    again = change.undo_plan()
    assert again is not None and again.everyone and again.statement_id == public.statement_id


def test_bad_grants_are_one_line_and_send_nothing(owner: Sandbox, tmp_path: Path) -> None:
    """Attack: grant to a name, an 11-digit id, this very account, or nobody.
    Promise: one line each, before any call; read-only refuses a grant before sending."""
    version = version_of(owner)
    for who in ("", "alice", "12345678901", owner.account_id, "o-short"):
        with pytest.raises(PermissionInputError) as refused:
            plan_grant(version, who, owner.account_id)
        assert "\n" not in str(refused.value) and str(refused.value)
    before = owner.stats.calls("AddLayerVersionPermission")
    read_only = ops_on(owner, tmp_path, read_only=True)
    with pytest.raises(ReadOnlyError):
        grant_permission(read_only, plan_grant(version, "*", owner.account_id))
    assert owner.stats.calls("AddLayerVersionPermission") == before


def test_undo_of_a_grant_revoked_meanwhile_changes_nothing(
    owner: Sandbox, reader: Sandbox, tmp_path: Path
) -> None:
    """Attack: someone revokes our grant by hand, then adds another statement; undo runs.
    Promise: undo re-reads the policy, says there is nothing to undo in one line, and leaves
    the other statement alone."""
    ops = ops_on(owner, tmp_path)
    version = version_of(owner)
    plan = plan_grant(version, reader.account_id, owner.account_id)
    grant_permission(ops, plan)
    lam = owner.client("lambda", REGION)
    lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1,
                                        StatementId=plan.statement_id)
    lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="theirs",
                                     Action="lambda:GetLayerVersion", Principal="*")
    change = last_permission_change(ops)
    assert change is not None
    with pytest.raises(AwsError) as refused:
        undo_permission_change(ops, change)
    assert "nothing to undo" in str(refused.value) and "\n" not in str(refused.value)
    assert [s.sid for s in read_policy(lam, version, owner.account_id).statements] == ["theirs"]
