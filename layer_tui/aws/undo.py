"""Undo: put back the layer lists a repin batch changed, read from the journal.

Each repin update is journaled with the function's list before and after; undo plans from the
newest batch not yet undone, leaves alone any function changed since (its RevisionId or its
list is no longer what the repin left) and applies like a repin, one function at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from layer_tui.aws.errors import describe
from layer_tui.aws.operations import BATCH_ACTION, LayerOperations
from layer_tui.aws.repin import (
    RepinItem,
    RepinOutcome,
    RepinPlan,
    RepinReport,
    apply_update,
    run_batch,
)


def last_repin_batch(ops: LayerOperations) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest repin batch with updates not yet undone: (batch, those updates' details).

    Undo is tracked per function, so a batch whose undo was itself cut short can be finished.
    """
    updates: dict[str, list[dict[str, Any]]] = {}
    undone: set[tuple[str, str]] = set()
    settled: set[str] = set()  # batches an undo ran through to its end (blocked ones stay)
    order: list[str] = []
    account = ops.session.account_id()
    for entry in ops.journal.entries():
        if entry.account != account or entry.phase != "after":
            continue
        if entry.action == BATCH_ACTION and entry.args.get("kind") == "undo":
            if not (entry.result or {}).get("interrupted"):
                settled.add(str(entry.extra.get("undoes")))
            continue
        if entry.action != "UpdateFunctionConfiguration":
            continue
        if entry.extra.get("kind") == "undo":
            if entry.ok:
                undone.add((str(entry.extra.get("undoes")), entry.args["FunctionName"]))
            continue
        if entry.extra.get("kind") != "repin" or not entry.ok or not entry.batch:
            continue
        if entry.batch not in updates:
            order.append(entry.batch)
        updates.setdefault(entry.batch, []).append({
            "function": entry.args["FunctionName"],
            "region": entry.region,
            "before": entry.extra.get("before", []),
            "after": entry.extra.get("after", []),
            "revision_id": (entry.result or {}).get("RevisionId", ""),
        })
    for batch in reversed(order):
        if batch in settled:
            continue
        remaining = [u for u in updates[batch] if (batch, u["function"]) not in undone]
        if remaining:
            return batch, remaining
    return None


def plan_undo(ops: LayerOperations) -> tuple[str, RepinPlan] | None:
    """A plan that puts back each function's list from before the last repin batch.

    A function whose configuration changed since our update (its RevisionId or its list is no
    longer what we left) is blocked and reported, never overwritten.
    """
    found = last_repin_batch(ops)
    if found is None:
        return None
    batch, updates = found
    items: list[RepinItem] = []
    for update in updates:
        client = ops.session.client("lambda", update["region"])
        try:
            config = client.get_function_configuration(FunctionName=update["function"])
        except ClientError as exc:
            items.append(RepinItem(update["function"], update["region"], "",
                                   tuple(update["after"]), tuple(update["before"]),
                                   blocked=describe(exc).message))
            continue
        now = tuple(layer["Arn"] for layer in config.get("Layers") or ())
        revision = str(config.get("RevisionId", ""))
        changed = now != tuple(update["after"]) or (
            update["revision_id"] and revision != update["revision_id"]
        )
        items.append(RepinItem(
            update["function"], update["region"], revision, now, tuple(update["before"]),
            config.get("Runtime"),
            blocked="changed since the repin: left alone" if changed else None,
        ))
    region = updates[0]["region"] if updates else ""
    return batch, RepinPlan(region, "", "", tuple(items))


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
