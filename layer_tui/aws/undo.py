"""Undo: put back the layer lists a repin batch changed, read from the journal.

Each repin update is journaled with the function's list before and after and the RevisionId
AWS gave it. Undo plans from the newest batch not yet undone and touches a function only if
the journal holds that RevisionId and the function still has it and the journaled list: the
journal is a file anyone with the account's shell can edit, and a forged or damaged line must
never repoint a function it did not change. A version the old lists name that has since been
deleted cannot be put back (AWS refuses any list holding it): the plan says so before anything
is applied, and those functions are left alone.

A repin may have moved functions in several accounts: each journaled update names its account,
and undo reads and restores each function through that account's own session, sending the
FunctionName exactly as journaled. A batch with an account no session reaches now is not
undone at all (doing half would settle the batch and strand the rest): the plan says which
account is missing and how to reach it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.account_reach import account_label, names_of
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.journal_state import RepinUpdate
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import (
    RepinItem,
    RepinOutcome,
    RepinPlan,
    RepinReport,
    apply_update,
    function_label,
    run_batch,
)

NO_REVISION = ("the journal holds no RevisionId for our update of it (a damaged or edited "
               "line?): left alone")
CHANGED = "changed since the repin: left alone"


def last_repin_batch(ops: LayerOperations) -> tuple[str, list[RepinUpdate]] | None:
    """The newest repin batch with updates not yet undone in an account ``ops`` reaches:
    (batch, updates).

    Undo is tracked per function, so a batch whose undo was itself cut short can be finished.
    """
    accounts = ops.reachable_accounts()
    ledger = ops.journal.undo_ledger(accounts)
    for batch in ledger.open_batches(accounts):
        return batch, ledger.remaining(batch)
    return None


def _owner_ops(ops: LayerOperations, account: str) -> LayerOperations | None:
    try:
        return ops.for_account(account)
    except AwsError:
        return None


def _short(arn: str) -> str:
    """``geo:2`` for a layer version ARN."""
    parts = arn.split(":")
    return ":".join(parts[6:8]) if len(parts) == 8 else arn


def deleted_versions(ops: LayerOperations, arns: set[str]) -> set[str]:
    """Which of these layer version ARNs AWS no longer has (one GetLayerVersion each).

    Only a definite ResourceNotFound counts: a version we may not read (another account's
    layer) or cannot ask about now is not called deleted.
    """
    gone: set[str] = set()
    for arn in sorted(arns):
        parts = arn.split(":")
        if len(parts) != 8 or not parts[7].isdigit():
            continue
        # Asked of its owner when a session reaches it: a version granted to no one is
        # readable only there.
        reader = _owner_ops(ops, parts[4]) or ops
        try:
            reader.session.client("lambda", parts[3]).get_layer_version(
                LayerName=arn.rsplit(":", 1)[0], VersionNumber=int(parts[7]))
        except (ClientError, BotoCoreError, AwsError) as exc:
            if error_code(exc) == "ResourceNotFoundException":
                gone.add(arn)
    return gone


def plan_undo(ops: LayerOperations) -> tuple[str, RepinPlan] | None:
    """A plan that puts back each function's list from before the last repin batch.

    A function whose configuration changed since our update (its RevisionId or its list is no
    longer what we left), whose update the journal holds without a RevisionId, or whose old
    list names a version deleted since, is blocked and reported, never overwritten.
    """
    found = last_repin_batch(ops)
    if found is None:
        return None
    batch, updates = found
    notes: list[str] = []
    if warning := ops.journal.take_warning():
        notes.append(warning)
    region = updates[0].region if updates else ""
    missing = sorted({u.account for u in updates if _owner_ops(ops, u.account) is None})
    if missing:
        named = ", ".join(account_label(a) for a in missing)
        problem = (f"this repin also moved functions in {named}, which no session reaches "
                   "now: nothing will be changed; start with every account it touched "
                   "(--profile for each, or --org) to undo it")
        items = [_unreachable(ops, update, problem) for update in updates]
        return batch, RepinPlan(region, "", "", tuple(items), problem=problem,
                                notes=tuple(notes))
    gone = deleted_versions(ops, {arn for u in updates for arn in u.before})
    if gone:
        named = ", ".join(_short(arn) for arn in sorted(gone))
        hit = sum(1 for u in updates if gone & set(u.before))
        notes.append(f"{named} no longer exist{'s' if len(gone) == 1 else ''} (deleted since "
                     f"the repin): {hit} function{'s' if hit != 1 else ''} cannot get "
                     "their old list back and will be left alone")
    items = [_plan_one(ops, update, gone) for update in updates]
    return batch, RepinPlan(region, "", "", tuple(items), notes=tuple(notes))


def _where(ops: LayerOperations, update: RepinUpdate) -> tuple[str, str, str]:
    """(label, account, FunctionName): what sends the update through its own account, naming
    the function exactly as journaled ("" where the session's own account and name do)."""
    account = "" if update.account in ("", ops.session.account_id()) else update.account
    label = function_label(ops, update.function)
    if account and label == update.function:  # a name journaled by another account's session
        label = f"{update.function} ({names_of(ops.accounts).get(account) or account})"
    return label, account, update.function if account or label != update.function else ""


def _unreachable(ops: LayerOperations, update: RepinUpdate, problem: str) -> RepinItem:
    return RepinItem(function_label(ops, update.function), update.region, "", update.after,
                     update.before, blocked=problem, account=update.account,
                     function_id=update.function)


def _plan_one(ops: LayerOperations, update: RepinUpdate, gone: set[str]) -> RepinItem:
    name, account, function_id = _where(ops, update)
    client = ops.for_account(account).session.client("lambda", update.region)
    try:
        config: dict[str, Any] = client.get_function_configuration(FunctionName=update.function)
    except (ClientError, AwsError) as exc:
        return RepinItem(name, update.region, "", update.after, update.before,
                         blocked=describe(exc).message, account=account,
                         function_id=function_id)
    now = tuple(layer["Arn"] for layer in config.get("Layers") or ())
    revision = str(config.get("RevisionId", ""))
    blocked: str | None = None
    missing = sorted(gone & set(update.before))
    if not update.revision_id:
        blocked = NO_REVISION
    elif now != update.after or revision != update.revision_id:
        blocked = CHANGED
    elif missing:
        blocked = (f"{', '.join(_short(a) for a in missing)} was deleted since the repin: "
                   "its old list cannot be put back; left alone")
    # The update names the RevisionId we journaled (equal to the one read now, or blocked):
    # AWS then refuses it (412) if the function changes between this plan and the apply.
    return RepinItem(name, update.region, update.revision_id, now, update.before,
                     config.get("Runtime"), blocked=blocked, account=account,
                     function_id=function_id)


def apply_undo(
    ops: LayerOperations, batch: str, plan: RepinPlan,
    progress: Callable[[RepinOutcome], None] | None = None,
) -> RepinReport:
    """Put each function's list back, one at a time; blocked ones are left alone."""
    report = RepinReport(f"undo-{batch}-{uuid.uuid4().hex[:6]}")

    def apply_one(item: RepinItem) -> RepinOutcome:
        return apply_update(ops, item, report.batch, {"kind": "undo", "undoes": batch},
                            f"restoring {item.function}", "changed meanwhile: left alone",
                            "restored")

    return run_batch(ops, report, plan, "undo", lambda item: item.blocked, apply_one,
                     progress, extra={"undoes": batch})
