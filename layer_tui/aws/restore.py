"""Restoring a backed-up layer version: verified first, published as a marked copy, recorded.

A backup folder is only files on disk, and anyone who can write there can swap ``layer.zip``
or edit ``metadata.json``. So before anything is published the zip must hash to the
metadata's CodeSize/CodeSha256, the metadata's LayerVersionArn must name the folder's own
``<account>/<region>/<layer>/<version>`` and the session's account, and ``policy.json`` must
be what a backup writes. What is published is a private copy of the zip hashed while it was
copied, so a swap after the check cannot slip in. The copy's description says it is a copy
(``restored from geo:3``), and ``restored.json`` in the folder records every restore, so a
second restore of the same backup is a decision, not an accident.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.backups import write_private
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.models import iso_utc, restored_description
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.publishing import PublishRequest, prepare_archive, publish_layer_version

RESTORED_FILE = "restored.json"
_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12})"
    r":layer:(?P<name>[a-zA-Z0-9_-]{1,140}):(?P<version>[0-9]+)$"
)
_CHUNK = 1 << 20


class BackupRefused(AwsError):
    """The backup is not what a backup of this place writes: bad input, nothing published."""

    def __init__(self, folder: Path, why: str, fix: str) -> None:
        self.why = why
        super().__init__(
            "BackupRefused",
            f"refusing to restore {folder}: {why}; nothing was published — {fix}",
        )


@dataclass(frozen=True)
class RestoreRecord:
    """One line of ``restored.json``: when a backup was published again, as what, by whom."""

    restored_at: str
    arn: str
    account: str
    profile: str = ""

    @property
    def label(self) -> str:
        parts = self.arn.split(":")
        return f"{parts[6]}:{parts[7]}" if len(parts) == 8 else self.arn

    def to_json(self) -> dict[str, str]:
        return {"restored_at": self.restored_at, "arn": self.arn, "account": self.account,
                "profile": self.profile}


class AlreadyRestored(AwsError):
    """The backup was restored before; restoring again must be asked for (``again=True``)."""

    def __init__(self, label: str, previous: tuple[RestoreRecord, ...]) -> None:
        last = previous[-1]
        when = f" on {last.restored_at}" if last.restored_at else ""
        who = f" by account {last.account}" if last.account else ""
        super().__init__(
            "AlreadyRestored",
            f"{label} was already restored as {last.label}{when}{who}; nothing was published "
            "— to publish one more copy, restore it again with --again",
        )
        self.label = label
        self.previous = previous


@dataclass(frozen=True)
class VerifiedBackup:
    """A backup folder whose files passed every check, and what they say."""

    folder: Path
    arn: str
    account: str
    region: str
    layer_name: str
    version: int
    code_size: int
    code_sha256: str
    metadata: dict[str, Any]
    restores: tuple[RestoreRecord, ...]

    @property
    def label(self) -> str:
        return f"{self.layer_name}:{self.version}"

    @property
    def zip_path(self) -> Path:
        return self.folder / "layer.zip"


@dataclass(frozen=True)
class RestoreResult:
    source: VerifiedBackup
    arn: str
    response: dict[str, Any]

    @property
    def label(self) -> str:
        parts = self.arn.split(":")
        return f"{parts[6]}:{parts[7]}"


def _read_json(folder: Path, name: str, fix: str) -> Any:
    path = folder / name
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise BackupRefused(folder, f"it has no {name} (not a complete backup)", fix) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupRefused(folder, f"{name} cannot be read ({exc})",
                            "check the folder's permissions") from exc
    except ValueError as exc:
        raise BackupRefused(folder, f"{name} is not valid JSON ({exc})", fix) from exc


def _hash_zip(folder: Path, copy_to: Path | None) -> tuple[int, str]:
    """Size and base64 SHA-256 of ``layer.zip`` (AWS's CodeSha256 form), copying it meanwhile."""
    digest = hashlib.sha256()
    size = 0
    try:
        with (folder / "layer.zip").open("rb") as source:
            out = copy_to.open("wb") if copy_to else None
            try:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    if out:
                        out.write(chunk)
            finally:
                if out:
                    out.close()
    except FileNotFoundError:
        raise BackupRefused(folder, "it has no layer.zip (not a complete backup)",
                            "restore another backup") from None
    except OSError as exc:
        raise BackupRefused(folder, f"layer.zip cannot be read ({exc})",
                            "check the folder's permissions") from exc
    return size, base64.b64encode(digest.digest()).decode()


def _zip_size(folder: Path) -> int:
    try:
        return (folder / "layer.zip").stat().st_size
    except FileNotFoundError:
        raise BackupRefused(folder, "it has no layer.zip (not a complete backup)",
                            "restore another backup") from None
    except OSError as exc:
        raise BackupRefused(folder, f"layer.zip cannot be read ({exc})",
                            "check the folder's permissions") from exc


def read_restores(folder: Path) -> tuple[RestoreRecord, ...]:
    """What ``restored.json`` records; BackupRefused if it is there but not ours to read."""
    if not (folder / RESTORED_FILE).exists():
        return ()
    fix = f"check {RESTORED_FILE} (it records earlier restores) and fix or remove it"
    data = _read_json(folder, RESTORED_FILE, fix)
    entries = data.get("restores") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("arn"), str) for e in entries
    ):
        raise BackupRefused(folder, f"{RESTORED_FILE} is not a list of restores", fix)
    return tuple(
        RestoreRecord(str(e.get("restored_at") or ""), e["arn"], str(e.get("account") or ""),
                      str(e.get("profile") or ""))
        for e in entries
    )


def _check_policy(folder: Path) -> None:
    fix = "restore from an untouched copy of the backup"
    policy = _read_json(folder, "policy.json", fix)
    statements = policy.get("Policy", ...) if isinstance(policy, dict) else ...
    if statements is None:
        return  # a version nobody was granted access to has no policy
    if not isinstance(statements, str):
        raise BackupRefused(folder, "policy.json is not a GetLayerVersionPolicy answer", fix)
    try:
        document = json.loads(statements)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise BackupRefused(folder, "policy.json holds a policy that is not a JSON object", fix)


def verify_backup(
    folder: Path, account: str, *, copy_to: Path | None = None, hashing: bool = True
) -> VerifiedBackup:
    """Every check a backup must pass before it is published; BackupRefused says which failed.

    ``account`` is the session's. With ``copy_to`` the zip is copied there while it is hashed,
    so what passed the check is exactly what gets published. Without ``hashing`` (a listing)
    the zip is only measured: a swapped zip of the same size passes here and fails restore.
    """
    fix = "restore from an untouched copy of the backup"
    if not folder.is_dir():
        raise BackupRefused(folder, "it is not a folder",
                            "give a backup folder (list them with 'layer-tui backups')")
    metadata = _read_json(folder, "metadata.json", fix)
    content = metadata.get("Content") if isinstance(metadata, dict) else None
    arn = metadata.get("LayerVersionArn") if isinstance(metadata, dict) else None
    size = content.get("CodeSize") if isinstance(content, dict) else None
    sha = content.get("CodeSha256") if isinstance(content, dict) else None
    parsed = _ARN.match(arn) if isinstance(arn, str) else None
    if parsed is None or not isinstance(size, int) or not isinstance(sha, str):
        raise BackupRefused(
            folder, "metadata.json lacks a LayerVersionArn, Content.CodeSize or "
            "Content.CodeSha256 (it is not a GetLayerVersion answer)", fix)
    assert isinstance(arn, str)
    place = folder.absolute().parts[-4:]
    named = (parsed["account"], parsed["region"], parsed["name"], parsed["version"])
    if tuple(place) != named:
        raise BackupRefused(
            folder, f"metadata.json describes {arn}, but the folder is the backup of "
            f"{'/'.join(place)} (account/region/layer/version)", fix)
    if isinstance(metadata.get("Version"), int) and metadata["Version"] != int(named[3]):
        raise BackupRefused(folder, f"metadata.json says Version {metadata['Version']} but "
                            f"its LayerVersionArn is {arn}", fix)
    if parsed["account"] != account:
        raise BackupRefused(
            folder, f"it is a backup of account {parsed['account']} and this session is "
            f"account {account}", "restore it with that account's profile")
    _check_policy(folder)
    restores = read_restores(folder)
    got_size, got_sha = _hash_zip(folder, copy_to) if hashing else (_zip_size(folder), sha)
    if (got_size, got_sha) != (size, sha):
        raise BackupRefused(
            folder, f"layer.zip is {got_size} bytes with SHA-256 {got_sha}, but metadata.json "
            f"says {size} bytes with {sha}: the zip is not the one backed up", fix)
    return VerifiedBackup(folder, arn, parsed["account"], parsed["region"], parsed["name"],
                          int(parsed["version"]), size, sha, metadata, restores)


def _copies_on_aws(ops: LayerOperations, backup: VerifiedBackup) -> tuple[RestoreRecord, ...]:
    """Versions of the layer whose description marks them as copies of this backup.

    ``restored.json`` lives on one machine; AWS is where a restore made elsewhere shows.
    """
    lam = ops.session.client("lambda", backup.region)
    found = []
    try:
        for page in lam.get_paginator("list_layer_versions").paginate(
            LayerName=backup.layer_name
        ):
            for item in page.get("LayerVersions") or ():
                marked = restored_description("", backup.layer_name, backup.version)
                description = str(item.get("Description") or "")
                if description == marked or description.startswith(marked + "; "):
                    found.append(RestoreRecord(str(item.get("CreatedDate") or ""),
                                               str(item["LayerVersionArn"]), backup.account))
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise describe(exc, f"listing the versions of {backup.layer_name}") from exc
    except BotoCoreError as exc:
        raise describe(exc, f"listing the versions of {backup.layer_name}") from exc
    return tuple(sorted(found, key=lambda r: int(r.arn.rsplit(":", 1)[1])))


def previous_restores(ops: LayerOperations, backup: VerifiedBackup) -> tuple[RestoreRecord, ...]:
    """Every earlier restore of ``backup``: recorded in its folder, or marked on AWS."""
    recorded = {r.arn: r for r in backup.restores}
    for record in _copies_on_aws(ops, backup):
        recorded.setdefault(record.arn, record)
    return tuple(recorded.values())


def restore_backup(
    ops: LayerOperations, folder: Path, *, again: bool = False
) -> RestoreResult:
    """Verify ``folder`` and publish its zip as a new, marked version; record the restore.

    Raises BackupRefused (nothing published) for a backup that fails a check, AlreadyRestored
    unless ``again`` for one restored before, ReadOnlyError in read-only.
    """
    ops.check_writable()
    account = ops.session.account_id()
    with tempfile.TemporaryDirectory(prefix="layer-tui-restore-") as private:  # 0700
        copy = Path(private) / "layer.zip"
        backup = verify_backup(folder, account, copy_to=copy)
        previous = previous_restores(ops, backup)
        if previous and not again:
            raise AlreadyRestored(backup.label, previous)
        if not os.access(folder, os.W_OK | os.X_OK):
            # A restore nobody can see later is the one that gets repeated by accident.
            raise BackupRefused(folder, f"the restore could not be recorded in it "
                                f"({RESTORED_FILE})", "make the folder writable")
        metadata = backup.metadata
        request = PublishRequest(
            layer_name=backup.layer_name,
            source=copy,
            region=backup.region,
            description=restored_description(
                str(metadata.get("Description") or ""), backup.layer_name, backup.version
            ),
            license=str(metadata.get("LicenseInfo") or ""),
            runtimes=tuple(metadata.get("CompatibleRuntimes") or ()),
            architectures=tuple(metadata.get("CompatibleArchitectures") or ()),
        )
        prepared = replace(prepare_archive(copy), temporary=True)
        try:
            response = publish_layer_version(ops, request, prepared)
        finally:
            prepared.discard()
    arn = str(response["LayerVersionArn"])
    record = RestoreRecord(iso_utc(datetime.now(UTC)), arn, account, ops.session.profile_label)
    restores = [r.to_json() for r in (*backup.restores, record)]
    try:
        write_private(folder / RESTORED_FILE, json.dumps({"restores": restores}, indent=2))
    except OSError as exc:
        raise AwsError("RestoreNotRecorded", f"restored {backup.label} as {arn}, but "
                       f"{RESTORED_FILE} could not be written ({exc}); a later restore will "
                       "still find the copy on AWS by its description") from exc
    return RestoreResult(backup, arn, response)
