"""Backups of layer versions before they are deleted: the zip, its metadata and its policy.

``backups/<account>/<region>/<layer>/<version>/`` holds ``layer.zip``, ``metadata.json``
(GetLayerVersion output) and ``policy.json``. A backup counts only once the zip's size equals
CodeSize and its SHA-256 equals CodeSha256; the caller deletes nothing before that. A backup
holds another account's code and settings: its folders are 0700 and its files 0600.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.content_url import (
    ContentAccessError,
    ContentsError,
    announced_length,
    discard_body,
    finish,
    open_content,
    read_at_most,
)
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.paths import PRIVATE_FILE, private_folder

# Redirects are open_content's to judge (same host only), never urllib3's.
_http = urllib3.PoolManager(
    timeout=urllib3.Timeout(connect=5, read=60), retries=urllib3.Retry(total=2, redirect=False)
)


def write_private(path: Path, text: str) -> None:
    """Write ``path`` whole and 0600: a temporary file renamed over it, never a torn one."""
    partial = path.with_name(path.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), PRIVATE_FILE)  # a leftover .part keeps its old mode
            out.write(text)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


@dataclass(frozen=True)
class BackupRecord:
    """A verified backup of one layer version."""

    folder: Path
    arn: str
    code_size: int
    code_sha256: str

    @property
    def zip_path(self) -> Path:
        return self.folder / "layer.zip"

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / "metadata.json").read_text("utf-8"))
        return data


def backup_folder(root: Path, account: str, arn: str) -> Path:
    parts = arn.split(":")
    region, name, version = parts[3], parts[6], parts[7]
    return root / account / region / name / version


def _download(url: str, target: Path, code_size: object) -> tuple[int, str]:
    """Stream ``url`` into ``target``; returns (bytes, base64 SHA-256). Raises on HTTP errors.

    CodeSize bounds it: a body announced longer is refused unread, bytes past CodeSize are
    never read (the SHA-256 check then tells whether what came is the object), and without a
    CodeSize nothing is downloaded. A redirect to another host is refused (``open_content``).
    """
    if not isinstance(code_size, int):
        raise ContentAccessError("AWS gave no CodeSize, so the download could not be bounded")
    digest = hashlib.sha256()
    size = 0

    def uncounted(_: int) -> None:
        pass

    response = open_content(_http, url, {"Accept-Encoding": "identity"}, uncounted)
    try:
        if response.status != 200:
            discard_body(response, uncounted)
            raise _HttpStatus(response.status)
        announced = announced_length(response)
        if announced is not None and announced > code_size:
            raise ContentAccessError(
                f"the content host sent more than asked: {announced:,} bytes where CodeSize "
                f"is {code_size:,}; refused"
            )
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), PRIVATE_FILE)
            for chunk in read_at_most(response, code_size, uncounted):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    finally:
        finish(response)
    return size, base64.b64encode(digest.digest()).decode()


class _HttpStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _get_version(client: Any, arn: str) -> dict[str, Any]:
    try:
        response: dict[str, Any] = client.get_layer_version_by_arn(Arn=arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise AwsError(
                "AlreadyDeleted",
                f"{arn} no longer exists (deleted meanwhile?); nothing to do — refresh with r",
            ) from exc
        raise describe(exc, f"reading {arn}") from exc
    except BotoCoreError as exc:
        raise describe(exc, f"reading {arn}") from exc
    response.pop("ResponseMetadata", None)
    return response


def _policy(client: Any, name: str, version: int) -> dict[str, Any]:
    try:
        response: dict[str, Any] = client.get_layer_version_policy(
            LayerName=name, VersionNumber=version
        )
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {"Policy": None}  # a version nobody was granted access to has no policy
        raise describe(exc, f"reading the policy of {name}:{version}") from exc
    response.pop("ResponseMetadata", None)
    return response


def backup_layer_version(client: Any, account: str, arn: str, *, root: Path) -> BackupRecord:
    """Download and verify one version; raise AwsError (and keep no partial zip) on failure."""
    folder = backup_folder(root, account, arn)
    name, version = arn.split(":")[6], int(arn.split(":")[7])
    metadata = _get_version(client, arn)
    content = metadata.get("Content") or {}
    expected_size, expected_sha = content.get("CodeSize"), content.get("CodeSha256")
    private_folder(root, folder)
    partial = folder / "layer.zip.part"
    for attempt in range(2):
        url = content.get("Location")
        if not url:
            raise AwsError(
                "NoContentLocation",
                f"backup of {arn} failed: AWS gave no download URL (the layer is kept in the "
                "owner's own bucket); nothing was deleted",
            )
        try:
            size, sha = _download(url, partial, expected_size)
            break
        except _HttpStatus as exc:
            # A presigned URL lives 10 minutes; on 403 ask once more for a fresh one.
            if exc.status == 403 and attempt == 0:
                content = _get_version(client, arn).get("Content") or {}
                continue
            partial.unlink(missing_ok=True)
            raise AwsError(
                "BackupFailed",
                f"backup of {arn} failed: download answered HTTP {exc.status}; nothing deleted",
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError, ContentsError) as exc:
            partial.unlink(missing_ok=True)
            raise AwsError(
                "BackupFailed", f"backup of {arn} failed: {exc}; nothing was deleted"
            ) from exc
    if size != expected_size or sha != expected_sha:
        partial.unlink(missing_ok=True)
        raise AwsError(
            "BackupMismatch",
            f"backup of {arn} does not match AWS (got {size} bytes, sha256 {sha}; expected "
            f"{expected_size} bytes, {expected_sha}); nothing was deleted",
        )
    os.replace(partial, folder / "layer.zip")
    metadata.setdefault("Content", {}).pop("Location", None)  # expires anyway; never reuse it
    write_private(folder / "metadata.json", json.dumps(metadata, indent=2, default=str))
    policy = _policy(client, name, version)
    write_private(folder / "policy.json", json.dumps(policy, indent=2, default=str))
    return BackupRecord(folder, arn, int(size), sha)


def list_backups(root: Path, account: str) -> list[BackupRecord]:
    """Every complete backup of ``account``, newest layer versions first."""
    records: list[BackupRecord] = []
    found = list((root / account).glob("*/*/*/metadata.json"))

    def newest_first(meta: Path) -> tuple[str, str, int]:
        version = meta.parent.name
        return (meta.parent.parent.parent.name, meta.parent.parent.name,
                -int(version) if version.isdigit() else 0)

    for meta in sorted(found, key=newest_first):
        try:
            data = json.loads(meta.read_text("utf-8"))
            zip_path = meta.parent / "layer.zip"
            if not zip_path.is_file():
                continue
            records.append(
                BackupRecord(
                    meta.parent,
                    str(data["LayerVersionArn"]),
                    int(data["Content"]["CodeSize"]),
                    str(data["Content"]["CodeSha256"]),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return records
