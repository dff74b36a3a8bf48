"""Deleting several layer versions as one journaled batch, whoever asks (dialog or CLI).

The batch's plan is journaled before the first delete and its counts after the last, so a
crash mid-batch leaves a record of the versions never started (see ``recovery``). Each version
is re-read live right before its delete (``LayerOperations.delete_layer_version``); one whose
reading found something the user was not shown is not deleted and, with ``stop_on_change``
(one version picked by hand: the user looks again), stops the batch — otherwise (keep-newest)
the versions still free go on. Any other failure stops the batch: the next version is not
tried, so one cause does not repeat down the list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from layer_tui.aws.delete_check import DeleteAssessment, DeleteCheckChanged
from layer_tui.aws.errors import describe
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations

#: The ``kind`` a delete batch's marker carries in the journal.
DELETE_KIND = "delete"


@dataclass(frozen=True)
class DeleteOutcome:
    """What happened to one version: deleted (with its backup folder) or why not."""

    arn: str
    label: str
    backup: str | None = None
    error: str | None = None
    #: The fresh reading when the confirm-time check found something new (nothing deleted).
    changed: DeleteAssessment | None = None


@dataclass(frozen=True)
class DeleteProgress:
    """One step of a batch: ``label`` is about to be checked, backed up and deleted, or (with
    ``deleted``) just was. ``position`` counts from 1 up to ``total``."""

    label: str
    position: int
    total: int
    deleted: bool = False


def version_label(version: LayerVersion) -> str:
    return f"{version.layer_name}:{version.version}"


def delete_versions(
    ops: LayerOperations,
    versions: Sequence[LayerVersion],
    confirmed: Mapping[str, DeleteAssessment],
    *,
    stop_on_change: bool = True,
    on_progress: Callable[[DeleteProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[DeleteOutcome]:
    """Back up then delete ``versions`` in order, one journaled batch; an outcome per version
    tried (those after a stop or a cancel are not tried and have none).

    ``confirmed`` holds, by ARN, the reading each version's user accepted; a version missing
    from it accepts nobody. ``cancelled`` is asked before each version: a cancel never leaves
    one half done.
    """
    if not versions:
        return []
    batch = f"{DELETE_KIND}-{uuid.uuid4().hex[:12]}"
    marker = ops.begin_batch(DELETE_KIND, batch, versions[0].region,
                             [version_label(v) for v in versions])
    outcomes: list[DeleteOutcome] = []
    try:
        for position, version in enumerate(versions, start=1):
            label = version_label(version)
            if cancelled is not None and cancelled():
                break
            if on_progress is not None:
                on_progress(DeleteProgress(label, position, len(versions)))
            try:
                result = ops.delete_layer_version(version, confirmed.get(version.arn),
                                                  batch=batch)
            except DeleteCheckChanged as changed:
                outcomes.append(DeleteOutcome(version.arn, label, error=str(changed),
                                              changed=changed.assessment))
                if stop_on_change:
                    break
                continue
            except Exception as exc:  # one line per failure; the next version is not tried
                outcomes.append(DeleteOutcome(version.arn, label, error=str(describe(exc))))
                break
            outcomes.append(DeleteOutcome(version.arn, label, backup=str(result.backup.folder)))
            if on_progress is not None:
                on_progress(DeleteProgress(label, position, len(versions), deleted=True))
    finally:
        # Also when a progress callback raised: the counts say what was done, and the marker
        # is not left open for start-up recovery to report as a crash.
        failed = sum(1 for o in outcomes if o.error is not None)
        ops.end_batch(marker, deleted=len(outcomes) - failed, failed=failed,
                      not_tried=len(versions) - len(outcomes))
    return outcomes
