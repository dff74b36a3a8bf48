"""Changes across accounts, tried as an attacker would, against two sandbox accounts over HTTP.

Promise (issue 16): a layer version used only from another account cannot be deleted with a
plain confirmation — the live re-check reads every scanned account's functions in the
version's region, each through that account's own session, and names account and function;
an account that cannot be read now counts as a possible consumer, never as safe. A repin may
move functions in several accounts: each change is sent with its own account's session and
journaled under that account; undo reads them back per account and puts each back through the
right session; recovery settles an interrupted cross-account change per account.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from org_accounts import (
    REGION,
    WORKLOAD_NAME,
    Reach,
    create_function,
    estate_ops,
    grant_to,
    layers_of,
    publish,
    session_on,
    versions_left,
)

from layer_tui.aws.delete_check import (
    DeleteAssessment,
    DeleteCheckChanged,
    assess_delete,
    assess_deletes,
)
from layer_tui.aws.index_consumers import IndexedConsumer
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.models import LayerVersion, RegionError
from layer_tui.aws.operations import LayerOperations, plan_keep_newest
from layer_tui.aws.recovery import recover
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.sandbox import Sandbox


@pytest.fixture
def boxes() -> Iterator[tuple[Sandbox, Sandbox]]:
    """(platform, workload): two accounts, each its own sandbox."""
    with Sandbox(regions=(REGION,)) as platform, Sandbox(regions=(REGION,)) as workload:
        for box in (platform, workload):
            box.revisions.update_seconds = 0.05
        yield platform, workload


def version_of(ops: LayerOperations, name: str, number: int) -> LayerVersion:
    region = scan_region(ops.session, REGION)
    layer = next(layer for layer in region.layers if layer.name == name)
    return next(v for v in layer.versions if v.version == number)


def attached_then_revoked(platform: Sandbox, workload: Sandbox, function: str) -> str:
    """The workload's ``function`` lists otel:1, whose grant has since been revoked: the
    version's policy names no one, and no function of the platform uses it."""
    (otel,) = publish(platform, "otel", 1)
    grant_to(platform, 1, workload.account_id)
    create_function(workload, function, [otel])
    platform.client("lambda", REGION).remove_layer_version_permission(
        LayerName="otel", VersionNumber=1, StatementId="workload")
    return otel


# -- delete ---------------------------------------------------------------------------------


def test_a_version_used_only_from_another_account_is_not_deleted_on_a_plain_confirm(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the cache (and the platform account alone) say otel:1 is unused — its only
    consumer is a workload account's function that attached it while a grant stood, and the
    grant is gone. The user confirms plainly (no typed name). Promise: the confirm-time check
    reads the workload account too; nothing is deleted, and the refusal names the account,
    its name and the function."""
    platform, workload = boxes
    attached_then_revoked(platform, workload, "checkout")
    _, ops = estate_ops(platform, workload, tmp_path)
    version = version_of(ops, "otel", 1)
    assert version.consumers == ()  # the platform's own scan sees no one

    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version, DeleteAssessment.from_cache(version))

    assert versions_left(platform, "otel") == [1]
    message = str(refused.value)
    assert "checkout ($LATEST)" in message
    assert workload.account_id in message and WORKLOAD_NAME in message
    assert not [e for e in ops.journal.entries() if e.action == "DeleteLayerVersion"]


def test_the_live_reading_names_each_consumer_with_its_account(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: a platform function and a workload function of the same name both use the
    version. Promise: the reading lists both, each with its own account, so the user can tell
    whose deploy breaks."""
    platform, workload = boxes
    (otel,) = publish(platform, "otel", 1)
    grant_to(platform, 1, workload.account_id)
    create_function(platform, "api", [otel])
    create_function(workload, "api", [otel])
    _, ops = estate_ops(platform, workload, tmp_path)

    reading = assess_delete(ops.session, ops.journal, version_of(ops, "otel", 1),
                            accounts=ops.accounts)

    owners = sorted(ref.account for ref in reading.consumers)
    assert owners == sorted([platform.account_id, workload.account_id])
    reasons = reading.reasons()
    assert f"used by api ($LATEST) in account {workload.account_id} ({WORKLOAD_NAME})" in reasons
    assert any(r.startswith(f"used by api ($LATEST) in account {platform.account_id}")
               for r in reasons)


def test_an_account_unreadable_at_confirm_time_blocks_a_plain_delete(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the dialog's live reading found nothing anywhere and the user confirms plainly;
    between the two readings the workload account stops answering (access denied in the
    region). Promise: an account that cannot be read is a possible consumer, never safe:
    nothing is deleted, and the refusal says which account could not be checked and why."""
    platform, workload = boxes
    publish(platform, "otel", 1)
    _, ops = estate_ops(platform, workload, tmp_path)
    version = version_of(ops, "otel", 1)
    shown = assess_delete(ops.session, ops.journal, version, accounts=ops.accounts)
    assert shown.is_empty  # both accounts read, nobody uses it: a plain confirm is offered

    workload.faults.access_denied_regions = {REGION}
    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version, shown)

    assert versions_left(platform, "otel") == [1]
    assert f"could not check account {workload.account_id} ({WORKLOAD_NAME})" in str(
        refused.value)


def test_an_account_that_could_not_be_reached_at_all_asks_for_the_typed_name(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the workload account's role could not be assumed (it is a row with an error,
    no session). Promise: the reading names it as unchecked and wants the typed name; a plain
    confirm deletes nothing, and only the reading that showed it (the user typed the name)
    lets the delete go, journaling the account that was not checked."""
    platform, workload = boxes
    publish(platform, "otel", 1)
    reach = Reach({platform.account_id: session_on(platform), workload.account_id: None},
                  {workload.account_id: WORKLOAD_NAME},
                  {workload.account_id: RegionError("AccessDenied", "its role is missing")})
    _, ops = estate_ops(platform, workload, tmp_path, reach)
    version = version_of(ops, "otel", 1)

    shown = assess_delete(ops.session, ops.journal, version, accounts=ops.accounts)
    assert shown.needs_typed_name
    assert [u.account for u in shown.unchecked] == [workload.account_id]
    assert "its role is missing" in shown.reasons()[0]

    with pytest.raises(DeleteCheckChanged):
        ops.delete_layer_version(version, DeleteAssessment(version.arn, live=True))
    assert versions_left(platform, "otel") == [1]

    ops.delete_layer_version(version, shown)  # typed: the user accepted the unchecked account
    assert versions_left(platform, "otel") == []
    (line,) = [e for e in ops.journal.entries()
               if e.action == "DeleteLayerVersion" and e.phase == "before"]
    assert line.extra["unchecked"] == [workload.account_id]


def test_keep_newest_plans_no_version_while_an_account_cannot_be_checked(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: keep-newest 1 on otel (three versions, no consumer the platform can see) while
    the workload account cannot be read. Promise: no old version is planned for deletion — an
    account not checked may use any of them."""
    platform, workload = boxes
    publish(platform, "otel", 3)
    reach = Reach({platform.account_id: session_on(platform), workload.account_id: None},
                  errors={workload.account_id: RegionError("AccessDenied", "role missing")})
    _, ops = estate_ops(platform, workload, tmp_path, reach)
    versions = [version_of(ops, "otel", n) for n in (1, 2, 3)]

    readings = assess_deletes(ops.session, ops.journal, versions, accounts=ops.accounts)

    assert plan_keep_newest(versions, 1, readings) == []
    assert all(r.unchecked for r in readings.values())


@pytest.mark.parametrize("several", [False, True], ids=["one-account", "several-accounts"])
def test_a_consumer_the_index_lists_in_an_account_no_session_reads_blocks_a_plain_delete(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path, several: bool
) -> None:
    """Attack: the Config index lists ``ledger`` in account 777788889999, which the scan
    does not read (no session reaches it); the live reading of the accounts it can read finds
    nobody, so the dialog would offer a plain confirm. Promise: what the view listed in an
    account not read now stays a possible consumer — named with where it was seen (AWS
    Config, as of when) — and a plain confirm deletes nothing."""
    platform, workload = boxes
    publish(platform, "otel", 1)
    _, ops = estate_ops(platform, workload, tmp_path)
    if not several:
        ops = LayerOperations(ops.session, ops.journal, ops.backups)
    version = version_of(ops, "otel", 1)
    elsewhere = "777788889999"
    listed = replace(version, consumers=(IndexedConsumer(
        function="ledger", arn=f"arn:aws:lambda:{REGION}:{elsewhere}:function:ledger",
        version="$LATEST", runtime="python3.12", architectures=("x86_64",), region=REGION,
        layers=(version.arn,), as_of="2026-11-20T09:00:00Z", aggregator="org-lambda"),))

    reading = assess_delete(ops.session, ops.journal, listed, accounts=ops.accounts)
    assert reading.needs_typed_name
    (why,) = reading.reasons()
    assert why.startswith(f"could not check account {elsewhere}")
    assert "AWS Config (as of 2026-11-20T09:00:00Z)" in why and "ledger ($LATEST)" in why

    with pytest.raises(DeleteCheckChanged):
        ops.delete_layer_version(listed, DeleteAssessment(listed.arn, live=True))
    assert versions_left(platform, "otel") == [1]


def test_a_version_of_another_scanned_account_is_deleted_by_that_accounts_session(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the caller's account has a layer of the same name and number as the
    workload's; the user deletes the workload's. Promise: the delete goes through the
    workload's own session (its version goes, the caller's same-named one stays) and is
    journaled under the workload account."""
    platform, workload = boxes
    publish(platform, "otel", 1)
    publish(workload, "otel", 1)
    _, ops = estate_ops(platform, workload, tmp_path)
    theirs = version_of(ops.for_account(workload.account_id), "otel", 1)

    ops.delete_layer_version(theirs, assess_delete(ops.session, ops.journal, theirs,
                                                   accounts=ops.accounts))

    assert versions_left(workload, "otel") == []
    assert versions_left(platform, "otel") == [1]
    (line,) = [e for e in ops.journal.entries()
               if e.action == "DeleteLayerVersion" and e.phase == "before"]
    assert line.account == workload.account_id


# -- repin and undo -------------------------------------------------------------------------


def two_account_repin(platform: Sandbox, workload: Sandbox, tmp_path: Path
                      ) -> tuple[LayerOperations, list[str], list[str]]:
    """``api`` in both accounts on otel:1, both moved to otel:2 in one plan."""
    versions = publish(platform, "otel", 2)
    for number in (1, 2):
        grant_to(platform, number, workload.account_id, sid=f"workload{number}")
    functions = [create_function(platform, "api", [versions[0]]),
                 create_function(workload, "api", [versions[0]])]
    _, ops = estate_ops(platform, workload, tmp_path)
    plan = plan_repin(ops, REGION, versions[1], functions)
    assert [item.blocked for item in plan.items] == [None, None]
    report = apply_repin(ops, plan)
    assert report.count("moved") == 2, report.outcomes
    return ops, versions, functions


def update_lines(ops: LayerOperations, kind: str) -> list[tuple[str, str]]:
    return [(e.account, str(e.args["FunctionName"])) for e in ops.journal.entries()
            if e.action == "UpdateFunctionConfiguration" and e.phase == "after" and e.ok
            and e.extra.get("kind") == kind]


def test_a_repin_over_two_accounts_journals_each_under_its_account_and_undo_restores_both(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: one plan moves ``api`` in the platform and ``api`` in the workload (same name)
    to otel:2. Promise: each update goes to its own account and its journal line carries that
    account; undo puts both back on otel:1, each through its own account."""
    platform, workload = boxes
    ops, versions, functions = two_account_repin(platform, workload, tmp_path)
    assert layers_of(platform, "api") == [versions[1]]
    assert layers_of(workload, "api") == [versions[1]]
    assert sorted(update_lines(ops, "repin")) == sorted(
        [(platform.account_id, functions[0]), (workload.account_id, functions[1])])

    found = plan_undo(ops)
    assert found is not None
    batch, plan = found
    assert plan.problem is None and [item.blocked for item in plan.items] == [None, None]
    report = apply_undo(ops, batch, plan)

    assert report.count("moved") == 2, report.outcomes
    assert layers_of(platform, "api") == [versions[0]]
    assert layers_of(workload, "api") == [versions[0]]
    assert sorted(update_lines(ops, "undo")) == sorted(update_lines(ops, "repin"))
    assert plan_undo(ops) is None  # nothing left to undo


def test_an_undo_never_sends_one_accounts_change_with_another_accounts_credentials(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the undo runs from the platform (the caller's account) for a batch that moved
    the workload's ``api`` too — the platform has an ``api`` of its own that the name alone
    would hit. Promise: each account's sandbox receives exactly its own function's updates
    (one repin, one undo each), nothing of the other's."""
    platform, workload = boxes
    ops, _, _ = two_account_repin(platform, workload, tmp_path)
    for box in (platform, workload):
        box.stats.reset()

    found = plan_undo(ops)
    assert found is not None
    apply_undo(ops, *found)

    assert platform.stats.calls("UpdateFunctionConfiguration") == 1
    assert workload.stats.calls("UpdateFunctionConfiguration") == 1
    for account, function in update_lines(ops, "undo"):
        assert function.split(":")[4] == account  # the line's account is the function's


def test_an_undo_with_an_account_out_of_reach_changes_nothing(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the batch moved functions in two accounts; the next start reaches only the
    platform (the workload's role is now missing). Promise: nothing is changed anywhere —
    undoing half would settle the batch and strand the rest — and the plan says which
    account is missing."""
    platform, workload = boxes
    ops, versions, _ = two_account_repin(platform, workload, tmp_path)
    reach = Reach({platform.account_id: session_on(platform), workload.account_id: None},
                  errors={workload.account_id: RegionError("AccessDenied", "role missing")})
    later = LayerOperations(session_on(platform), ops.journal, tmp_path / "backups",
                            accounts=reach)
    platform.stats.reset()

    found = plan_undo(later)
    assert found is not None
    batch, plan = found
    assert plan.problem is not None and workload.account_id in plan.problem
    report = apply_undo(later, batch, plan)

    assert report.count("moved") == 0
    assert platform.stats.calls("UpdateFunctionConfiguration") == 0
    assert layers_of(platform, "api") == [versions[1]]


def test_recovery_settles_an_interrupted_change_in_its_own_account(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: the app died right after AWS applied the workload's update of a cross-account
    repin (its "after" line and the batch's closing line never written). Promise: the next
    start asks the workload account (through its session) and records the update as applied,
    under the workload account — so undo can put it back."""
    platform, workload = boxes
    versions = publish(platform, "otel", 2)
    grant_to(platform, 1, workload.account_id, sid="w1")
    grant_to(platform, 2, workload.account_id, sid="w2")
    worker = create_function(workload, "worker", [versions[0]])
    _, ops = estate_ops(platform, workload, tmp_path)
    apply_repin(ops, plan_repin(ops, REGION, versions[1], [worker]))
    path = ops.journal.path
    kept = []
    for text in path.read_text(encoding="utf-8").splitlines():
        line = json.loads(text)
        if line["phase"] == "after" and line["action"] in ("UpdateFunctionConfiguration",
                                                             "Batch"):
            continue  # the crash: these were never written
        if "owner" in line:
            line["owner"]["pid"] = 999999999  # a process that has died
        kept.append(json.dumps(line))
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")

    lines = recover(ops)

    assert any("1 done" in line and "worker" in line for line in lines), lines
    (settled,) = [e for e in ops.journal.entries()
                  if e.action == "UpdateFunctionConfiguration" and e.phase == "after"]
    assert settled.account == workload.account_id
    assert settled.extra.get("recovered") == "applied"
    found = plan_undo(ops)
    assert found is not None and [i.blocked for i in found[1].items] == [None]
