"""Plain-text renderings of the headless commands' results (the human side of ``--json``).

Every string in them came from AWS or a zip, so every line passes through ``visible_line``:
text output reaches a terminal, and ``--json`` is where the exact strings are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

import humanize

from layer_tui import clock
from layer_tui.aws.models import Inventory, RegionInventory, iso_utc
from layer_tui.safe_text import visible_line


def parse_aws_time(text: str) -> datetime | None:
    """AWS's ``2026-11-22T19:00:00.000+0000`` (and ISO forms) as an aware datetime."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None


def age(text: str) -> str:
    moment = parse_aws_time(text)
    return humanize.naturaltime(clock.now() - moment) if moment else "?"


def size(value: int | None) -> str:
    return "?" if value is None else humanize.naturalsize(value, binary=True)


def _table(rows: list[list[str]]) -> str:
    rows = [[visible_line(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in rows
    )


#: From this depth on (a layer version in ``inventory --json``) a value is one line.
_COMPACT_FROM = 6


def _write_json(value: Any, out: TextIO, level: int, compact_from: int = _COMPACT_FROM) -> None:
    """``value`` as indented JSON down to ``_COMPACT_FROM``, one compact line below.

    ``json.dump`` with ``indent`` runs the pure-Python encoder, several times slower than the
    C one, which only the compact form uses: at 16,000 functions that was seconds. Each
    version (with its consumers) becomes one ``json.dumps`` line, so it is also written as it
    is encoded, never held as one document. ASCII: control, C1 and bidi characters leave as
    \\u escapes, never raw.
    """
    if level >= compact_from or not isinstance(value, dict | list) or not value:
        out.write(json.dumps(value, ensure_ascii=True, separators=(", ", ": ")))
        return
    pad = "  " * (level + 1)
    items: Iterable[tuple[str | None, Any]] = (
        value.items() if isinstance(value, dict) else ((None, item) for item in value)
    )
    out.write("{\n" if isinstance(value, dict) else "[\n")
    for position, (key, item) in enumerate(items):
        out.write(",\n" + pad if position else pad)
        if key is not None:
            out.write(json.dumps(key, ensure_ascii=True) + ": ")
        _write_json(item, out, level + 1, compact_from)
    out.write("\n" + "  " * level + ("}" if isinstance(value, dict) else "]"))


def write_inventory_json(
    account: str, generated_at: datetime, regions: Iterable[RegionInventory], out: TextIO
) -> None:
    """``inventory --json`` (PRODUCT.md's shape) written region by region as they come."""
    out.write("{\n")
    out.write(f'  "account": {json.dumps(account, ensure_ascii=True)},\n')
    out.write(f'  "generated_at": {json.dumps(iso_utc(generated_at))},\n')
    out.write('  "regions": [')
    for position, region in enumerate(regions):
        out.write(",\n    " if position else "\n    ")
        _write_json(region.to_json(), out, 2)
    out.write("\n  ]\n}\n")


def write_accounts_json(inventory: Inventory, out: TextIO) -> None:
    """``inventory --json`` of several accounts (PRODUCT.md: ``{"generated_at", "accounts"}``),
    written region by region as each is encoded; each region as in the one-account shape."""
    out.write("{\n")
    out.write(f'  "generated_at": {json.dumps(iso_utc(inventory.generated_at))},\n')
    out.write('  "accounts": [')
    for position, summary in enumerate(inventory.accounts):
        out.write(",\n    {\n" if position else "\n    {\n")
        out.write(f'      "account": {json.dumps(summary.account, ensure_ascii=True)},\n')
        out.write(f'      "name": {json.dumps(summary.name, ensure_ascii=True)},\n')
        error = summary.error.to_json() if summary.error else None
        out.write(f'      "error": {json.dumps(error, ensure_ascii=True)},\n')
        out.write('      "regions": [')
        regions = inventory.account_regions(summary.account) if summary.account else ()
        for index, region in enumerate(regions):
            out.write(",\n        " if index else "\n        ")
            # Two levels deeper than one account's: a layer version is still one line.
            _write_json(region.to_json(), out, 4, _COMPACT_FROM + 2)
        out.write("\n      ]\n    }" if regions else "]\n    }")
    out.write("\n  ]\n}\n")


def inventory_table(inventory: Inventory) -> str:
    """One row per layer version, grouped by region; failed regions say why.

    With several accounts, an ACCOUNT column leads (the account's name where it has one) and
    an account that could not be read is one row saying why.
    """
    several = inventory.multi_account
    rows = [(["ACCOUNT"] if several else [])
            + ["REGION", "LAYER", "VERSION", "SIZE", "CREATED", "RUNTIMES", "CONSUMERS"]]
    notes: list[str] = []
    for summary in inventory.accounts:
        if summary.error:
            rows.append([summary.name or summary.account or "?", "-", "-", "-", "-", "-", "-",
                         f"error: {summary.error.code}"])
    for region in inventory.regions:
        account = [inventory.account_name(region.account)] if several else []
        if region.error:
            rows.append([*account, region.region, "-", "-", "-", "-", "-",
                         f"error: {region.error.code}"])
            continue
        for layer in region.layers:
            for version in layer.versions:
                rows.append([
                    *account,
                    region.region,
                    layer.name,
                    str(version.version),
                    size(version.code_size),
                    age(version.created),
                    ",".join(version.compatible_runtimes) or "-",
                    str(len(version.consumers)),
                ])
        for external in region.external_layers:
            parts = external.arn.split(":")
            own = region.account or inventory.account
            owner = "deleted" if parts[4] == own else (
                f"account {inventory.account_name(parts[4])}"
            )
            rows.append([*account, region.region, parts[6], parts[7], "-", "-", f"({owner})",
                         str(len(external.consumers))])
        where = f"{account[0]} {region.region}" if several else region.region
        notes.append(
            f"{where}: {len(region.layers)} layers, {region.version_count} versions, "
            f"{size(region.stored_bytes)} stored, {region.functions_scanned} functions scanned"
            # --latest-only: a version whose only users are published versions reads unused.
            + ("" if region.all_versions else
               " ($LATEST only: published function versions and aliases not scanned)")
        )
    scanned = f"scanned {age(inventory.generated_at.isoformat())}"
    if several:
        failed = sum(1 for a in inventory.accounts if a.error)
        count = len(inventory.accounts)
        header = f"{count} account{'' if count == 1 else 's'}" + (
            f" ({failed} could not be read)" if failed else ""
        ) + f", {scanned}"
    else:
        header = f"account {inventory.account}, {scanned}"
    return visible_line(header) + "\n" + _table(rows) + "".join(
        visible_line(n) + "\n" for n in notes
    )


def inspect_text(report: Any) -> str:
    """The inspect report for people: summary, findings, the 20 largest files."""
    data = report.to_json()
    lines = [
        f"{data['arn']}",
        f"{data['files']} files, {size(data['code_size'])} zipped, "
        f"{size(data['uncompressed_size'])} unzipped; read {size(data['bytes_fetched'])} "
        "to list it",
    ]
    for finding in data["findings"]:
        lines.append(f"{finding['level'].upper():8} {finding['code']}: {finding['message']}")
    largest = sorted((e for e in data["entries"] if not e["is_dir"]),
                     key=lambda e: e["size"], reverse=True)[:20]
    if largest:
        lines.append("largest files:")
        lines.extend(f"  {size(e['size']):>10}  {e['path']}" for e in largest)
    # Each line is one line: a newline inside an entry name or a message shows as "\\n".
    return "".join(visible_line(line) + "\n" for line in lines)
