"""Settling a publish through S3 that a crash cut short: was it published, and the carrier.

An archive over the direct-upload limit travels to Lambda through an S3 object (the carrier):
upload, PublishLayerVersion, then removal of the object. Killed anywhere in there, the app
leaves a batch whose opening line names the layer, the carrier and the upload's CodeSha256,
plus the highest version number the layer had before. The next start asks AWS for a newer
version with that CodeSha256 — published as ``:N``, or never published — journals it, and
removes the carrier, or names it exactly (``s3://bucket/key``) when it cannot.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.journal_entry import JournalEntry
from layer_tui.aws.operations import LayerOperations

#: Every carrier the app uploads lives under this prefix. Recovery deletes nothing else: a
#: journal line is a file anyone can edit, and must not be a way to delete a user's object.
CARRIER_PREFIX = "layer-tui/"


def code_sha256(path: Path) -> str:
    """CodeSha256 as AWS gives it: the base64 SHA-256 of the zip's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def latest_version(client: Any, layer: str) -> int:
    """The layer's highest version number now (0 if it has none): a later search for our
    publish looks only above it, so an older version with the same bytes is never taken."""
    try:
        page = client.list_layer_versions(LayerName=layer)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return 0
        raise describe(exc, f"listing the versions of {layer}") from exc
    return max((int(v.get("Version", 0)) for v in page.get("LayerVersions") or ()), default=0)


def find_published(client: Any, layer: str, sha: str, above: int) -> tuple[int, str] | None:
    """(version, ARN) of the layer's version above ``above`` whose CodeSha256 is ``sha``."""
    newer: list[int] = []
    for page in client.get_paginator("list_layer_versions").paginate(LayerName=layer):
        newer += [int(v["Version"]) for v in page.get("LayerVersions") or ()
                  if int(v.get("Version", 0)) > above]
    for number in sorted(newer, reverse=True):
        found = client.get_layer_version(LayerName=layer, VersionNumber=number)
        if (found.get("Content") or {}).get("CodeSha256") == sha:
            return number, str(found.get("LayerVersionArn", ""))
    return None


@dataclass
class S3Publish:
    """What the journal says about one publish through S3."""

    layer: str
    region: str
    bucket: str
    key: str
    sha: str
    above: int
    lines: list[JournalEntry]

    @property
    def carrier(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def calls(self, action: str) -> tuple[JournalEntry | None, JournalEntry | None]:
        """The last (before, after) pair of ``action`` in the batch."""
        answers = {e.id: e for e in self.lines if e.phase == "after"}
        befores = [e for e in self.lines if e.action == action and e.phase == "before"]
        if not befores:
            return None, None
        return befores[-1], answers.get(befores[-1].id)


def s3_publish(marker: JournalEntry | None, lines: list[JournalEntry]) -> S3Publish | None:
    """The publish through S3 these lines record, or None if they are other work."""
    if marker is not None and marker.args.get("kind") == "publish" and marker.extra.get("bucket"):
        extra = marker.extra
        return S3Publish(str(extra.get("layer", "")), marker.region, str(extra["bucket"]),
                         str(extra.get("key", "")), str(extra.get("sha", "")),
                         int(extra.get("after_version", 0)), lines)
    if marker is None and len(lines) == 1 and lines[0].action == "PutObject":
        # A lone upload cut short (a journal from before publishes were batches): the publish,
        # which follows the upload, never started; only the object is left to settle.
        args = lines[0].args
        return S3Publish(str(args.get("LayerName", "")), lines[0].region,
                         str(args.get("Bucket", "")), str(args.get("Key", "")), "", -1, lines)
    return None


def recover_publish(ops: LayerOperations, marker: JournalEntry | None, publish: S3Publish,
                    writes: bool) -> str:
    """Settle one interrupted publish through S3; one line for the user."""
    name = f"A publish of {publish.layer} through S3" if publish.layer else (
        "An upload for a publish")
    said = f"{name} was cut short (the app stopped mid-way): "
    found = _published(ops, publish)
    if found == "unchecked":
        return (said + "could not ask AWS whether it was published now: the next start asks "
                f"again; its carrier is {publish.carrier}")
    version, arn = found if isinstance(found, tuple) else (None, "")
    said += (f"it was published as {publish.layer}:{version} (found by its CodeSha256)"
             if version is not None else "it was never published; publish it again")
    if writes:
        _close_calls(ops, publish, version, arn)
    said += "; " + _settle_carrier(ops, publish, writes)
    if writes and marker is not None:
        ops.end_batch(marker, interrupted=1, published=int(version is not None))
    return said


def _published(ops: LayerOperations, publish: S3Publish) -> tuple[int, str] | str | None:
    """(version, ARN), None (never published) or "unchecked" (AWS cannot be asked now)."""
    call, answer = publish.calls("PublishLayerVersion")
    if answer is not None and answer.ok and answer.result:
        return int(answer.result.get("Version", 0)), str(answer.result.get("LayerVersionArn"))
    if call is None or (answer is not None and not answer.extra.get("recovered")):
        return None  # it never started, or AWS refused it (its error is journaled)
    if not publish.sha or not publish.layer:
        return "unchecked"
    try:
        client = ops.session.client("lambda", publish.region)
        return find_published(client, publish.layer, publish.sha, publish.above)
    except (ClientError, BotoCoreError, AwsError):
        return "unchecked"


def _close_calls(ops: LayerOperations, publish: S3Publish, version: int | None,
                 arn: str) -> None:
    """The missing "after" lines, marked recovered, so the journal reads whole again."""
    for action in ("PutObject", "PublishLayerVersion", "DeleteObject"):
        call, answer = publish.calls(action)
        if call is None or answer is not None:
            continue
        if action == "PublishLayerVersion" and version is not None:
            ops.journal.after(call, result={"Version": version, "LayerVersionArn": arn,
                                            "Content": {"CodeSha256": publish.sha}},
                              extra={"recovered": "applied"})
        elif action == "PublishLayerVersion":
            ops.journal.after(call, error={"code": "Interrupted",
                                           "message": "never published (no version has its "
                                                      "CodeSha256)"},
                              extra={"recovered": "not applied"})
        else:
            ops.journal.after(call, error={"code": "Interrupted",
                                           "message": "the app stopped during this call"},
                              extra={"recovered": "unknown"})


def _settle_carrier(ops: LayerOperations, publish: S3Publish, writes: bool) -> str:
    """Remove the carrier object (or say exactly where it is); a few words for the line."""
    upload, _ = publish.calls("PutObject")
    _, removed = publish.calls("DeleteObject")
    if upload is None or (removed is not None and removed.ok):
        return "no carrier object is left in S3"
    if not publish.key.startswith(CARRIER_PREFIX):
        return (f"{publish.carrier} is not a carrier the app names ({CARRIER_PREFIX}…): left "
                "in place, check it")
    if not writes:
        return f"its carrier {publish.carrier} is still in the bucket: remove it"
    s3 = ops.session.client("s3", publish.region)
    try:
        ops.mutate(publish.region, "DeleteObject",
                   {"Bucket": publish.bucket, "Key": publish.key, "LayerName": publish.layer},
                   lambda: s3.delete_object(Bucket=publish.bucket, Key=publish.key),
                   batch=upload.batch, describe_as=f"removing {publish.carrier}")
    except AwsError as exc:
        if exc.code in ("NoSuchBucket", "NoSuchKey"):
            return f"its carrier {publish.carrier} is gone already"
        return f"could not remove its carrier: {exc.message}; remove {publish.carrier}"
    return f"its carrier {publish.carrier} was removed"
