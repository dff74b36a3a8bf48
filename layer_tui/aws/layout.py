"""Where a layer's files sit against where runtimes look under /opt.

A pure function of the listing: top-level names no runtime looks at (with the fix that
applies: packages at the zip root need a ``python/`` above them, a zip made of the folder
above ``python/`` is one folder too high), version-bound folders no declared runtime reads,
each declared runtime with nothing on its path, archives never unpacked, backslash names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from layer_tui.aws.findings import Finding, layer_layout, plural
from layer_tui.aws.hygiene import check_archives, check_backslashes
from layer_tui.aws.runtime_fit import check_paths, runtime_family, search_path
from layer_tui.aws.zipformat import ZipEntry

_MAX_LISTED = 5
#: Roots whose presence one level down means the zip was made of the folder above them;
#: ``lib/`` and ``bin/`` are not among them because packages carry folders of those names.
_LANGUAGE_ROOTS = ("python", "nodejs", "java", "ruby", "extensions")
_PYTHON_FILE = re.compile(r"\.(py|pyc|pth|so|pyd)$")


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{version}"), r"(?P<v>\d+(?:\.\d+)*)")
    pattern = pattern.replace(re.escape("{major}"), r"(?P<v>\d+)")
    return re.compile(pattern)


def _python_at_root(name: str, is_folder: bool, paths: Sequence[str]) -> bool:
    """A Python package, module or distribution's metadata sitting at the zip root."""
    if not is_folder:
        return _PYTHON_FILE.search(name) is not None
    if name.endswith((".dist-info", ".egg-info", ".data")):
        return True
    prefix = f"{name}/"
    return any(p.startswith(prefix) and "/" not in p[len(prefix):]
               and _PYTHON_FILE.search(p) is not None for p in paths)


def check_layout(entries: Sequence[ZipEntry], runtimes: Sequence[str]) -> list[Finding]:
    """Top-level names no runtime looks at, missing language roots, version-bound folders
    that no declared runtime reads, archives inside the zip and backslash names."""
    search_paths: list[dict[str, Any]] = layer_layout()["search_paths"]
    roots = {p["path"].split("/", 1)[0] for p in search_paths}
    # A root bootstrap is what custom runtimes run (checked in runtime_fit).
    roots.add("bootstrap")
    # Backslash names are one finding of their own, not a stray name each.
    paths = [e.path for e in entries if "\\" not in e.path]
    findings: list[Finding] = []

    top: dict[str, bool] = {}  # name -> is a folder
    for path in paths:
        name, sep, _ = path.partition("/")
        top[name] = top.get(name, False) or bool(sep)
    stray = sorted(name for name in top if name and name not in roots)
    packages = [n for n in stray if _python_at_root(n, top[n], paths)]
    if packages:
        names = [f"{n}/" if top[n] else n for n in packages]
        if len(names) == 1:
            what = f"{names[0]} is not on any runtime's path under /opt: it is Python code"
        else:
            more = ", …" if len(names) > _MAX_LISTED else ""
            what = (f"{len(names)} Python packages and modules ({', '.join(names[:_MAX_LISTED])}"
                    f"{more}) are on no runtime's path under /opt")
        findings.append(Finding(
            "warning", "layout",
            f"{what} at the zip root; Python reads /opt/python, so add a python/ folder above "
            f"{'it' if len(names) == 1 else 'them'}", names[0]))
    others = [n for n in stray if n not in packages]
    for name in others[:_MAX_LISTED]:
        shown = f"{name}/" if top[name] else name
        findings.append(Finding(
            "warning", "layout",
            f"{shown} is not on any runtime's path under /opt{_hint(name, paths)}", shown))
    if len(others) > _MAX_LISTED:
        more_names = plural(len(others) - _MAX_LISTED, "more top-level name")
        verb = "is" if len(others) - _MAX_LISTED == 1 else "are"
        findings.append(Finding("warning", "layout", f"{more_names} {verb} on no runtime's path"))

    findings.extend(check_paths(paths, runtimes))
    findings.extend(_version_bound_folders(paths, runtimes, search_paths))
    findings.extend(check_archives(entries, runtimes))
    findings.extend(check_backslashes(entries))
    return findings


def _hint(name: str, paths: Sequence[str]) -> str:
    if name == "node_modules":
        return "; Node.js reads /opt/nodejs/node_modules, so add a nodejs/ folder above it"
    nested = [r for r in _LANGUAGE_ROOTS if any(p.startswith(f"{name}/{r}/") for p in paths)]
    if nested:
        return f"; it holds {nested[0]}/, so the zip was made one folder too high"
    return ""


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
        readable = {search_path(template, runtime_family(r)[1]) for r in declared}
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


__all__ = ["check_layout"]
