"""What ``layer-tui backups`` and the restore dialog list: every backup folder, with its state.

A listing does not hash each zip (that waits for a restore, which re-checks everything), but it
runs every other check restore runs — the metadata is a GetLayerVersion answer naming this
folder's own account/region/layer/version, the policy is one a backup writes, restored.json
reads, layer.zip is the size the metadata says — so a forged or damaged folder is listed with
what is wrong with it instead of looking like any other backup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from layer_tui.aws.models import iso_utc
from layer_tui.aws.restore import BackupRefused, RestoreRecord, read_restores, verify_backup


@dataclass(frozen=True)
class BackupListing:
    """A backup as listed: ``problem`` is why restore would refuse it (None: it looks sound)."""

    folder: Path
    arn: str
    account: str
    region: str
    layer_name: str
    version: int
    backed_up_at: str
    code_size: int
    code_sha256: str
    restores: tuple[RestoreRecord, ...]
    problem: str | None = None

    @property
    def label(self) -> str:
        return f"{self.layer_name}:{self.version}"

    def to_json(self) -> dict[str, Any]:
        last = self.restores[-1] if self.restores else None
        return {
            "account": self.account, "region": self.region, "layer": self.layer_name,
            "version": self.version, "arn": self.arn, "folder": str(self.folder),
            "backed_up_at": self.backed_up_at, "code_size": self.code_size,
            "code_sha256": self.code_sha256,
            "restored_as": last.arn if last else None,
            "restored_at": last.restored_at if last else None,
            "restores": [r.to_json() for r in self.restores],
            "problem": self.problem,
        }


def _problem(folder: Path, account: str) -> str | None:
    try:
        verify_backup(folder, account, hashing=False)
    except BackupRefused as refused:
        return refused.why
    return None


def list_backup_folders(root: Path, account: str) -> list[BackupListing]:
    """Every backup folder of ``account``: layers by region and name, newest versions first.

    A folder whose metadata cannot be read is still listed, with its problem, unless it has no
    metadata.json at all.
    """
    listed = []
    for meta in (root / account).glob("*/*/*/metadata.json"):
        folder = meta.parent
        region, name, number = folder.parent.parent.name, folder.parent.name, folder.name
        try:
            data = json.loads(meta.read_text("utf-8"))
            content = data.get("Content") or {}
            arn, size, sha = str(data["LayerVersionArn"]), int(content["CodeSize"]), str(
                content["CodeSha256"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            arn, size, sha = "", 0, ""
        try:
            restores = read_restores(folder)
        except BackupRefused:
            restores = ()
        moment = datetime.fromtimestamp(meta.stat().st_mtime, UTC)
        listed.append(BackupListing(
            folder, arn, account, region, name, int(number) if number.isdigit() else 0,
            iso_utc(moment), size, sha, restores, _problem(folder, account)))
    listed.sort(key=lambda b: (b.region, b.layer_name, -b.version))
    return listed
