"""After a crash: what the journal says was done, not done and in flight — settled with AWS.

A batch (repin, undo, delete) journals its plan before its first call and a closing line after
its last, and every call journals a line before and after. A process killed mid-batch therefore
leaves calls with both lines (done or failed), at most one call with only its "before" line (in
flight: AWS may or may not have acted), planned targets with no line at all (never started) and
a batch without its closing line.

``recover`` reads that back, asks AWS how each in-flight call ended, writes the missing lines
(marked ``recovered``) so that undo and anyone reading the journal see a complete record, and
returns one line per interrupted batch for the user. Entries of an account no session reaches
are left for a session on that account; with several accounts, each in-flight call is asked
about through its own account's session (a repin may span accounts).

A publish through S3 is a batch of its own (upload, publish, removal of the carrier object)
whose opening line names the carrier and the upload's CodeSha256: recovery looks for a version
with that CodeSha256 (ListLayerVersions, then GetLayerVersion) among those newer than the ones
that existed before, journals what it found and removes the carrier — or names it exactly.

In ``--read-only`` recovery only reads: it asks AWS and reports, and writes nothing — no
journal line, no rotation, no call that changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.errors import AwsError, error_code
from layer_tui.aws.journal import Journal, JournalEntry, owner_alive
from layer_tui.aws.journal_entry import BATCH_ACTION, ROTATED_ACTION
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.publish_recovery import recover_publish, s3_publish

#: What the user calls a lone call's work (batched calls take their batch's kind).
_LONE_KINDS = {"DeleteLayerVersion": "delete", "PublishLayerVersion": "publish",
               "PutObject": "upload", "DeleteObject": "upload"}

#: How an in-flight call turned out, as written in its recovered "after" line.
APPLIED, NOT_APPLIED, UNKNOWN = "applied", "not applied", "unknown"


def target_of(entry: JournalEntry) -> str:
    """What a call acted on, in the words a batch's plan uses for its targets."""
    if entry.action == "UpdateFunctionConfiguration":
        return str(entry.args.get("FunctionName", ""))
    if entry.action == "DeleteLayerVersion":
        return f"{entry.args.get('LayerName')}:{entry.args.get('VersionNumber')}"
    if entry.action in ("PutObject", "DeleteObject"):
        return f"s3://{entry.args.get('Bucket')}/{entry.args.get('Key')}"
    return str(entry.args.get("LayerName") or entry.action)


@dataclass
class Interrupted:
    """One batch (or one lone call) that never wrote its closing line."""

    kind: str
    batch: str | None
    account: str
    marker: JournalEntry | None = None
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    in_flight: list[JournalEntry] = field(default_factory=list)
    not_started: list[str] = field(default_factory=list)
    settled: dict[str, str] = field(default_factory=dict)  # target -> APPLIED | NOT_APPLIED | …
    #: Every line of the batch (a publish through S3 is settled from them as a whole).
    lines: list[JournalEntry] = field(default_factory=list)


def interrupted_work(journal: Journal) -> list[Interrupted]:
    """Every batch and lone call the journal opened and never closed, oldest first.

    Work of a process that is still running (another copy of the app, in another pane) is not
    interrupted: it is left out.
    """
    entries = [e for e in journal.entries() if e.action != ROTATED_ACTION]
    closed = {e.id: e for e in entries if e.phase == "after"}
    alive: dict[tuple[object, ...], bool] = {}  # one /proc read per writer, not per line

    def dead(owner: dict[str, Any] | None) -> bool:
        key = tuple(sorted((owner or {}).items()))
        if key not in alive:
            alive[key] = owner_alive(owner)
        return not alive[key]

    opened = [e for e in entries if e.phase == "before" and dead(e.owner)]
    open_batches = {
        e.batch: Interrupted(str(e.args.get("kind", "batch")), e.batch, e.account, marker=e)
        for e in opened
        if e.action == BATCH_ACTION and e.id not in closed and e.batch
    }
    lone: list[Interrupted] = []
    # A target's last attempt is what counts: a 409 retried into success is done, not failed.
    last_attempt: dict[tuple[str, str], tuple[JournalEntry, JournalEntry | None]] = {}
    for entry in opened:
        if entry.action == BATCH_ACTION:
            continue
        after = closed.get(entry.id)
        if entry.batch and entry.batch in open_batches:
            last_attempt[(entry.batch, target_of(entry))] = (entry, after)
        elif after is None:  # a call on its own (or of a journal older than batch lines)
            kind = str(entry.extra.get("kind") or _LONE_KINDS.get(entry.action, entry.action))
            lone.append(Interrupted(kind, entry.batch, entry.account, in_flight=[entry]))
    for (batch, target), (entry, after) in last_attempt.items():
        work = open_batches[batch]
        if after is None:
            work.in_flight.append(entry)
        elif after.ok:
            work.done.append(target)
        elif after.extra.get("recovered") in (NOT_APPLIED, UNKNOWN):
            work.settled[target] = str(after.extra["recovered"])  # closed by an earlier start
        else:
            work.failed.append(target)
    for entry in entries:
        if entry.batch in open_batches:
            open_batches[entry.batch].lines.append(entry)
    for work in open_batches.values():
        touched = {*work.done, *work.failed, *work.settled,
                   *(target_of(e) for e in work.in_flight)}
        planned = work.marker.args.get("targets", []) if work.marker else []
        work.not_started = [str(t) for t in planned if str(t) not in touched]
    everything = [*open_batches.values(), *lone]
    return sorted(everything, key=lambda w: (w.marker or w.in_flight[0]).at)


def recover(ops: LayerOperations) -> list[str]:
    """Settle this account's interrupted work with AWS and close it in the journal.

    Returns one line per interrupted batch or call, for the user; nothing when all is well.
    """
    accounts = ops.reachable_accounts()
    writes = not ops.session.read_only
    if writes:
        ops.journal.compact()  # a journal from before rotation: start reading a small file
    lines: list[str] = []
    found = interrupted_work(ops.journal)
    if warning := ops.journal.take_warning():
        lines.append(warning)
    for work in found:
        if work.account not in accounts:
            continue
        try:
            publish = s3_publish(work.marker, work.lines or work.in_flight)
            line = (recover_publish(ops.for_account(work.account), work.marker, publish, writes)
                    if publish
                    else _recover_one(ops, work, writes))
        except Exception as exc:  # one odd entry must not hide the rest
            line = f"could not settle an interrupted {work.kind} ({work.batch}): {exc}"
        if not writes:
            line += ("; read-only: nothing was written, a start without --read-only "
                     "settles it")
        lines.append(line)
    return lines


def _recover_one(ops: LayerOperations, work: Interrupted, writes: bool = True) -> str:
    unchecked: list[str] = []
    for entry in work.in_flight:
        settled = _settle(ops, entry)
        if settled is None:  # AWS could not be asked now: the next start asks again
            unchecked.append(target_of(entry))
            continue
        outcome, result = settled
        work.settled[target_of(entry)] = outcome
        if not writes:
            continue
        if outcome == APPLIED:
            ops.journal.after(entry, result=result, extra={"recovered": outcome})
        else:
            message = "the app stopped before AWS acted" if outcome == NOT_APPLIED else (
                "the app stopped during this call and AWS cannot tell how it ended")
            ops.journal.after(entry, error={"code": "Interrupted", "message": message},
                              extra={"recovered": outcome})
    if work.marker is not None and not unchecked and writes:
        ops.end_batch(work.marker, interrupted=1, done=len(work.done),
                      failed=len(work.failed), not_started=len(work.not_started),
                      in_flight_applied=sum(o == APPLIED for o in work.settled.values()))
    line = describe_interrupted(work)
    if unchecked:
        line += (f"; could not ask AWS about {_names(unchecked)} now: the next start asks "
                 "again")
    return line


def describe_interrupted(work: Interrupted) -> str:
    """One line: what an interrupted batch did, did not do, and what to do about it."""
    name = {"repin": "A repin", "undo": "An undo", "delete": "A delete",
            "publish": "A publish", "upload": "An upload for a publish"}.get(
        work.kind, f"A call ({work.kind})")
    parts = []
    done = [*work.done, *(t for t, o in work.settled.items() if o == APPLIED)]
    if done:
        parts.append(f"{len(done)} done ({_names(done)})")
    if work.failed:
        parts.append(f"{len(work.failed)} failed")
    for target, outcome in work.settled.items():
        if outcome == NOT_APPLIED:
            parts.append(f"{target} not changed")
        elif outcome == UNKNOWN:
            parts.append(f"{target} unknown: check it on AWS")
    if work.not_started:
        parts.append(f"{len(work.not_started)} never started "
                     f"({_names(work.not_started)})")
    hint = {"repin": "; u undoes what was done", "undo": "; u finishes the undo",
            "delete": "; backups stay: ctrl+p restores",
            "publish": "; r refreshes the layer's versions"}.get(work.kind, "") if done else ""
    said = ", ".join(parts) or "nothing was done"
    return f"{name} was cut short (the app stopped mid-way): {said}{hint}"


def _names(targets: list[str], shown: int = 3) -> str:
    more = len(targets) - shown
    return ", ".join(targets[:shown]) + (f" and {more} more" if more > 0 else "")


def _settle(ops: LayerOperations, entry: JournalEntry) -> tuple[str, dict[str, Any]] | None:
    """Ask AWS whether an in-flight call happened: (APPLIED | NOT_APPLIED | UNKNOWN, result),
    or None when AWS cannot be asked now (throttled, offline, not allowed)."""
    check = _CHECKS.get(entry.action)
    if check is None:
        return UNKNOWN, {}
    try:
        # The call's own account is asked, through its own session (AwsError: none reaches it).
        session = ops.for_account(entry.account).session
        return check(session.client("lambda", entry.region), entry)
    except (ClientError, BotoCoreError, AwsError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            # The version is gone: deleted, by us. A function that is gone cannot be undone.
            return (APPLIED, {}) if entry.action == "DeleteLayerVersion" else (UNKNOWN, {})
        return None


def _check_update(client: Any, entry: JournalEntry) -> tuple[str, dict[str, Any]]:
    config = client.get_function_configuration(FunctionName=entry.args["FunctionName"])
    now = [layer["Arn"] for layer in config.get("Layers") or ()]
    if now == list(entry.args.get("Layers", [])):
        return APPLIED, {"RevisionId": str(config.get("RevisionId", "")), "Layers": now}
    if now == list(entry.extra.get("before", [])):
        return NOT_APPLIED, {}
    return UNKNOWN, {}


def _check_delete(client: Any, entry: JournalEntry) -> tuple[str, dict[str, Any]]:
    client.get_layer_version(LayerName=entry.args["LayerName"],
                             VersionNumber=int(entry.args["VersionNumber"]))
    return NOT_APPLIED, {}


_CHECKS: dict[str, Callable[[Any, JournalEntry], tuple[str, dict[str, Any]]]] = {
    "UpdateFunctionConfiguration": _check_update,
    "DeleteLayerVersion": _check_delete,
}
