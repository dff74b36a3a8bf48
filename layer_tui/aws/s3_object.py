"""Layers AWS keeps in their owner's S3 bucket (``S3ObjectStorageMode=REFERENCE``).

Such a version has no copy of its own: Lambda reads the owner's object, and GetLayerVersion
answers ``Content.ResolvedS3Object`` {S3Bucket, S3Key, S3ObjectVersion?} and may give no
``Location``. Its zip is listed the same way as any other, by Range reads of its tail, only
through S3 GetObject on the session's (rate-limited, guarded) s3 client instead of a presigned
URL — so it can be read only where the caller's credentials may read that object.

What this costs the layer's users is said as a finding: the version lives and dies with that
object, and in a bucket without versioning (or a version that pins none) an overwrite changes
the layer under every function that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.content_url import ContentAccessError, ContentsError, TruncatedZipError
from layer_tui.aws.errors import error_code
from layer_tui.aws.findings import Finding

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "403", "AllAccessDisabled"})
_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "404"})


@dataclass(frozen=True)
class ReferencedObject:
    """Where a REFERENCE-mode layer version's zip lies."""

    bucket: str
    key: str
    version_id: str | None = None

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> ReferencedObject | None:
        resolved = content.get("ResolvedS3Object")
        if not isinstance(resolved, dict) or not resolved.get("S3Bucket"):
            return None
        version = resolved.get("S3ObjectVersion")
        return cls(str(resolved["S3Bucket"]), str(resolved.get("S3Key") or ""),
                   str(version) if version else None)  # fmt: skip

    @property
    def label(self) -> str:
        pinned = f" (object version {self.version_id})" if self.version_id else ""
        return f"s3://{self.bucket}/{self.key}{pinned}"

    def request(self) -> dict[str, str]:
        params = {"Bucket": self.bucket, "Key": self.key}
        if self.version_id:
            params["VersionId"] = self.version_id
        return params


class S3ObjectRanges:
    """Byte ranges of one S3 object through GetObject with ``Range``: a ``RangeSource``.

    The object's size is learnt from the first answer's Content-Range, not taken from CodeSize:
    an overwritten object may have another size, and that is worth saying, not refusing.
    """

    downloaded_whole = False
    local_copy: IO[bytes] | None = None
    url_refreshes = 0

    def __init__(self, s3: Any, where: ReferencedObject) -> None:
        self._s3 = s3
        self._where = where
        self.size: int | None = None
        #: Body bytes received from S3.
        self.bytes_fetched = 0
        self.requests = 0

    def get(self, start: int | None, length: int) -> bytes:
        spec = f"-{length}" if start is None else f"{start}-{start + length - 1}"
        self.requests += 1
        try:
            answer = self._s3.get_object(**self._where.request(), Range=f"bytes={spec}")
        except ClientError as exc:
            raise self._failure(exc) from exc
        except BotoCoreError as exc:
            raise ContentAccessError(f"reading {self._where.label} failed: {exc}") from exc
        body = answer["Body"]
        try:
            match = _CONTENT_RANGE.fullmatch(str(answer.get("ContentRange") or ""))
            if match is None:
                raise ContentAccessError(
                    f"S3 answered bytes={spec} of {self._where.label} without a Content-Range"
                )
            first, last, total = int(match[1]), int(match[2]), int(match[3])
            span = last - first + 1
            if span > length:
                raise ContentAccessError(
                    f"S3 sent {span:,} bytes for a request of {length:,}; refused")
            # Never more than the range asked for, whatever the stream would give.
            data: bytes = body.read(span)
        finally:
            body.close()
        self.bytes_fetched += len(data)
        self.size = total
        if len(data) != span:
            raise TruncatedZipError(
                f"asked S3 for {span:,} bytes of {self._where.label}, received {len(data):,}")
        return data

    def close(self) -> None:
        return None

    def _failure(self, exc: ClientError) -> ContentsError:
        code = error_code(exc)
        if code in _DENIED:
            return ContentAccessError(
                f"{self._where.label}, where this version's zip is kept in its owner's bucket, "
                "could not be read: access denied (s3:GetObject); inspect it with credentials "
                "that may read that object, or ask its owner for read access"
            )
        if code in _MISSING:
            return ContentsError(
                f"{self._where.label}, where this version's zip is kept in its owner's bucket, "
                "no longer exists: the layer version has lost its contents"
            )
        return ContentAccessError(f"reading {self._where.label} failed: {code}")


def bucket_versioning(s3: Any, bucket: str) -> str | None:
    """``Enabled``, ``Suspended``, ``""`` (never enabled) or None when S3 would not say."""
    try:
        answer = s3.get_bucket_versioning(Bucket=bucket)
    except (ClientError, BotoCoreError):
        return None
    return str(answer.get("Status") or "")


def reference_finding(where: ReferencedObject, versioning: str | None) -> Finding:
    """What keeping the zip in the owner's bucket means for the functions that use it."""
    lives = (
        f"kept in its owner's S3 bucket as {where.label} (S3ObjectStorageMode=REFERENCE): "
        "the version lives and dies with that object; deleting it breaks the layer"
    )
    if where.version_id:
        return Finding("info", "storage", f"{lives}, pinned to that object version", where.key)
    if versioning == "Enabled":
        tail = ("; the version names no object version, so overwriting the key changes the "
                "layer under every function that uses it")
    elif versioning is None:
        tail = ("; whether the bucket is versioned could not be read (GetBucketVersioning "
                "refused): if it is not, overwriting the object changes the layer under every "
                "function that uses it")
    else:
        tail = ("; the bucket is not versioned, so overwriting the object changes the layer "
                "under every function that uses it")
    return Finding("warning", "storage", lives + tail, where.key)


def size_drift_finding(where: ReferencedObject, code_size: int | None,
                       size: int | None) -> Finding | None:
    """The object no longer has the size the version was published with: it was replaced."""
    if code_size is None or size is None or code_size == size:
        return None
    return Finding(
        "warning", "storage",
        f"{where.label} is {size:,} bytes but the version was published with CodeSize "
        f"{code_size:,}: the object was overwritten after publishing, and this listing is of "
        "what the key holds now",
        where.key,
    )  # fmt: skip


S3ClientFactory = Callable[[], Any]

__all__ = [
    "ReferencedObject",
    "S3ClientFactory",
    "S3ObjectRanges",
    "bucket_versioning",
    "reference_finding",
    "size_drift_finding",
]
