"""What the publish dialog computes off the form: where it lands, the checks on a local zip,
and the AddLayerVersionPermission arguments that recreate a previous version's grants."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.content import Content

from layer_tui.aws.checks import run_checks
from layer_tui.aws.findings import Finding
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.zipformat import ZipEntry
from layer_tui.safe_text import visible_line


def local_entries(path: Path) -> list[ZipEntry]:
    """The central directory of a local zip as the checks expect it."""
    with zipfile.ZipFile(path) as archive:
        return [
            ZipEntry(
                path=info.filename, size=info.file_size, compressed_size=info.compress_size,
                crc32=info.CRC, method=info.compress_type, modified=datetime(*info.date_time),
                is_dir=info.is_dir(), header_offset=info.header_offset, flags=info.flag_bits,
                external_attr=info.external_attr,
                mode=(info.external_attr >> 16) or None if info.create_system == 3 else None,
            )
            for info in archive.infolist()
        ]


def preview_findings(path: Path, runtimes: tuple[str, ...],
                     architectures: tuple[str, ...]) -> tuple[Finding, ...]:
    with zipfile.ZipFile(path) as archive:
        def read_head(entry: ZipEntry, count: int) -> bytes:
            with archive.open(entry.path) as member:
                return member.read(count)

        return run_checks(local_entries(path), runtimes=runtimes,
                          architectures=architectures, read_head=read_head)


def permission_args(statement: dict[str, Any]) -> dict[str, str]:
    """AddLayerVersionPermission arguments that recreate one policy statement."""
    principal = statement.get("Principal", "*")
    if isinstance(principal, dict):
        principal = principal.get("AWS", "*")
    if isinstance(principal, str) and principal.startswith("arn:"):
        principal = principal.split(":")[4]  # arn:aws:iam::123456789012:root → the account
    args = {"StatementId": str(statement.get("Sid", "copied")),
            "Action": "lambda:GetLayerVersion", "Principal": str(principal)}
    org = ((statement.get("Condition") or {}).get("StringEquals") or {}).get("aws:PrincipalOrgID")
    if org:
        args["OrganizationId"] = str(org)
    return args


def landing_line(account: str | None, region: str, name: str,
                 latest: LayerVersion | None) -> Content:
    """``into account 1234…  region us-east-1  layer geo  (a new version after geo:3)``.

    Named before ctrl+s, because a version published into the wrong region or account is a
    version nobody asked for (and deleting it is a change of its own)."""
    if latest is not None and latest.layer_name == name and latest.region == region:
        what = f"a new version after {name}:{latest.version}"
    elif name:
        what = f"a new version of {name}, or the layer's first"
    else:
        what = "name it above"
    return Content.assemble(
        ("into account ", "$text-muted"),
        (visible_line(account or "\N{HORIZONTAL ELLIPSIS}"), "bold"),
        ("  region ", "$text-muted"), (visible_line(region), "bold"),
        ("  layer ", "$text-muted"), (visible_line(name or "?"), "bold"),
        (f"  ({visible_line(what)})", "$text-muted"),
    )
