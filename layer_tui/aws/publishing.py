"""Publishing layer versions: validate everything before any call, package deterministically.

A directory is zipped with sorted entries, fixed timestamps and normalised permissions, so the
same tree always gives the same CodeSha256. Archives over the direct-upload limit go through
an S3 bucket in the same region; the uploaded object is removed afterwards, and on cancel.
Such a publish is a journal batch of its own whose opening line names the carrier object and
the upload's CodeSha256, so that a crash anywhere in it is settled at the next start
(``publish_recovery``).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from layer_tui.aws.errors import AwsError, describe
from layer_tui.aws.operations import Cancelled, LayerOperations
from layer_tui.aws.publish_recovery import code_sha256, latest_version

LAYER_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,140}$")
MAX_ARN_LENGTH = 140
MAX_RUNTIMES = 15
ARCHITECTURES = ("x86_64", "arm64")
MAX_DESCRIPTION = 256
MAX_LICENSE = 512
#: Function + all its layers, unzipped (AWS's 250 MB quota).
UNZIPPED_BUDGET = 262_144_000
#: PublishLayerVersion's request is capped near 70 MB of base64, i.e. about 50 MB of zip.
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class InvalidInput(ValueError):
    """Bad input: one line saying what, why and what to do. Nothing was created."""


def known_runtimes() -> tuple[str, ...]:
    """Runtime identifiers from botocore's own Lambda model, so the list follows the SDK."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    enum: list[str] = getattr(model.shape_for("Runtime"), "enum", [])
    return tuple(enum)


@dataclass(frozen=True)
class PublishRequest:
    layer_name: str
    source: Path
    region: str
    description: str = ""
    license: str = ""
    runtimes: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()
    s3_bucket: str | None = None


@dataclass(frozen=True)
class PreparedArchive:
    """The zip that would be published, measured before anything is sent."""

    path: Path
    zipped: int
    unzipped: int
    files: int
    temporary: bool

    @property
    def needs_s3(self) -> bool:
        return self.zipped > DIRECT_UPLOAD_LIMIT

    def discard(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def validate_layer_name(name: str, *, account: str = "123456789012", region: str = "") -> None:
    if not name:
        raise InvalidInput("the layer name is empty; use letters, digits, '-' or '_'")
    if not LAYER_NAME.match(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "-_"))})
        if bad:
            raise InvalidInput(
                f"layer name {name!r} has characters AWS refuses ({''.join(bad)!r}); "
                "use only letters, digits, '-' and '_'"
            )
        raise InvalidInput(f"layer name is {len(name)} characters; AWS allows at most 140")
    arn = f"arn:aws:lambda:{region or 'us-east-1'}:{account}:layer:{name}:99999"
    if len(arn) > MAX_ARN_LENGTH:
        raise InvalidInput(
            f"layer name {name[:20]}… is too long: its version ARN would pass AWS's "
            f"{MAX_ARN_LENGTH}-character limit; shorten it"
        )


def validate_request(request: PublishRequest, account: str) -> None:
    validate_layer_name(request.layer_name, account=account, region=request.region)
    if len(request.runtimes) > MAX_RUNTIMES:
        raise InvalidInput(
            f"{len(request.runtimes)} compatible runtimes given; AWS allows at most {MAX_RUNTIMES}"
        )
    known = set(known_runtimes())
    unknown = [r for r in request.runtimes if r not in known]
    if unknown:
        raise InvalidInput(
            f"unknown runtime {unknown[0]!r}; pick from the list (e.g. python3.12, nodejs20.x)"
        )
    if len(request.architectures) > len(ARCHITECTURES) or any(
        a not in ARCHITECTURES for a in request.architectures
    ):
        raise InvalidInput(
            f"unknown architecture in {list(request.architectures)}; use x86_64 and/or arm64"
        )
    if len(request.description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"description is {len(request.description)} characters; "
            f"AWS allows {MAX_DESCRIPTION}"
        )
    if len(request.license) > MAX_LICENSE:
        raise InvalidInput(
            f"license is {len(request.license)} characters; AWS allows {MAX_LICENSE}"
        )


def _inner_link(folder: Path, path: Path) -> str:
    """What a symlink in the folder is stored as: the relative path to its target.

    Links are kept as links (Lambda unpacks them, as `zip -y` stores them): shared libraries
    lean on them. The text is made relative to the link's own folder, so a link written as an
    absolute path into the folder still works under /opt; one that leaves the folder, leads
    nowhere or loops is refused, since it would dangle in the layer.
    """
    root = folder.resolve()
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise InvalidInput(f"{path} links to {os.readlink(path)}, which does not exist; fix "
                           "or remove the link") from None
    except (RuntimeError, OSError):
        raise InvalidInput(f"{path} is a symlink loop; remove the link") from None
    if not target.is_relative_to(root):
        raise InvalidInput(f"{path} links to {target}, outside {folder}; it would dangle in "
                           "the layer: copy the target in or remove the link")
    return os.path.relpath(target, path.parent.resolve())


def _zip_directory(folder: Path) -> Path:
    files = sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    if not files:
        raise InvalidInput(f"{folder} holds no files; a layer needs at least one")
    handle, name = tempfile.mkstemp(prefix="layer-tui-", suffix=".zip")
    os.close(handle)
    target = Path(name)
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in files:
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), _FIXED_TIME)
                if path.is_symlink():
                    info.external_attr = (0o777 | stat.S_IFLNK) << 16
                    archive.writestr(info, _inner_link(folder, path))
                    continue
                executable = path.stat().st_mode & stat.S_IXUSR
                info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise InvalidInput(
            f"cannot read {exc.filename}: {exc.strerror}; check permissions"
        ) from exc
    except BaseException:
        target.unlink(missing_ok=True)  # never leave a half-written zip behind
        raise
    return target


def prepare_archive(source: Path) -> PreparedArchive:
    """Zip a directory (or take a .zip) and measure it; InvalidInput if it cannot be a layer."""
    if not source.exists():
        raise InvalidInput(f"{source} does not exist; give a directory or a .zip file")
    if source.is_dir():
        if not os.access(source, os.R_OK | os.X_OK):
            raise InvalidInput(f"{source} is not readable; check its permissions")
        path, temporary = _zip_directory(source), True
    else:
        if not os.access(source, os.R_OK):
            raise InvalidInput(f"{source} is not readable; check its permissions")
        if source.stat().st_size == 0:
            raise InvalidInput(f"{source} is empty; give a directory or a non-empty .zip")
        if not zipfile.is_zipfile(source):
            raise InvalidInput(f"{source} is not a zip file; give a directory or a .zip")
        path, temporary = source, False
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{source} cannot be read as a zip ({exc})") from exc
    prepared = PreparedArchive(
        path=path,
        zipped=path.stat().st_size,
        unzipped=sum(i.file_size for i in infos),
        files=sum(1 for i in infos if not i.is_dir()),
        temporary=temporary,
    )
    if prepared.files == 0:
        prepared.discard()
        raise InvalidInput(f"{source} holds no files; a layer needs at least one")
    if prepared.unzipped > UNZIPPED_BUDGET:
        prepared.discard()
        raise InvalidInput(
            f"{source} unzips to {prepared.unzipped:,} bytes, over Lambda's 262,144,000-byte "
            "limit for a function and all its layers; split or slim it"
        )
    return prepared


def check_bucket(client_s3: Any, bucket: str | None, region: str) -> str:
    if not bucket:
        raise InvalidInput(
            "the archive is over 50 MB zipped: give an S3 bucket in "
            f"{region} to upload it through"
        )
    try:
        location = client_s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except ClientError as exc:
        raise InvalidInput(f"S3 bucket {bucket!r} cannot be used: {describe(exc)}") from exc
    actual = location or "us-east-1"
    if actual != region:
        raise InvalidInput(
            f"S3 bucket {bucket!r} is in {actual}, not {region}; Lambda reads layer code only "
            "from a bucket in the layer's region"
        )
    return bucket


def publish_layer_version(
    ops: LayerOperations,
    request: PublishRequest,
    prepared: PreparedArchive,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    batch: str | None = None,
) -> dict[str, Any]:
    """Publish ``prepared`` as a new version; the result is AWS's PublishLayerVersion output."""
    ops.check_writable()
    validate_request(request, ops.session.account_id())
    lam = ops.session.client("lambda", request.region)
    params: dict[str, Any] = {"LayerName": request.layer_name}
    if request.description:
        params["Description"] = request.description
    if request.license:
        params["LicenseInfo"] = request.license
    if request.runtimes:
        params["CompatibleRuntimes"] = list(request.runtimes)
    if request.architectures:
        params["CompatibleArchitectures"] = list(request.architectures)
    journal_args = {**params, "ZipBytes": prepared.zipped, "Unzipped": prepared.unzipped}
    if not prepared.needs_s3:
        content = {"ZipFile": prepared.path.read_bytes()}
        return ops.mutate(
            request.region, "PublishLayerVersion", journal_args,
            lambda: lam.publish_layer_version(Content=content, **params), batch=batch,
            describe_as=f"publishing {request.layer_name}",
        )
    s3 = ops.session.client("s3", request.region)
    bucket = check_bucket(s3, request.s3_bucket, request.region)
    key = f"layer-tui/{request.layer_name}/{prepared.path.stat().st_mtime_ns}.zip"
    sha = code_sha256(prepared.path)
    carrier = {"Bucket": bucket, "Key": key, "LayerName": request.layer_name,
               "CodeSha256": sha, "CodeSize": prepared.zipped}
    marker = None
    if batch is None:
        # Its own batch, opened before the upload: a crash anywhere until the carrier is gone
        # leaves a record of the object and of the digest to look the version up by.
        batch = f"publish-{uuid.uuid4().hex[:12]}"
        marker = ops.begin_batch(
            "publish", batch, request.region, [f"s3://{bucket}/{key}"],
            extra={"layer": request.layer_name, "bucket": bucket, "key": key, "sha": sha,
                   "size": prepared.zipped,
                   "after_version": latest_version(lam, request.layer_name)})
    sent = 0

    def on_bytes(count: int) -> None:
        nonlocal sent
        sent += count
        if progress:
            progress(sent, prepared.zipped)
        if cancelled():
            raise Cancelled("upload cancelled")

    published: dict[str, Any] | None = None
    try:
        ops.mutate(request.region, "PutObject", carrier,
                   lambda: s3.upload_file(str(prepared.path), bucket, key, Callback=on_bytes),
                   batch=batch, describe_as=f"uploading to s3://{bucket}")
        if cancelled():
            raise Cancelled("publish cancelled after the upload")
        published = ops.mutate(
            request.region, "PublishLayerVersion", {**journal_args, "S3Bucket": bucket,
                                                    "S3Key": key, "CodeSha256": sha},
            lambda: lam.publish_layer_version(
                Content={"S3Bucket": bucket, "S3Key": key}, **params),
            batch=batch, describe_as=f"publishing {request.layer_name}",
        )
        return published
    finally:
        # The object only carried the bytes to Lambda; never leave it behind, cancelled or not.
        # A failure here is journaled; the user's bucket lifecycle is theirs to keep.
        with contextlib.suppress(AwsError):
            ops.mutate(request.region, "DeleteObject", carrier,
                       lambda: s3.delete_object(Bucket=bucket, Key=key), batch=batch)
        if marker is not None:
            ops.end_batch(marker, published=int(published is not None))


def restore_request(metadata: dict[str, Any], zip_path: Path) -> PublishRequest:
    """A publish request that brings a backed-up version back (under a new version number)."""
    arn = str(metadata["LayerVersionArn"])
    return PublishRequest(
        layer_name=arn.split(":")[6],
        source=zip_path,
        region=arn.split(":")[3],
        description=str(metadata.get("Description") or ""),
        license=str(metadata.get("LicenseInfo") or ""),
        runtimes=tuple(metadata.get("CompatibleRuntimes") or ()),
        architectures=tuple(metadata.get("CompatibleArchitectures") or ()),
    )

