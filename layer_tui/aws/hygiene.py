"""Archive hygiene: what a zip tool or a copy step did that Lambda will not undo.

Lambda extracts a layer once into /opt: archives inside it stay packed (a wheel copied in
unopened is never imported); symlinks are extracted as they are, so one pointing at the build
machine's ``/home/runner/…`` dangles; and names written with backslashes (old Windows zip
tools) become single files named ``python\\geo\\x.py`` instead of folders.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from layer_tui.aws.findings import Finding, layer_layout, plural
from layer_tui.aws.native import is_symlink
from layer_tui.aws.runtime_fit import runtime_family, search_path
from layer_tui.aws.zipformat import ZipEntry

_MAX_LISTED = 5
#: Symlink targets read at most (each is a few bytes; the budget is the member count).
MAX_SYMLINKS = 100

_ARCHIVE_ADVICE = {
    ".whl": "a wheel copied in unopened: Python never imports from a .whl; install it "
            "instead (pip install --target python <file>)",
    ".egg": "an egg copied in unopened: nothing puts it on sys.path; install the package "
            "unpacked (pip install --target python <package>)",
    ".gem": "a gem copied in unopened: Ruby loads gems unpacked from ruby/gems/X.Y.0/; "
            "gem install --install-dir ruby/gems/3.3.0 <file>",
    ".jar": "a jar on no classpath: Java reads jars from java/lib/ only",
}
_ARCHIVE_DEFAULT = ("an archive inside the zip: Lambda extracts the layer once and never "
                    "unpacks archives inside it; unpack it into the folder the runtime reads")
_ZIP_ADVICE = ("a zip inside the zip: Lambda extracts the layer once and never unpacks "
               "archives inside it")


def _expected_folders() -> set[str]:
    """Folders where a runtime expects unpacked files: the roots and the search paths."""
    folders = {""}
    for spec in layer_layout()["search_paths"]:
        template: str = spec["path"]
        folders.add(template.split("/", 1)[0] + "/")
        if "{" not in template:
            folders.add(template)
    return folders


def _in_expected_folder(path: str, runtimes: Sequence[str]) -> bool:
    folder = posixpath.dirname(path)
    folder = f"{folder}/" if folder else ""
    expected = _expected_folders()
    if folder in expected or not any(path.startswith(r) for r in expected if r):
        return True  # a search path itself, or somewhere no runtime looks at all
    # The version-bound paths (python/lib/python3.12/site-packages/, nodejs/node20/…).
    for spec in layer_layout()["search_paths"]:
        template: str = spec["path"]
        if "{" in template and any(
            folder == search_path(template, runtime_family(r)[1]) for r in runtimes
        ):
            return True
    return folder.startswith("python/lib/python") and folder.endswith("/site-packages/")


def check_archives(entries: Sequence[ZipEntry], runtimes: Sequence[str]) -> list[Finding]:
    """Archives Lambda never unpacks, where a runtime expects unpacked files.

    Inside a package an archive is often data the package reads itself (python-dateutil's
    zoneinfo tarball), so only the zip root and the search-path folders themselves count.
    """
    spec: dict[str, Any] = layer_layout()["archives"]
    suffixes = tuple(spec["suffixes"])
    correct = tuple(spec["correct"])
    found: list[tuple[str, str]] = []
    for entry in entries:
        lowered = entry.path.lower()
        if entry.is_dir or not lowered.endswith(suffixes) or "\\" in entry.path:
            continue
        if lowered.endswith(".jar") and entry.path.startswith(correct):
            continue
        if not _in_expected_folder(entry.path, runtimes):
            continue
        suffix = next(s for s in suffixes if lowered.endswith(s))
        advice = _ZIP_ADVICE if suffix == ".zip" else _ARCHIVE_ADVICE.get(suffix, _ARCHIVE_DEFAULT)
        found.append((entry.path, advice))
    findings = [Finding("warning", "layout", f"{path} is {advice}", path)
                for path, advice in found[:_MAX_LISTED]]
    if len(found) > _MAX_LISTED:
        more = len(found) - _MAX_LISTED
        findings.append(Finding("warning", "layout",
                                f"{plural(more, 'more archive')} inside the zip"))
    return findings


def check_backslashes(entries: Sequence[ZipEntry]) -> list[Finding]:
    """One finding naming the cause, however many names it spoils."""
    bad = [e.path for e in entries if "\\" in e.path]
    if not bad:
        return []
    return [Finding(
        "warning", "layout",
        f"{plural(len(bad), 'name')} use backslashes as folder separators (e.g. {bad[0]}): "
        "the zip was made by a Windows tool that writes them (Compress-Archive before "
        "PowerShell 7, .NET before 4.6.1); Lambda extracts each as one file whose name holds "
        "backslashes, so none is on a runtime's path; zip again with a tool that writes "
        "forward slashes (7-Zip, PowerShell 7, python -m zipfile -c)", bad[0])]


def symlink_entries(entries: Sequence[ZipEntry]) -> list[ZipEntry]:
    return [e for e in entries if is_symlink(e)][:MAX_SYMLINKS]


def check_symlinks(entries: Sequence[ZipEntry], heads: Mapping[str, bytes]) -> list[Finding]:
    """Symlinks that are absolute, leave the layer, or point at nothing in it."""
    present: set[str] = set()
    for entry in entries:
        path = entry.path.rstrip("/")
        present.add(path)
        parts = path.split("/")
        present.update("/".join(parts[:i]) for i in range(1, len(parts)))
    problems: list[Finding] = []
    links = [e for e in entries if is_symlink(e)]
    for entry in links[:MAX_SYMLINKS]:
        raw = heads.get(entry.path)
        if raw is None:
            continue
        target = raw.decode("utf-8", "replace")
        why = _symlink_problem(entry.path, target, present)
        if why:
            problems.append(Finding("warning", "symlink", f"{entry.path} → {target} {why}",
                                    entry.path))
    findings = problems[:_MAX_LISTED]
    if len(problems) > _MAX_LISTED:
        more = len(problems) - _MAX_LISTED
        findings.append(Finding("warning", "symlink", f"{plural(more, 'more broken symlink')}"))
    if len(links) > MAX_SYMLINKS:
        findings.append(Finding("info", "symlink",
                                f"checked {MAX_SYMLINKS} of {len(links)} symlinks"))
    return findings


def _symlink_problem(path: str, target: str, present: set[str]) -> str | None:
    if target.startswith("/"):
        if target.startswith("/opt/") and posixpath.normpath(target)[5:] in present:
            return None
        if target.startswith("/opt/"):
            return ("points outside this layer: it works only if another layer puts that "
                    "file in /opt")
        return ("is absolute and points outside /opt: it was made on the build machine "
                "and dangles on Lambda; make it relative or copy the file in")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if resolved == ".." or resolved.startswith("../"):
        return "leaves the layer: it points above /opt"
    if resolved not in present:
        return "dangles: nothing in the layer has that name"
    return None


__all__ = [
    "MAX_SYMLINKS",
    "check_archives",
    "check_backslashes",
    "check_symlinks",
    "symlink_entries",
]
