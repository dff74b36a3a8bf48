"""``inspect``: a layer version's metadata, its zip listing and the findings about both.

Only the zip's tail and central directory travel (plus the heads of members that may be
native code, coalesced into few bounded Range reads: ``member_heads``), so
inspecting a 250 MB layer costs kilobytes to a few megabytes. Failures to read the contents
become findings in the report rather than exceptions: the metadata-only checks (runtimes)
still have something to say about a version whose zip cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.checks import Finding, run_checks
from layer_tui.aws.contents import ContentAccessError, ContentsError, RemoteZip
from layer_tui.aws.member_heads import RangeHeads
from layer_tui.aws.s3_object import (
    ReferencedObject,
    S3ClientFactory,
    S3ObjectRanges,
    bucket_versioning,
    reference_finding,
    size_drift_finding,
)
from layer_tui.aws.zipformat import ZipEntry

#: AWS validates none of this client-side (botocore does not check patterns or maxima), and a
#: bad ARN should be a usage error (exit 2), not a round trip.
_LAYER_VERSION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:layer:[a-zA-Z0-9_-]{1,140}:\d+$"
)
_ARN_MAX = 140


class InvalidLayerVersionArn(ValueError):
    """The text given is not a layer version ARN."""


def validate_layer_version_arn(arn: str) -> str:
    if len(arn) > _ARN_MAX or not _LAYER_VERSION_ARN.match(arn):
        raise InvalidLayerVersionArn(
            f"not a layer version ARN: {arn!r} (expected "
            "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION, at most 140 characters)"
        )
    return arn


@dataclass(frozen=True)
class InspectReport:
    """What ``inspect`` learned about one layer version."""

    arn: str
    code_size: int | None
    bytes_fetched: int
    entries: tuple[ZipEntry, ...]
    findings: tuple[Finding, ...]
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    code_sha256: str | None = None
    #: False when the zip could not be listed (no URL, not a zip, truncated…); see findings.
    contents_read: bool = True
    #: Why the content URL itself could not be read (unreachable, refused, a host that
    #: redirects away or sends more than asked), already redacted: a failure to run, not a
    #: finding about the layer, so ``layer-tui inspect`` exits 1 on it.
    access_error: str | None = None

    @property
    def files(self) -> int:
        return sum(1 for e in self.entries if not e.is_dir)

    @property
    def uncompressed_size(self) -> int:
        return sum(e.size for e in self.entries if not e.is_dir)

    def to_json(self) -> dict[str, Any]:
        """Exactly PRODUCT.md's ``inspect --json`` shape."""
        return {
            "arn": self.arn,
            "code_size": self.code_size,
            "bytes_fetched": self.bytes_fetched,
            "files": self.files,
            "uncompressed_size": self.uncompressed_size,
            "entries": [e.to_json() for e in self.entries],
            "findings": [f.to_json() for f in self.findings],
        }


def inspect_layer_version(
    lambda_client: Any,
    arn: str,
    *,
    with_elf: bool = True,
    s3_client: S3ClientFactory | None = None,
) -> InspectReport:
    """List a layer version's zip over HTTP Range and run every check on it.

    ``GetLayerVersionByArn`` gives the metadata and a presigned URL valid 10 minutes; when the
    URL has expired by the time a read happens, the reader calls it again for a fresh one.
    A version kept in its owner's S3 bucket (``ResolvedS3Object``, maybe no URL) is read by
    Range GetObject through ``s3_client()`` (the session's s3 client for the layer's region,
    made only then), and a finding says what depending on that object means.
    AWS errors from the first call (access denied, not found) propagate: there is nothing to
    report without metadata.
    """
    validate_layer_version_arn(arn)
    metadata: dict[str, Any] = lambda_client.get_layer_version_by_arn(Arn=arn)
    content: dict[str, Any] = metadata.get("Content") or {}
    code_size = content.get("CodeSize")
    runtimes = tuple(metadata.get("CompatibleRuntimes") or ())
    architectures = tuple(metadata.get("CompatibleArchitectures") or ())
    base = InspectReport(
        arn=arn,
        code_size=code_size,
        bytes_fetched=0,
        entries=(),
        findings=(),
        compatible_runtimes=runtimes,
        compatible_architectures=architectures,
        code_sha256=content.get("CodeSha256"),
    )
    location = content.get("Location")
    referenced = ReferencedObject.from_content(content)
    if referenced is not None and s3_client is not None and not location:
        return _inspect_referenced(base, referenced, s3_client(), with_elf)
    if not location:
        findings = (_no_location_finding(content), *run_checks((), runtimes=runtimes))
        return replace(base, findings=findings, contents_read=False)

    first_url: list[str] = [location]

    def fresh_url() -> str:
        # The URL from the metadata call is used first; every later call is a refresh.
        if first_url:
            return first_url.pop()
        try:
            refreshed: dict[str, Any] = lambda_client.get_layer_version_by_arn(Arn=arn)
        except (BotoCoreError, ClientError) as exc:
            raise ContentAccessError(f"could not get a fresh content URL: {exc}") from exc
        url = (refreshed.get("Content") or {}).get("Location")
        if not url:
            raise ContentsError("GetLayerVersionByArn no longer returns a content URL")
        return str(url)

    with RemoteZip(fresh_url, size=code_size) as archive:
        report = _list_and_check(base, archive, with_elf)
    if referenced is not None:
        # Lambda gave a URL after all (no s3 permission needed to list): still say where the
        # zip lives and what that means.
        versioning = bucket_versioning(s3_client(), referenced.bucket) if s3_client else None
        stored = reference_finding(referenced, versioning)
        report = replace(report, findings=_worst_first((stored, *report.findings)))
    return report


def _inspect_referenced(
    base: InspectReport, where: ReferencedObject, s3: Any, with_elf: bool
) -> InspectReport:
    """A version whose zip is the owner's S3 object: Range GetObject, then what that means."""
    stored = reference_finding(where, bucket_versioning(s3, where.bucket))
    with RemoteZip(source=S3ObjectRanges(s3, where)) as archive:
        listed = _list_and_check(base, archive, with_elf)
        drift = size_drift_finding(where, base.code_size, archive.size)
    extra = (stored,) if drift is None or not listed.contents_read else (stored, drift)
    return replace(listed, findings=_worst_first((*extra, *listed.findings)))


def _list_and_check(base: InspectReport, archive: RemoteZip, with_elf: bool) -> InspectReport:
    runtimes = base.compatible_runtimes
    try:
        entries = archive.entries()
    except ContentsError as exc:
        findings = (
            Finding("error", "contents", f"could not list the zip: {exc}"),
            *run_checks((), runtimes=runtimes),
        )
        access_error = str(exc) if isinstance(exc, ContentAccessError) else None
        return replace(
            base, bytes_fetched=archive.bytes_fetched, findings=findings,
            contents_read=False, access_error=access_error,
        )  # fmt: skip
    findings = run_checks(
        entries,
        runtimes=runtimes,
        architectures=base.compatible_architectures,
        read_heads=RangeHeads(archive.read_range, archive.size) if with_elf else None,
    )
    if archive.downloaded_whole:
        findings += (
            Finding("info", "contents",
                    "the content server ignored Range requests, so the whole archive "
                    f"({archive.bytes_fetched:,} bytes) was downloaded to list it"),
        )
    return replace(base, bytes_fetched=archive.bytes_fetched, entries=entries, findings=findings)


def _worst_first(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order[f.level]))


def _no_location_finding(content: dict[str, Any]) -> Finding:
    resolved = content.get("ResolvedS3Object") or content.get("S3Object")
    where = ""
    if isinstance(resolved, dict) and resolved.get("S3Bucket"):
        where = f" (s3://{resolved['S3Bucket']}/{resolved.get('S3Key', '')})"
    return Finding(
        "warning",
        "contents",
        "Lambda returned no download URL for this version: its zip is kept in the owner's "
        f"own S3 bucket{where}, so its contents were not read",
    )


# -- diff ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryChange:
    """A path present in both versions whose content differs (by CRC-32 or size)."""

    path: str
    old: ZipEntry
    new: ZipEntry

    @property
    def size_delta(self) -> int:
        return self.new.size - self.old.size


@dataclass(frozen=True)
class EntryDiff:
    """Files added, removed and changed between two listings (directories ignored)."""

    added: tuple[ZipEntry, ...]
    removed: tuple[ZipEntry, ...]
    changed: tuple[EntryChange, ...]

    @property
    def size_delta(self) -> int:
        """Change in total unzipped size from old to new."""
        return (
            sum(e.size for e in self.added)
            - sum(e.size for e in self.removed)
            + sum(c.size_delta for c in self.changed)
        )

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_entries(old: Iterable[ZipEntry], new: Iterable[ZipEntry]) -> EntryDiff:
    """Compare two versions' listings path by path, each result sorted by path."""
    before = {e.path: e for e in old if not e.is_dir}
    after = {e.path: e for e in new if not e.is_dir}
    added = tuple(after[p] for p in sorted(after.keys() - before.keys()))
    removed = tuple(before[p] for p in sorted(before.keys() - after.keys()))
    changed = tuple(
        EntryChange(p, before[p], after[p])
        for p in sorted(before.keys() & after.keys())
        if (before[p].crc32, before[p].size) != (after[p].crc32, after[p].size)
    )
    return EntryDiff(added, removed, changed)


__all__ = [
    "EntryChange",
    "EntryDiff",
    "InspectReport",
    "InvalidLayerVersionArn",
    "diff_entries",
    "inspect_layer_version",
    "validate_layer_version_arn",
]
