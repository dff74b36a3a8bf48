"""Repin: move functions from one version of a layer to another — planned, then applied.

``UpdateFunctionConfiguration(Layers=…)`` replaces the whole list and order matters, so a
repin swaps one ARN in place and keeps everything else. Each update carries the RevisionId the
plan was made from: if the function changed since (412) it is left alone and reported, never
retried blindly. Every update is journaled with the lists before and after; ``undo`` reads
them back and applies through the same ``run_batch``.

A plan may span accounts (a platform version's consumers live in several): functions named by
ARN are read, updated and journaled through their own account's session
(``LayerOperations.for_account``), and the update names the function by ARN, so that
session's guards would refuse it were it ever sent with another account's credentials.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.account_reach import account_label, arn_account, names_of
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.inspection import inspect_layer_version
from layer_tui.aws.lifecycle import lifecycle, today
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.publishing import UNZIPPED_BUDGET
from layer_tui.aws.session import AwsSession

STACK_TAG = "aws:cloudformation:stack-name"
CONFLICT_RETRIES = 6


@dataclass(frozen=True)
class RepinItem:
    """One function's part of a plan: its list now, its list after, and what to watch for."""

    #: How the plan names the function: its name, or ``name (account)`` in a plan that names
    #: functions by ARN, so two accounts' functions of one name stay apart on screen.
    function: str
    region: str
    revision_id: str
    current_layers: tuple[str, ...]
    new_layers: tuple[str, ...]
    runtime: str | None = None
    flags: tuple[str, ...] = ()
    blocked: str | None = None  # why it will not be touched at all
    #: The account the function lives in, in a plan that names functions by ARN ("": the
    #: session's own).
    account: str = ""
    #: What the update sends as FunctionName ("": ``function``): the ARN in such a plan.
    function_id: str = ""

    @property
    def changes(self) -> bool:
        return self.current_layers != self.new_layers

    @property
    def target(self) -> str:
        """The FunctionName sent, and the target the batch's plan names."""
        return self.function_id or self.function


@dataclass(frozen=True)
class RepinPlan:
    region: str
    layer_arn: str  # unversioned
    target_arn: str
    items: tuple[RepinItem, ...]
    problem: str | None = None  # the whole plan cannot run (e.g. the target is gone)
    #: What the user should read before applying (e.g. an undo's target versions are gone).
    notes: tuple[str, ...] = ()

    @property
    def runnable(self) -> list[RepinItem]:
        if self.problem:
            return []
        return [i for i in self.items if i.changes and not i.blocked]


@dataclass(frozen=True)
class RepinOutcome:
    function: str
    status: str  # "moved" | "skipped" | "failed" | "changed"
    detail: str = ""
    final_status: str = ""
    #: The function's account when the plan spans accounts, else "".
    account: str = ""


@dataclass
class RepinReport:
    batch: str
    outcomes: list[RepinOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in ("moved", "skipped", "changed", "failed")}

    def summary(self) -> str:
        parts = [f"{self.count('moved')} moved"]
        for status in ("skipped", "changed", "failed"):
            if n := self.count(status):
                parts.append(f"{n} {status}")
        return ", ".join(parts)


class UnzippedSizes:
    """Unzipped size of layer versions by ARN, from their central directories (Range reads).

    Each version is read once per instance; one that cannot be read (another account's layer
    not shared with us, no content URL) is ``None``, and the budget check then says nothing
    rather than guess.
    """

    def __init__(self, session: AwsSession) -> None:
        self._session = session
        self._known: dict[str, int | None] = {}
        self._lock = threading.Lock()

    def __call__(self, arn: str) -> int | None:
        with self._lock:
            if arn in self._known:
                return self._known[arn]
        size: int | None = None
        try:
            client = self._session.client("lambda", arn.split(":")[3])
            report = inspect_layer_version(client, arn, with_elf=False)
            size = report.uncompressed_size if report.contents_read else None
        except (AwsError, ClientError, BotoCoreError, ValueError, IndexError):
            size = None
        with self._lock:
            self._known[arn] = size
        return size


def swap_layer(layers: Sequence[str], layer_arn: str, target_arn: str) -> tuple[str, ...]:
    """The same list with every version of ``layer_arn`` replaced by ``target_arn``, in place."""
    return tuple(target_arn if arn.rsplit(":", 1)[0] == layer_arn else arn for arn in layers)


def _read_function(client: Any, name: str) -> dict[str, Any]:
    response: dict[str, Any] = client.get_function(FunctionName=name)
    return response


def function_label(ops: LayerOperations, given: str) -> str:
    """``api`` for a name; ``api (workload-a)`` for a function ARN (its account's name, else
    its id)."""
    parts = given.split(":")
    if not (given.startswith("arn:") and len(parts) >= 7 and parts[5] == "function"):
        return given
    account = arn_account(given)
    return f"{parts[6]} ({names_of(ops.accounts).get(account) or account})"


def _function_of(ops: LayerOperations, given: str) -> tuple[str, str, str]:
    """(label, account, FunctionName to send) for a name or a function ARN."""
    parts = given.split(":")
    if given.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        return function_label(ops, given), arn_account(given), ":".join(parts[:7])
    return given, "", ""


def _untouched(ops: LayerOperations, given: str, region: str, problem: str) -> RepinItem:
    name, account, function_id = _function_of(ops, given)
    return RepinItem(name, region, "", (), (), blocked=problem, account=account,
                     function_id=function_id)


def _target_reader(ops: LayerOperations, target_arn: str) -> Any:
    """A client that may read the target version: its owner's session when one reaches it
    (a platform account's version, granted or not), else this one's."""
    try:
        owner = ops.for_arn(target_arn)
    except AwsError:
        owner = ops
    return owner.session.client("lambda", target_arn.split(":")[3])


def plan_repin(
    ops: LayerOperations,
    region: str,
    target_arn: str,
    functions: Sequence[str],
    *,
    unzipped_size: Callable[[str], int | None] = lambda arn: None,
) -> RepinPlan:
    """Read each function now and plan its new list; nothing is changed.

    ``functions`` are names (this session's account) or function ARNs, of any account that
    ``ops`` reaches: each is read through its own account's session.
    """
    layer_arn = target_arn.rsplit(":", 1)[0]
    try:
        target = _target_reader(ops, target_arn).get_layer_version_by_arn(Arn=target_arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            problem = f"{target_arn} does not exist (deleted?); pick another version"
            untouched = tuple(_untouched(ops, given, region, problem) for given in functions)
            return RepinPlan(region, layer_arn, target_arn, untouched, problem=problem)
        raise describe(exc, f"reading {target_arn}") from exc
    runtimes = set(target.get("CompatibleRuntimes") or ())
    arches = set(target.get("CompatibleArchitectures") or ())
    items: list[RepinItem] = []
    for given in functions:
        name, account, function_id = _function_of(ops, given)
        try:
            found = _read_function(ops.for_account(account).session.client("lambda", region),
                                   function_id or name)
        except (ClientError, AwsError) as exc:
            items.append(RepinItem(name, region, "", (), (), blocked=describe(exc).message,
                                   account=account, function_id=function_id))
            continue
        config = found["Configuration"]
        current = tuple(layer["Arn"] for layer in config.get("Layers") or ())
        new = swap_layer(current, layer_arn, target_arn)
        flags: list[str] = []
        runtime = config.get("Runtime")
        if runtimes and runtime and runtime not in runtimes:
            flags.append(f"runtime {runtime} not in the target's {sorted(runtimes)}")
        fn_arches = set(config.get("Architectures") or ["x86_64"])
        if arches and not fn_arches & arches:
            flags.append(f"architecture {sorted(fn_arches)[0]} not in the target's "
                         f"{sorted(arches)}")
        if stack := (found.get("Tags") or {}).get(STACK_TAG):
            flags.append(f"managed by stack {stack}: the next stack deploy will revert this")
        blocked = _runtime_blocked(runtime, flags)
        if config.get("LastUpdateStatus") == "InProgress":
            flags.append("an update is in progress: it will wait for it")
        sizes = [unzipped_size(arn) for arn in new]
        if all(s is not None for s in sizes):
            total = int(config.get("CodeSize") or 0) + sum(s or 0 for s in sizes)
            if total > UNZIPPED_BUDGET:
                # The function's own code counts at its zipped size: a lower bound.
                flags.append(f"function + layers would be at least {total:,} bytes unzipped, "
                             f"over the {UNZIPPED_BUDGET:,}-byte limit")
                blocked = "over the unzipped size limit"
        items.append(RepinItem(name, region, str(config.get("RevisionId", "")), current, new,
                               runtime, tuple(flags), blocked, account, function_id))
    return RepinPlan(region, layer_arn, target_arn, tuple(items))


def _runtime_blocked(runtime: str | None, flags: list[str]) -> str | None:
    """Why AWS will refuse any update of a function on ``runtime`` today (past its
    block-update day), else None; a deprecated runtime's deadline goes into ``flags``."""
    row = lifecycle(runtime)
    if row is None:
        return None
    day = today()
    if row.block_update is not None and row.block_update <= day:
        return (f"AWS blocks updates of {runtime} functions since "
                f"{row.block_update.isoformat()}: this repin would fail; move the function "
                "to a supported runtime first")
    if row.deprecated is not None and row.deprecated <= day:
        until = (f"; updates blocked from {row.block_update.isoformat()}"
                 if row.block_update is not None else "")
        flags.append(f"runtime {runtime} deprecated on {row.deprecated.isoformat()}{until}")
    return None


def wait_until_idle(client: Any, name: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll until LastUpdateStatus is not InProgress; returns the configuration then."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        config: dict[str, Any] = client.get_function_configuration(FunctionName=name)
        if config.get("LastUpdateStatus") != "InProgress" or time.monotonic() > deadline:
            return config
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _update(
    ops: LayerOperations,
    item: RepinItem,
    *,
    batch: str,
    extra: dict[str, Any],
    describe_as: str,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """One UpdateFunctionConfiguration to the item's new list, journaled with the lists before
    and after; 409 is waited out within a bound."""
    client = ops.session.client("lambda", item.region)
    args = {"FunctionName": item.target, "Layers": list(item.new_layers),
            "RevisionId": item.revision_id}
    extra = {**extra, "before": list(item.current_layers), "after": list(item.new_layers)}
    for attempt in range(CONFLICT_RETRIES):
        try:
            response: dict[str, Any] = ops.mutate(
                item.region, "UpdateFunctionConfiguration", args,
                lambda: client.update_function_configuration(**args),
                batch=batch, extra=extra, describe_as=describe_as,
            )
            return response
        except AwsError as exc:
            if exc.code != "ResourceConflictException" or attempt == CONFLICT_RETRIES - 1:
                raise
            sleep(min(0.25 * 2**attempt, 4.0))
            wait_until_idle(client, item.target)
    raise AssertionError("unreachable")


def run_batch(
    ops: LayerOperations,
    report: RepinReport,
    plan: RepinPlan,
    kind: str,
    skip: Callable[[RepinItem], str | None],
    apply_one: Callable[[RepinItem], RepinOutcome],
    progress: Callable[[RepinOutcome], None] | None = None,
    extra: dict[str, Any] | None = None,
) -> RepinReport:
    """Repin or undo: one function at a time between the batch's journal lines (its plan
    first, its counts last), so a crash mid-batch leaves what never started on record.
    ``skip`` says why an item is left alone (asked again at its turn: cancel), or None."""
    ops.check_writable()
    targets = [item.target for item in plan.items if skip(item) is None]
    marker = (ops.begin_batch(kind, report.batch, plan.region, targets, extra=extra)
              if targets else None)
    for item in plan.items:
        reason = skip(item)
        outcome = (RepinOutcome(item.function, "skipped", reason, account=item.account)
                   if reason else apply_one(item))
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    if marker is not None:
        ops.end_batch(marker, **report.counts())
    return report


def apply_repin(
    ops: LayerOperations,
    plan: RepinPlan,
    *,
    progress: Callable[[RepinOutcome], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    kind: str = "repin",
    batch: str | None = None,
) -> RepinReport:
    """Apply the plan one function at a time; cancel stops after the function in flight."""
    report = RepinReport(batch or f"{kind}-{uuid.uuid4().hex[:12]}")

    def skip(item: RepinItem) -> str | None:
        if cancelled():
            return "cancelled before its turn"
        if plan.problem or item.blocked:
            return plan.problem or item.blocked
        return None if item.changes else "already on the target"

    def apply_one(item: RepinItem) -> RepinOutcome:
        return apply_update(ops, item, report.batch, {"kind": kind},
                            f"updating {item.function}",
                            "changed since the plan: left alone, plan it again")

    return run_batch(ops, report, plan, kind, skip, apply_one, progress)


def apply_update(
    ops: LayerOperations, item: RepinItem, batch: str, extra: dict[str, Any],
    describe_as: str, changed: str, moved: str = "",
) -> RepinOutcome:
    """Wait until the function is idle, update it, wait again; the outcome in words.

    The update goes through the session of the item's account (and is journaled under it).
    """
    account = item.account
    try:
        own = ops.for_account(account)
        client = own.session.client("lambda", item.region)
        wait_until_idle(client, item.target)
        _update(own, item, batch=batch, extra=extra,
                describe_as=describe_as + (f" in {account_label(account)}" if account else ""))
        final = wait_until_idle(client, item.target)
    except AwsError as exc:
        if exc.code == "PreconditionFailedException":
            return RepinOutcome(item.function, "changed", changed, account=account)
        return RepinOutcome(item.function, "failed", exc.message, account=account)
    except (ClientError, BotoCoreError) as exc:
        return RepinOutcome(item.function, "failed", describe(exc).message, account=account)
    status = str(final.get("LastUpdateStatus", "Successful"))
    if status == "Failed":
        return RepinOutcome(item.function, "failed",
                            str(final.get("LastUpdateStatusReason", "update failed")), status,
                            account=account)
    return RepinOutcome(item.function, "moved", moved, final_status=status, account=account)
