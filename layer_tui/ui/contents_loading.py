"""What the contents screen loads, in its thread workers: the listing, the folder tree with its
totals, the largest files, the other versions to compare with, and a diff against one of them.

All of it runs off the UI thread, so the screen only creates the tree nodes someone opens.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.inspection import EntryDiff, InspectReport, diff_entries, inspect_layer_version
from layer_tui.aws.zipformat import ZipEntry
from layer_tui.ui.formatting import CellStyles
from layer_tui.ui.widgets import TableRow
from layer_tui.ui.widgets.entry_diff import diff_rows, version_number
from layer_tui.ui.widgets.zip_tree import ZipDirectory

#: How many of the largest files the contents screen lists.
LARGEST = 20


@dataclass(frozen=True)
class LoadedContents:
    """What the loading worker hands the screen: all the heavy lifting already done."""

    report: InspectReport
    folder: ZipDirectory
    largest: tuple[ZipEntry, ...]
    other_versions: tuple[str, ...]


@dataclass(frozen=True)
class LoadedDiff:
    old_arn: str
    new_arn: str
    other: InspectReport
    #: Built in the worker too: a diff of two 50,000-file versions is 50,000 rows.
    rows: tuple[TableRow, ...]
    diff: EntryDiff


def load_contents(
    client: Any, s3_client: Callable[[], Any], arn: str, layer_arn: str,
    known_versions: tuple[str, ...],
) -> LoadedContents:
    report = inspect_layer_version(client, arn, s3_client=s3_client)
    folder = ZipDirectory.build(report.entries)
    files = (e for e in report.entries if not e.is_dir)
    largest = tuple(heapq.nlargest(LARGEST, files, key=lambda e: e.size))
    others = known_versions or other_versions(client, layer_arn, arn)
    return LoadedContents(report, folder, largest, others)


def other_versions(client: Any, layer_arn: str, arn: str) -> tuple[str, ...]:
    """The layer's other versions; a layer we may read but not list (another account's) has
    none."""
    found: list[str] = []
    try:
        pages = client.get_paginator("list_layer_versions").paginate(LayerName=layer_arn)
        for page in pages:
            found += [v["LayerVersionArn"] for v in page.get("LayerVersions", [])]
    except (BotoCoreError, ClientError):
        # Comparing is optional; the contents are not.
        return ()
    return tuple(a for a in found if a != arn)


def load_diff(
    client: Any, mine: InspectReport, other_arn: str, cached: InspectReport | None,
    styles: CellStyles,
) -> LoadedDiff:
    # Only the listing matters for a diff: skip the ELF header reads.
    other = cached or inspect_layer_version(client, other_arn, with_elf=False)
    old, new = (other, mine) if version_number(other_arn) < version_number(mine.arn) else (
        mine, other)  # fmt: skip
    diff = diff_entries(old.entries, new.entries)
    return LoadedDiff(old.arn, new.arn, other, rows=tuple(diff_rows(diff, styles)), diff=diff)
