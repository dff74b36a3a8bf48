"""Findings about what a function sees under /opt: its layers' flags, the unzipped budget,
files shadowed, Python distributions installed twice, runtime packages a layer shadows, and
where its own runtime stands in AWS's lifecycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from layer_tui.aws.checks import WARN_SHARE
from layer_tui.aws.findings import Finding, plural
from layer_tui.aws.lifecycle import lifecycle_findings
from layer_tui.aws.python_path import runtime_family_of, runtime_packages

if TYPE_CHECKING:
    from layer_tui.aws.merged_opt import MergedOpt

#: Flags a layer of a function may carry (``OptLayer.flags``), in the order they are shown.
DELETED, ARCHITECTURE, RUNTIME, BEHIND, EXTERNAL, UNREADABLE = (
    "deleted", "architecture", "runtime", "behind", "external", "unreadable",
)  # fmt: skip


def merged_opt_findings(merged: MergedOpt) -> tuple[Finding, ...]:
    """What is wrong with a function's layers and its /opt, errors first."""
    findings: list[Finding] = []
    arch = ", ".join(merged.architectures)
    for layer in merged.layers:
        name = layer.label
        if DELETED in layer.flags:
            findings.append(Finding("error", "deleted-version",
                f"{name} (layer {layer.position}) was deleted: the function still runs with "
                "it, but the next deploy fails; repin it to a version that exists", layer.arn))
        if ARCHITECTURE in layer.flags:
            findings.append(Finding("error", "architecture",
                f"{name} is built for {', '.join(layer.compatible_architectures)} and the "
                f"function runs on {arch}", layer.arn))
        if RUNTIME in layer.flags:
            findings.append(Finding("warning", "runtime",
                f"{name} declares {', '.join(layer.compatible_runtimes)}, not the function's "
                f"{merged.runtime}", layer.arn))
        if BEHIND in layer.flags:
            findings.append(Finding("info", "behind-latest",
                f"{name} is {plural(layer.behind or 0, 'build')} behind its layer's newest "
                f"(version {layer.newest})", layer.arn))
        if UNREADABLE in layer.flags:
            owner = "another account's layer: " if layer.external else ""
            findings.append(Finding("warning", "unreadable",
                f"{name} could not be listed ({owner}{layer.problem}); the merge below leaves "
                "it out", layer.arn))
    total, limit = merged.unzipped_total, merged.limit
    exact = "" if merged.complete else " at least"
    if total > limit:
        findings.append(Finding("error", "budget",
            f"code and layers take{exact} {total:,} bytes unzipped, over Lambda's {limit:,}: "
            "the next deploy fails"))
    elif total > limit * WARN_SHARE:
        findings.append(Finding("warning", "budget",
            f"code and layers take{exact} {total:,} bytes unzipped, {total / limit:.0%} of "
            f"Lambda's {limit:,}"))
    if merged.shadowed:
        count = plural(len(merged.shadowed), "file")
        findings.append(Finding("warning", "shadowed",
            f"{count} of an earlier layer are overwritten by a later one (later layers win)"))
    for duplicate in merged.duplicate_distributions:
        others = ", ".join(f"{d.version} ({_label(d.arn)})" for d in duplicate.hidden)
        findings.append(Finding("warning", "duplicate-distribution",
            f"{duplicate.project} is installed {len(duplicate.hidden) + 1} times on the "
            f"path: {duplicate.winner.version} from {_label(duplicate.winner.arn)} wins over "
            f"{others}", duplicate.winner.dist_info))
    if merged.runtime_shadowed:
        family = runtime_family_of(merged.runtime)
        runtime_path = runtime_packages()["families"][family[0]]["runtime_path"] if family else ""
        version = family[1] if family else ""
        for shadow in merged.runtime_shadowed:
            findings.append(Finding("warning", "shadows-runtime",
                f"/opt/{shadow.path} from {_label(shadow.arn)} shadows the runtime's own "
                f"{shadow.package} ({runtime_path.format(version=version)} come later on the "
                "path): the function imports the layer's copy", shadow.path))
    # The function's own runtime: past AWS's block-update day, any change to its configuration
    # (a repin included) fails, whatever its layers are.
    for lifecycle in lifecycle_findings([merged.runtime] if merged.runtime else []):
        findings.append(Finding(lifecycle.level, lifecycle.code,
                                f"the function's runtime: {lifecycle.message}"))
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order[f.level]))


def _label(arn: str) -> str:
    parts = arn.split(":")
    return f"{parts[6]}:{parts[7]}" if len(parts) >= 8 else arn
