"""S3 the way layers kept in their owner's bucket meet it: REFERENCE mode, bucket policies.

``PublishLayerVersion`` with ``Content.S3ObjectStorageMode=REFERENCE`` makes Lambda keep no
copy: it reads the customer's object for the version's whole life. GetLayerVersion then
answers ``Content.ResolvedS3Object`` {S3Bucket, S3Key, S3ObjectVersion when the bucket is
versioned} and no ``Location``. moto ignores the mode (it copies the bytes and answers
``"s3://"``), so this records where each such version points and answers as AWS does.

S3 itself: moto serves every object to anyone in the process. AWS refuses a GetObject that an
explicit ``Deny`` in the bucket policy covers (403 AccessDenied, whatever IAM allows); this
does the same, and counts the body bytes GetObject sends so tests can prove Range reads.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from collections import Counter
from typing import Any
from urllib.parse import unquote

from moto.awslambda.models import LayerVersion
from moto.s3.models import s3_backends

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply

REFERENCE = "REFERENCE"
_OBJECT_READS = frozenset({"GetObject", "HeadObject"})


def is_reference(layer_version: LayerVersion) -> bool:
    content = layer_version.content if isinstance(layer_version.content, dict) else {}
    return content.get("S3ObjectStorageMode") == REFERENCE


def resolve_s3_object(layer_version: LayerVersion) -> dict[str, str]:
    """Where a REFERENCE version points, fixed at publish time as AWS resolves it."""
    resolved: dict[str, str] | None = getattr(layer_version, "resolved_s3_object", None)
    if resolved is not None:
        return resolved
    content = layer_version.content
    bucket, key = str(content.get("S3Bucket", "")), str(content.get("S3Key", ""))
    resolved = {"S3Bucket": bucket, "S3Key": key}
    version = content.get("S3ObjectVersion")
    if not version:
        backend = s3_backends[layer_version.account_id]["global"]
        try:
            found = backend.get_object(bucket, key)
            versioned = backend.get_bucket(bucket).is_versioned
        except Exception:  # moto raises its own types; publish already checked the object
            found, versioned = None, False
        version = found.version_id if found is not None and versioned else None
    if version and version != "null":
        resolved["S3ObjectVersion"] = str(version)
    layer_version.resolved_s3_object = resolved  # type: ignore[attr-defined]
    return resolved


def shape_content(layer_version: LayerVersion, content: dict[str, Any]) -> dict[str, Any]:
    """GetLayerVersion's ``Content`` for a REFERENCE version: no Location, ResolvedS3Object."""
    if not is_reference(layer_version):
        return content
    shaped = {k: v for k, v in content.items() if k != "Location"}
    shaped["ResolvedS3Object"] = dict(resolve_s3_object(layer_version))
    return shaped


def refuse_reference_zip(call: ApiCall) -> ApiReply | None:
    """REFERENCE needs an S3 object to refer to: with ZipFile AWS answers 400."""
    content = call.json_body().get("Content") or {}
    if content.get("S3ObjectStorageMode") == REFERENCE and "ZipFile" in content:
        return error_reply(
            call, 400, "InvalidParameterValueException",
            "S3ObjectStorageMode REFERENCE requires S3Bucket and S3Key, not ZipFile",
            Type="User",
        )  # fmt: skip
    return None


class S3ObjectReads(Interceptor):
    """GetObject/HeadObject refused by an explicit Deny in the bucket policy; bytes counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bytes: Counter[str] = Counter()
        self._requests: Counter[str] = Counter()

    def object_bytes(self, bucket: str, key: str) -> int:
        """GetObject body bytes sent for ``s3://bucket/key``."""
        with self._lock:
            return self._bytes[f"{bucket}/{key}"]

    def object_requests(self, bucket: str, key: str) -> int:
        with self._lock:
            return self._requests[f"{bucket}/{key}"]

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "s3" or call.operation not in _OBJECT_READS:
            return None
        bucket, key = _bucket_and_key(call.path)
        if not bucket or not key:
            return None
        with self._lock:
            self._requests[f"{bucket}/{key}"] += 1
        if _denied(call.account_id, bucket, key):
            return ApiReply(
                403, [("Content-Type", "application/xml")],
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                b"<Message>Access Denied</Message><RequestId>SANDBOX</RequestId></Error>",
            )  # fmt: skip
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        if call.service == "s3" and call.operation == "GetObject" and reply.status in (200, 206):
            bucket, key = _bucket_and_key(call.path)
            with self._lock:
                self._bytes[f"{bucket}/{key}"] += len(reply.body)
        return reply


def _bucket_and_key(path: str) -> tuple[str, str]:
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    return bucket, key


def _denied(account_id: str, bucket: str, key: str) -> bool:
    _, owner = s3_backends.bucket_accounts.get(bucket, ("aws", account_id))
    try:
        policy = s3_backends[owner]["global"].get_bucket_policy(bucket)
    except Exception:  # no such bucket or no policy: moto answers for itself
        return False
    if not policy:
        return False
    try:
        document = json.loads(policy)
    except ValueError:
        return False
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    resource = f"arn:aws:s3:::{bucket}/{key}"
    return any(
        s.get("Effect") == "Deny"
        and _matches(s.get("Action"), ("s3:GetObject", "s3:*", "*"))
        and _principal_matches(s.get("Principal"), account_id)
        and any(fnmatch.fnmatchcase(resource, r) for r in _listed(s.get("Resource")))
        for s in statements
        if isinstance(s, dict)
    )


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _matches(actions: Any, wanted: tuple[str, ...]) -> bool:
    return any(a in wanted for a in _listed(actions))


def _principal_matches(principal: Any, account_id: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(p == "*" or account_id in p for p in _listed(principal.get("AWS")))
    return False


__all__ = [
    "REFERENCE",
    "S3ObjectReads",
    "is_reference",
    "refuse_reference_zip",
    "resolve_s3_object",
    "shape_content",
]
