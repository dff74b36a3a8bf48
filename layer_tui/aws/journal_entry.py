"""One line of the journal: what it may hold (an allow-list per action) and how it is read back.

The journal keeps only what undo and recovery need. AWS responses carry far more — a function's
``Environment.Variables`` (passwords, API keys), code locations (presigned URLs), roles, KMS
keys, VPC settings — so nothing is written because it was *not* refused: each action names the
fields it keeps, and everything else is dropped on the way to the disk. The same table checks a
line read back: a kept field of the wrong type makes the line unreadable (skipped and reported
once by ``Journal``), so a mistyped or forged line can never reach undo or recovery as data of
the wrong shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The journal's action for a batch's opening (its plan) and closing lines.
BATCH_ACTION = "Batch"
#: The first line of a journal file started by rotation (see ``Journal``).
ROTATED_ACTION = "Rotated"
PHASES = ("before", "after")

#: Longest text kept from any field: an error message is a sentence, not a document.
MAX_TEXT = 2000


class Malformed(ValueError):
    """A line that is not a journal entry of the shape its action keeps."""


#: A field's check and transform: the value to keep, or Malformed.
Kind = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Malformed(f"expected text, got {type(value).__name__}")
    return value[:MAX_TEXT]


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"expected a number, got {type(value).__name__}")
    return value


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Malformed(f"expected a list, got {type(value).__name__}")
    if all(type(item) is str and len(item) <= MAX_TEXT for item in value):
        return value  # the common case, at C speed: start-up reads thousands of these
    return [_text(item) for item in value]


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise Malformed(f"expected counts, got {type(value).__name__}")
    return {_text(key): _number(count) for key, count in value.items()}


def _fields(spec: Mapping[str, Kind]) -> Kind:
    def keep(value: Any) -> dict[str, Any]:
        return kept(spec, value)

    return keep


def kept(spec: Mapping[str, Kind], value: Any) -> dict[str, Any]:
    """The allow-listed fields of ``value`` (a dict), each checked; others dropped."""
    if not isinstance(value, dict):
        raise Malformed(f"expected an object, got {type(value).__name__}")
    return {name: kind(value[name]) for name, kind in spec.items()
            if name in value and value[name] is not None}


@dataclass(frozen=True)
class Kept:
    """What an action's lines keep in ``args``, ``result`` and ``extra``."""

    args: Mapping[str, Kind] = field(default_factory=dict)
    result: Mapping[str, Kind] | Kind = field(default_factory=dict)
    extra: Mapping[str, Kind] = field(default_factory=dict)
    #: ``args`` a line of this action is not readable without (what undo and recovery act on).
    required: tuple[str, ...] = ()

    def keep_result(self, value: Any) -> dict[str, Any]:
        if callable(self.result):
            kept_value: dict[str, Any] = self.result(value)
            return kept_value
        return kept(self.result, value)


#: Every action's ``extra`` may say which kind of work it was part of and how recovery closed it.
_COMMON_EXTRA: dict[str, Kind] = {"kind": _text, "undoes": _text, "recovered": _text}
_S3_OBJECT: dict[str, Kind] = {"Bucket": _text, "Key": _text, "LayerName": _text,
                               "CodeSha256": _text, "CodeSize": _number}

KEPT: dict[str, Kept] = {
    BATCH_ACTION: Kept(
        args={"kind": _text, "targets": _texts},
        result=_counts,
        # A publish through S3 names its carrier object and the upload's digest, so that
        # recovery can find the version by CodeSha256 and remove the object.
        extra={"undoes": _text, "layer": _text, "bucket": _text, "key": _text, "sha": _text,
               "size": _number, "after_version": _number},
    ),
    "UpdateFunctionConfiguration": Kept(
        args={"FunctionName": _text, "Layers": _texts, "RevisionId": _text},
        required=("FunctionName",),
        # The lists are in ``extra`` already; the answer adds only the new RevisionId.
        result={"RevisionId": _text, "LastUpdateStatus": _text, "State": _text},
        extra={"before": _texts, "after": _texts},
    ),
    "DeleteLayerVersion": Kept(
        args={"LayerName": _text, "VersionNumber": _number},
        required=("LayerName", "VersionNumber"),
        extra={"arn": _text, "backup": _text, "consumers": _texts, "grants": _texts,
               "undo_batches": _texts, "unchecked": _texts},
    ),
    "PublishLayerVersion": Kept(
        args={"LayerName": _text, "CompatibleRuntimes": _texts,
              "CompatibleArchitectures": _texts, "ZipBytes": _number, "Unzipped": _number,
              "S3Bucket": _text, "S3Key": _text, "CodeSha256": _text},
        required=("LayerName",),
        result={"LayerArn": _text, "LayerVersionArn": _text, "Version": _number,
                "CreatedDate": _text,
                "Content": _fields({"CodeSha256": _text, "CodeSize": _number})},
    ),
    # Layer permissions: a revoke keeps the statement it removed, so undo can add it back.
    "AddLayerVersionPermission": Kept(
        args={"LayerName": _text, "VersionNumber": _number, "StatementId": _text,
              "Action": _text, "Principal": _text, "OrganizationId": _text},
        required=("LayerName", "VersionNumber", "StatementId"),
        result={"RevisionId": _text},
        extra={"arn": _text, "principal": _text, "organization": _text},
    ),
    "RemoveLayerVersionPermission": Kept(
        args={"LayerName": _text, "VersionNumber": _number, "StatementId": _text},
        required=("LayerName", "VersionNumber", "StatementId"),
        extra={"arn": _text, "principal": _text, "organization": _text, "statement": _text},
    ),
    "PutObject": Kept(args=_S3_OBJECT, required=("Bucket", "Key")),
    "DeleteObject": Kept(args=_S3_OBJECT, required=("Bucket", "Key")),
    ROTATED_ACTION: Kept(args={"uncarried": _texts}),
}
_NOTHING = Kept()

_ERROR: dict[str, Kind] = {"code": _text, "message": _text}
_OWNER: dict[str, Kind] = {"host": _text, "pid": _number, "start": _number}


@dataclass(frozen=True)
class JournalEntry:
    """One line of the journal."""

    id: str
    phase: str  # "before" | "after"
    action: str  # the AWS operation, e.g. "DeleteLayerVersion"
    account: str
    profile: str
    region: str
    args: dict[str, Any]
    at: str = ""
    batch: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The process that made the call (host, pid, start): recovery leaves a live one's alone.
    owner: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.phase == "after" and self.error is None

    def to_json(self) -> dict[str, Any]:
        """The line as written: only the fields its action keeps."""
        rule = KEPT.get(self.action, _NOTHING)
        data: dict[str, Any] = {
            "id": self.id,
            "at": self.at,
            "phase": self.phase,
            "action": self.action,
            "account": self.account,
            "profile": self.profile,
            "region": self.region,
            "batch": self.batch,
            "args": kept(rule.args, self.args),
        }
        if self.phase == "after":
            data["result"] = (rule.keep_result(self.result)
                              if self.result is not None and self.error is None else None)
            data["error"] = kept(_ERROR, self.error) if self.error is not None else None
        extra = kept({**_COMMON_EXTRA, **rule.extra}, self.extra)
        if extra:
            data["extra"] = extra
        if self.owner:
            data["owner"] = kept(_OWNER, self.owner)
        return data

    @classmethod
    def from_json(cls, data: Any) -> JournalEntry:
        """A line read back, checked field by field; Malformed if it is not an entry."""
        if not isinstance(data, dict):
            raise Malformed("a line is not a JSON object")
        phase = data.get("phase")
        if phase not in PHASES:
            raise Malformed(f"unknown phase {phase!r}")
        action = _text(data.get("action"))
        identity = _text(data.get("id"))
        if not identity or not action:
            raise Malformed("no id or no action")
        rule = KEPT.get(action, _NOTHING)
        args = kept(rule.args, data.get("args", {}))
        if missing := [name for name in rule.required if name not in args]:
            raise Malformed(f"a {action} line without {', '.join(missing)}")
        batch = data.get("batch")
        result = data.get("result")
        error = data.get("error")
        owner = data.get("owner")
        return cls(
            id=identity,
            phase=str(phase),
            action=action,
            account=_text(data.get("account", "")),
            profile=_text(data.get("profile", "")),
            region=_text(data.get("region", "")),
            args=args,
            at=_text(data.get("at", "")),
            batch=None if batch is None else _text(batch),
            result=None if result is None else rule.keep_result(result),
            error=None if error is None else _error(error),
            extra=kept({**_COMMON_EXTRA, **rule.extra}, data.get("extra") or {}),
            owner=None if owner is None else kept(_OWNER, owner),
        )


def _error(value: Any) -> dict[str, str]:
    error = kept(_ERROR, value)
    if "code" not in error:
        raise Malformed("an error without a code")
    return {"code": error["code"], "message": error.get("message", "")}
