"""Findings about a layer version: layout, architecture, runtime and size.

The facts the checks rely on (where runtimes look under /opt, which runtimes AWS deprecated and
when) live in ``layer_tui/data/*.json`` with their source and date, so updating them is an edit
to data, not code. Every check is a pure function of the listing and the version's metadata,
except the architecture check, which reads ELF headers through a callback it is handed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from layer_tui import clock
from layer_tui.aws.findings import Finding, Level, ReadHead, layer_layout, load_data
from layer_tui.aws.native import check_architecture
from layer_tui.aws.zipformat import ZipEntry

#: Function code plus all its layers, unzipped (AWS Lambda quotas).
UNZIPPED_LIMIT = 262_144_000
#: Above this share of the limit, say so before it bites.
WARN_SHARE = 0.9
_MAX_LISTED = 5
_RUNTIME = re.compile(r"^(?P<family>[a-z]+?)(?P<version>\d+(?:\.\d+)*)?(?:\.x|\.al2\d*)?$")


# -- data ----------------------------------------------------------------------------------------


@cache
def deprecated_runtimes() -> dict[str, Any]:
    """The shipped table: ``{"source", "as_of", "runtimes": {id: {"deprecated", "source"}}}``."""
    return load_data("deprecated_runtimes.json")


def runtime_family(runtime: str) -> tuple[str, str]:
    """``python3.12`` → (python, 3.12), ``nodejs20.x`` → (nodejs, 20), ``go1.x`` → (go, 1)."""
    match = _RUNTIME.match(runtime)
    if match is None:
        return runtime, ""
    return match["family"], match["version"] or ""


def _search_path(template: str, version: str) -> str:
    return template.format(version=version, major=version.split(".")[0])


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{version}"), r"(?P<v>\d+(?:\.\d+)*)")
    pattern = pattern.replace(re.escape("{major}"), r"(?P<v>\d+)")
    return re.compile(pattern)


# -- layout --------------------------------------------------------------------------------------


def check_layout(entries: Sequence[ZipEntry], runtimes: Sequence[str]) -> list[Finding]:
    """Top-level names no runtime looks at, missing language roots, version-bound folders
    that no declared runtime reads, and zips inside the zip."""
    search_paths: list[dict[str, Any]] = layer_layout()["search_paths"]
    roots = {p["path"].split("/", 1)[0] for p in search_paths}
    paths = [e.path for e in entries]
    findings: list[Finding] = []

    top: dict[str, bool] = {}  # name -> is a folder
    for path in paths:
        name, sep, _ = path.partition("/")
        top[name] = top.get(name, False) or bool(sep)
    stray = sorted(name for name in top if name and name not in roots)
    for name in stray[:_MAX_LISTED]:
        shown = f"{name}/" if top[name] else name
        nested = [r for r in sorted(roots) if any(p.startswith(f"{name}/{r}/") for p in paths)]
        hint = (
            f"; it holds {nested[0]}/, so the zip was made one folder too high"
            if nested
            else ""
        )
        findings.append(
            Finding("warning", "layout", f"{shown} is not on any runtime's path under /opt{hint}",
                    shown)
        )
    if len(stray) > _MAX_LISTED:
        findings.append(
            Finding("warning", "layout",
                    f"{len(stray) - _MAX_LISTED} more top-level names are on no runtime's path")
        )

    for runtime in runtimes:
        family, version = runtime_family(runtime)
        templates = [p["path"] for p in search_paths if p["family"] == family]
        if not templates:
            continue
        wanted = [_search_path(t, version) for t in templates]
        if not any(path.startswith(w) for path in paths for w in wanted):
            findings.append(
                Finding("warning", "layout",
                        f"declared for {runtime} but has nothing under "
                        f"{' or '.join(wanted)}: {runtime} does not look anywhere else")
            )
    findings.extend(_version_bound_folders(paths, runtimes, search_paths))

    nested_zips = [e.path for e in entries if not e.is_dir and e.path.lower().endswith(".zip")]
    for path in nested_zips[:_MAX_LISTED]:
        findings.append(
            Finding("warning", "layout",
                    f"{path} is a zip inside the zip: Lambda extracts the layer once and "
                    "never unpacks archives inside it", path)
        )
    if len(nested_zips) > _MAX_LISTED:
        more = len(nested_zips) - _MAX_LISTED
        findings.append(Finding("warning", "layout", f"{more} more zips inside the zip"))
    return findings


def _version_bound_folders(
    paths: Sequence[str], runtimes: Sequence[str], search_paths: Sequence[dict[str, Any]]
) -> list[Finding]:
    """``python/lib/python3.9/site-packages/`` in a python3.12 layer is dead weight."""
    findings: list[Finding] = []
    for spec in search_paths:
        template: str = spec["path"]
        if "{" not in template or spec["family"] is None:
            continue
        family = spec["family"]
        declared = [r for r in runtimes if runtime_family(r)[0] == family]
        if not declared:
            continue
        readable = {_search_path(template, runtime_family(r)[1]) for r in declared}
        regex = _template_regex(template)
        seen: set[str] = set()
        for path in paths:
            match = regex.match(path)
            if match is None or match[0] in readable or match[0] in seen:
                continue
            seen.add(match[0])
            findings.append(
                Finding("warning", "layout",
                        f"{match[0]} is read only by {family} {match['v']}; this layer is "
                        f"declared for {', '.join(declared)}", match[0])
            )
    return findings


# -- runtime -------------------------------------------------------------------------------------


def check_runtimes(runtimes: Sequence[str], today: date | None = None) -> list[Finding]:
    """Declared runtimes AWS has deprecated (warning) or will deprecate (info), with the date."""
    table = deprecated_runtimes()
    today = today or clock.now().date()
    findings: list[Finding] = []
    for runtime in runtimes:
        row = table["runtimes"].get(runtime)
        if row is None:
            continue
        when = date.fromisoformat(row["deprecated"])
        if when <= today:
            findings.append(
                Finding("warning", "runtime",
                        f"{runtime} was deprecated by AWS Lambda on {when.isoformat()} "
                        f"(source: {row['source']})")
            )
        else:
            findings.append(
                Finding("info", "runtime",
                        f"{runtime} is scheduled for deprecation on {when.isoformat()} "
                        f"(source: {row['source']})")
            )
    return findings


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


def run_checks(
    entries: Sequence[ZipEntry],
    *,
    runtimes: Sequence[str] = (),
    architectures: Sequence[str] = (),
    read_head: ReadHead | None = None,
    today: date | None = None,
) -> tuple[Finding, ...]:
    """Every check, errors first; the architecture check runs only with ``read_head``."""
    findings = check_layout(entries, runtimes)
    if read_head is not None:
        findings += check_architecture(entries, architectures, read_head)
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
]
