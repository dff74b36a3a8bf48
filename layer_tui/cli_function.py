"""``layer-tui function NAME_OR_ARN``: one function's layers merged under /opt, headless.

What the user named wrong (no such function, a region outside ``--region``, a name found in
two regions) is bad input: exit 2, one line. ``--json`` prints issue 15's shape exactly; the
text form is for people, every line passed through ``visible_line`` (names come from AWS and
from zips).
"""

from __future__ import annotations

import argparse
import json
import sys

from layer_tui.aws.function_view import FunctionLookupError, FunctionView, function_view
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.cli_output import age, size
from layer_tui.safe_text import visible_line

EXIT_OK, EXIT_USAGE = 0, 2
#: Text output lists this many shadowed files; --json lists them all.
SHADOWED_SHOWN = 40


def function_command(args: argparse.Namespace, config: SessionConfig) -> int:
    session = AwsSession(config)
    try:
        view = function_view(session, args.target, config.regions or None)
    except FunctionLookupError as exc:
        print(f"layer-tui: {visible_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        json.dump(view.opt.to_json(), sys.stdout, indent=2, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(function_text(view))
    return EXIT_OK


def budget_line(used: int, limit: int, width: int = 30) -> str:
    """``[#########.....................] 31.2% of 262,144,000 bytes``: ASCII, for any terminal."""
    share = used / limit if limit else 1.0
    filled = min(width, round(share * width))
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:.1%} of {limit:,} bytes"


def function_text(view: FunctionView) -> str:
    facts, opt = view.facts, view.opt
    lines = [
        facts.arn if facts.version == "$LATEST" else f"{facts.arn} (version {facts.version})",
        f"runtime {facts.runtime or '-'} on {', '.join(facts.architectures)}, handler "
        f"{facts.handler or '-'}, code {size(facts.code_size)}, modified "
        f"{age(facts.last_modified)}",
        f"state {facts.state or '-'}, last update {facts.last_update_status or '-'}"
        + (f" ({facts.state_reason})" if facts.state_reason else ""),
        f"managed by {', '.join(facts.managed_by) or 'nothing its tags name'}",
        "",
        "layers in merge order (a later layer's file overwrites an earlier one's):",
    ]
    rows = [["#", "LAYER VERSION", "ZIPPED", "UNZIPPED", "FLAGS"]]
    for layer in opt.layers:
        unzipped = size(layer.unzipped_size) if layer.unzipped_size is not None else "?"
        rows.append([str(layer.position), layer.arn, size(layer.code_size), unzipped,
                     ", ".join(layer.flags) or "-"])  # fmt: skip
    if len(rows) == 1:
        rows.append(["-", "(no layers)", "-", "-", "-"])
    lines += _table(rows)
    lines += ["", f"code + layers unzipped: {opt.unzipped_total:,} bytes "
              + budget_line(opt.unzipped_total, opt.limit)]  # fmt: skip
    if opt.findings:
        lines.append("")
        lines += [f"{f.level.upper():8} {f.code}: {f.message}" for f in opt.findings]
    if opt.shadowed:
        lines += ["", f"shadowed files ({len(opt.shadowed):,}): path, the layer that wins, "
                  "the layers it hides"]  # fmt: skip
        for shadow in opt.shadowed[:SHADOWED_SHOWN]:
            hidden = ", ".join(_label(arn) for arn in shadow.hidden)
            lines.append(f"  /opt/{shadow.path}  {_label(shadow.winner)} over {hidden}")
        if len(opt.shadowed) > SHADOWED_SHOWN:
            lines.append(f"  … and {len(opt.shadowed) - SHADOWED_SHOWN:,} more (--json lists all)")
    # Each line is one line: a newline inside a name or a path shows as "\\n".
    return "".join(visible_line(line) + "\n" for line in lines)


def _table(rows: list[list[str]]) -> list[str]:
    rows = [[visible_line(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _label(arn: str) -> str:
    parts = arn.split(":")
    return f"{parts[6]}:{parts[7]}" if len(parts) >= 8 else arn
