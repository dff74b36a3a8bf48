"""``layer-tui backups`` and ``layer-tui restore``: the backups deletes leave, headless.

``restore`` runs the same checks as the TUI's restore (``aws.restore``). A backup that fails
one, a second restore without ``--again`` and a restore asked of a ``--read-only`` session
are bad input (exit 2, nothing published); AWS failing the publish is a runtime failure (1).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from layer_tui.aws.backup_listing import BackupListing, list_backup_folders
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.publishing import InvalidInput
from layer_tui.aws.restore import AlreadyRestored, BackupRefused, restore_backup
from layer_tui.aws.session import AwsSession, ReadOnlyError, SessionConfig
from layer_tui.safe_text import visible_line

EXIT_OK, EXIT_USAGE = 0, 2


def _bad_input(message: str) -> int:
    print(f"layer-tui: {visible_line(message)}", file=sys.stderr)
    return EXIT_USAGE


def _table(listings: list[BackupListing]) -> str:
    rows = [["REGION", "LAYER", "VERSION", "SIZE", "BACKED UP", "RESTORED AS", "STATE",
             "FOLDER"]]
    for item in listings:
        restored = item.restores[-1].label if item.restores else "-"
        # Folder names are whatever is on disk: shown with control characters escaped.
        rows.append([visible_line(cell) for cell in (
            item.region, item.layer_name, str(item.version), f"{item.code_size:,}",
            item.backed_up_at, restored, "REFUSED" if item.problem else "ok",
            str(item.folder))])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )
    # Why a folder is refused, one line each under the table (restore checks it again).
    return table + "".join(
        visible_line(f"{item.label} in {item.region}: {item.problem}; restore will refuse it")
        + "\n"
        for item in listings if item.problem
    )


def backups_command(args: argparse.Namespace, config: SessionConfig) -> int:
    """List the backups of the session's account (a read: fine in --read-only)."""
    session = AwsSession(config)
    ops = LayerOperations(session)
    account = session.account_id()
    listings = list_backup_folders(ops.backups, account)
    if args.json:
        json.dump({"account": account, "root": str(ops.backups),
                   "backups": [b.to_json() for b in listings]}, sys.stdout, indent=2,
                  ensure_ascii=True)
        sys.stdout.write("\n")
    elif listings:
        sys.stdout.write(f"account {account}, backups in {ops.backups}\n")
        sys.stdout.write(_table(listings))
    else:
        sys.stdout.write(f"account {account} has no backups in {ops.backups}; deleting a "
                         "version makes one\n")
    return EXIT_OK


def restore_command(args: argparse.Namespace, config: SessionConfig) -> int:
    """Verify one backup folder and publish it again as a marked copy."""
    if config.read_only:
        # Asked to change AWS and forbidden to in one breath: the invocation is at fault.
        return _bad_input(f"restoring {args.backup_dir} publishes a layer version, and "
                          "--read-only forbids it; nothing was published — leave out "
                          "--read-only to restore")
    session = AwsSession(config)
    ops = LayerOperations(session)
    try:
        result = restore_backup(ops, Path(args.backup_dir), again=args.again)
    except (BackupRefused, AlreadyRestored, ReadOnlyError) as exc:
        return _bad_input(str(exc))
    except InvalidInput as exc:
        return _bad_input(f"refusing to restore {args.backup_dir}: {exc}")
    shape: dict[str, Any] = {
        "restored": result.source.arn, "arn": result.arn, "folder": str(result.source.folder),
        "code_size": result.response.get("Content", {}).get("CodeSize"),
        "code_sha256": result.response.get("Content", {}).get("CodeSha256"),
        "description": result.response.get("Description", ""),
    }
    if args.json:
        json.dump(shape, sys.stdout, indent=2, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        said = f"restored {result.source.label} as {result.label} ({result.arn})"
        sys.stdout.write(f"{visible_line(said)}; functions that listed the old ARN must be "
                         "repinned to the new one\n")
    return EXIT_OK
