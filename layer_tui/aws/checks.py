"""Findings about a layer version: layout, architecture, runtime and size.

The facts the checks rely on (where runtimes look under /opt, which runtimes AWS deprecated and
when) live in ``layer_tui/data/*.json`` with their source and date, so updating them is an edit
to data, not code. Every check is a pure function of the listing and the version's metadata,
except those of content (native code, symlinks, wheel tags, bootstrap), which read members'
heads through a reader they are handed. Layout lives in ``layout``, runtime fit in
``runtime_fit``, archive hygiene in ``hygiene``, native code in ``native``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from layer_tui.aws.findings import Finding, Level, ReadHead, layer_layout
from layer_tui.aws.hygiene import check_symlinks, symlink_entries
from layer_tui.aws.layout import check_layout
from layer_tui.aws.lifecycle import lifecycle_findings, runtime_table
from layer_tui.aws.member_heads import MAX_MEMBERS, HeadSource, per_member
from layer_tui.aws.native import (
    HEAD_BYTES,
    architecture_findings,
    choose_candidates,
    native_code_candidates,
    scan_heads,
)
from layer_tui.aws.runtime_fit import (
    check_bootstrap,
    check_extension_abi,
    check_musl,
    runtime_family,
)
from layer_tui.aws.zipformat import ZipEntry

#: Function code plus all its layers, unzipped (AWS Lambda quotas).
UNZIPPED_LIMIT = 262_144_000
#: Above this share of the limit, say so before it bites.
WARN_SHARE = 0.9


# -- data ----------------------------------------------------------------------------------------


def deprecated_runtimes() -> dict[str, Any]:
    """The shipped lifecycle table (``layer_tui/data/runtimes.json``, read by ``lifecycle``)."""
    return runtime_table()


# -- runtime -------------------------------------------------------------------------------------


def check_runtimes(runtimes: Sequence[str], today: date | None = None) -> list[Finding]:
    """Declared runtimes past or near a lifecycle date: blocked updates are errors (a repin will
    fail), blocked creates and deprecation warnings, a deprecation within 90 days an info."""
    return lifecycle_findings(runtimes, today)


# -- size ----------------------------------------------------------------------------------------


def check_size(uncompressed_size: int) -> list[Finding]:
    """The layer alone against the 262,144,000-byte unzipped budget it shares with functions."""
    share = uncompressed_size / UNZIPPED_LIMIT
    if uncompressed_size > UNZIPPED_LIMIT:
        return [
            Finding("error", "size",
                    f"unzipped size {uncompressed_size:,} bytes exceeds the "
                    f"{UNZIPPED_LIMIT:,}-byte limit for a function and all its layers")
        ]
    if share > WARN_SHARE:
        return [
            Finding("warning", "size",
                    f"unzipped size {uncompressed_size:,} bytes is {share:.0%} of the "
                    f"{UNZIPPED_LIMIT:,}-byte limit shared with the function and its other layers")
        ]
    return []


@dataclass(frozen=True)
class ConsumerBudget:
    """How much of the unzipped budget one function uses, as far as can be known.

    Lambda reports a function's CodeSize zipped, and its unzipped size is not available
    without downloading it; the zipped size is a lower bound, so ``at_least`` is too.
    """

    function_code_size: int
    layers_unzipped: int
    unknown_layers: int
    at_least: int
    limit: int = UNZIPPED_LIMIT

    @property
    def level(self) -> Level:
        if self.at_least > self.limit:
            return "error"
        return "warning" if self.at_least > self.limit * WARN_SHARE else "info"

    @property
    def headroom(self) -> int:
        """Bytes left at most (negative when over for certain)."""
        return self.limit - self.at_least

    @property
    def message(self) -> str:
        unknown = (
            f"; {self.unknown_layers} layer(s) of unknown size not counted"
            if self.unknown_layers
            else ""
        )
        verdict = {
            "error": "over the limit",
            "warning": "close to the limit",
            "info": "within the limit as far as is known",
        }[self.level]
        return (
            f"at least {self.at_least:,} of {self.limit:,} bytes unzipped ({verdict}): "
            f"layers {self.layers_unzipped:,} unzipped + function {self.function_code_size:,} "
            f"counted at its zipped size, which its unzipped size exceeds{unknown}"
        )

    def finding(self) -> Finding:
        return Finding(self.level, "size", self.message)


def consumer_budget(
    function_code_size: int, layer_unzipped_sizes: Sequence[int | None]
) -> ConsumerBudget:
    """A function's use of the 262,144,000-byte budget from what is known without downloads."""
    known = [s for s in layer_unzipped_sizes if s is not None]
    layers = sum(known)
    return ConsumerBudget(
        function_code_size=function_code_size,
        layers_unzipped=layers,
        unknown_layers=len(layer_unzipped_sizes) - len(known),
        at_least=function_code_size + layers,
    )


# -- all together ---------------------------------------------------------------------------------


def _content_findings(
    entries: Sequence[ZipEntry],
    runtimes: Sequence[str],
    architectures: Sequence[str],
    source: HeadSource | None,
) -> list[Finding]:
    """The checks that read members' heads, all heads fetched in one batch."""
    candidates = native_code_candidates(entries)
    chosen = choose_candidates(candidates, MAX_MEMBERS) if source is not None else []
    links = symlink_entries(entries)
    wheels = [e for e in entries if e.path.endswith(".dist-info/WHEEL")][:MAX_MEMBERS]
    heads: dict[str, bytes] = {}
    findings: list[Finding] = []
    if source is not None:
        read = source([*chosen, *links, *wheels], HEAD_BYTES)
        heads = read.heads
        missed = {*read.unreadable, *read.skipped}
        scan = scan_heads(candidates, chosen, heads,
                          sum(1 for e in chosen if e.path in missed))
        findings += architecture_findings(scan, architectures)
        findings += check_symlinks(entries, heads)
    findings += check_musl(entries, heads)
    findings += check_bootstrap(entries, runtimes, heads)
    return findings


def run_checks(
    entries: Sequence[ZipEntry],
    *,
    runtimes: Sequence[str] = (),
    architectures: Sequence[str] = (),
    read_head: ReadHead | None = None,
    read_heads: HeadSource | None = None,
    today: date | None = None,
) -> tuple[Finding, ...]:
    """Every check, errors first.

    The checks of content (native code, symlink targets, wheel tags, bootstrap) run only
    with a reader: ``read_heads`` reads many heads per request (``RangeHeads``),
    ``read_head`` one member at a time (a local zip).
    """
    source = read_heads or (per_member(read_head) if read_head is not None else None)
    findings = check_layout(entries, runtimes)
    findings += check_extension_abi([e.path for e in entries], runtimes)
    findings += _content_findings(entries, runtimes, architectures, source)
    findings += check_runtimes(runtimes, today)
    findings += check_size(sum(e.size for e in entries if not e.is_dir))
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order[f.level]))


__all__ = [
    "UNZIPPED_LIMIT",
    "ConsumerBudget",
    "Finding",
    "ReadHead",
    "check_layout",
    "check_runtimes",
    "check_size",
    "consumer_budget",
    "deprecated_runtimes",
    "layer_layout",
    "run_checks",
    "runtime_family",
]
