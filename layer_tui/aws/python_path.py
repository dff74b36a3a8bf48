"""What a Python or Node.js function imports from /opt, and what its runtime brings itself.

The runtime searches folders under ``/opt`` before its own packages (``/var/runtime``): the
folders and the runtime's own packages are data (``layer_tui/data/runtime_packages.json``).
``winners`` below maps each merged path to the 1-based position of the layer that wins it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from layer_tui.aws.findings import load_data

_DIST_INFO = re.compile(r"^(?P<name>[^/-]+)-(?P<version>[^/]+)\.dist-info$")


def normalized_project(name: str) -> str:
    """PEP 503: ``Typing_Extensions`` and ``typing-extensions`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()

@dataclass(frozen=True)
class Distribution:
    """One ``*.dist-info`` folder on the function's Python path."""

    project: str
    version: str
    dist_info: str
    #: The layer that put it there (the last one, if several hold the same folder).
    arn: str

    def to_json(self) -> dict[str, str]:
        return {"dist_info": self.dist_info, "version": self.version, "arn": self.arn}


@dataclass(frozen=True)
class DuplicateDistribution:
    """Two or more installs of one project on the path; ``winner`` is the one imported.

    The winner stands earliest on ``sys.path``; within one folder it is the later layer's,
    whose package files overwrote the earlier one's (the earlier one's extra files remain, a
    mixed install: which is why this is worth a warning).
    """

    project: str
    winner: Distribution
    hidden: tuple[Distribution, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "winner": self.winner.to_json(),
            "hidden": [d.to_json() for d in self.hidden],
        }


@dataclass(frozen=True)
class RuntimeShadow:
    """A package the runtime provides, found earlier on the path in a layer."""

    package: str
    path: str
    arn: str

@cache
def runtime_packages() -> dict[str, Any]:
    return load_data("runtime_packages.json")


def runtime_family_of(runtime: str | None) -> tuple[str, str, int | None] | None:
    """(family, language version, major) of a runtime: python3.12 → ("python", "3.12", 3)."""
    match = re.match(r"^(python|nodejs)(\d+)(?:\.(\d+|x))?", runtime or "")
    if match is None:
        return None
    family, major, minor = match[1], match[2], match[3]
    version = f"{major}.{minor}" if minor and minor != "x" else major
    return family, version, int(major)


def runtime_search_path(runtime: str | None) -> tuple[str, ...]:
    """The folders under /opt the runtime searches, first first (empty for other runtimes)."""
    known = runtime_family_of(runtime)
    if known is None:
        return ()
    family, version, major = known
    paths = runtime_packages()["families"][family]["search_path"]
    return tuple(p.format(version=version, major=major) for p in paths)


def duplicate_distributions(
    winners: Mapping[str, int],
    arns: tuple[str, ...],
    search_path: tuple[str, ...],
    runtime: str | None,
) -> tuple[DuplicateDistribution, ...]:
    if not (runtime or "").startswith("python"):
        return ()
    found: dict[str, dict[str, tuple[int, int, Distribution]]] = {}
    for path, position in winners.items():
        for rank, folder in enumerate(search_path):
            if not path.startswith(folder):
                continue
            top = path[len(folder):].split("/", 1)[0]
            match = _DIST_INFO.match(top)
            if match is None or "/" not in path[len(folder):]:
                break
            dist_info = folder + top
            project = normalized_project(match["name"])
            seen = found.setdefault(project, {})
            previous = seen.get(dist_info)
            if previous is None or previous[1] < position:
                seen[dist_info] = (rank, position, Distribution(
                    project, match["version"], dist_info, arns[position - 1]))
            break
    duplicates = []
    for project, installs in sorted(found.items()):
        if len(installs) < 2:
            continue
        # Earliest on sys.path first; in one folder, the later layer's package files won.
        ordered = sorted(installs.values(), key=lambda item: (item[0], -item[1]))
        duplicates.append(DuplicateDistribution(
            project, ordered[0][2], tuple(item[2] for item in ordered[1:])))
    return tuple(duplicates)


def runtime_shadows(
    winners: Mapping[str, int], arns: tuple[str, ...], runtime: str | None
) -> tuple[RuntimeShadow, ...]:
    known = runtime_family_of(runtime)
    if known is None:
        return ()
    family, _, major = known
    packages = [
        p["name"] for p in runtime_packages()["families"][family]["packages"]
        if p.get("min_major", 0) <= (major or 0) <= p.get("max_major", 10**6)
    ]  # fmt: skip
    shadows: dict[tuple[str, str], int] = {}
    for path, position in winners.items():
        for folder in runtime_search_path(runtime):
            if not path.startswith(folder):
                continue
            rest = path[len(folder):]
            for package in packages:
                if package.endswith("/"):
                    hit = rest.startswith(package) and rest.count("/") >= 2
                    where = folder + "/".join(rest.split("/")[:2]) if hit else ""
                else:
                    top = rest.split("/", 1)[0]
                    hit = (top == package and "/" in rest) or top == f"{package}.py"
                    where = folder + top
                if hit:
                    key = (package.rstrip("/"), where)
                    shadows[key] = max(shadows.get(key, 0), position)
            break
    return tuple(
        RuntimeShadow(package, where, arns[position - 1])
        for (package, where), position in sorted(shadows.items())
    )
