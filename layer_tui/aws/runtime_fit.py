"""Whether each runtime a layer declares can use what is in it.

A layer declared for several runtimes must work for each: ``python/lib/python3.12/site-packages``
is read by python3.12 only, so a layer also declared for python3.13 gives 3.13 nothing; a
CPython extension tagged ``cpython-311`` imports on 3.11 only (``abi3`` on any); a build for
musl libc (Alpine) does not load on Lambda's glibc. Custom runtimes (``provided.*``) run
``/opt/bootstrap`` when the function has none: a root ``bootstrap`` is right there, and it must
be executable and either an ELF for the declared machine or a script starting ``#!``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from layer_tui.aws.binformat import identify
from layer_tui.aws.findings import Finding, layer_layout, plural
from layer_tui.aws.native import is_executable, is_symlink
from layer_tui.aws.zipformat import ZipEntry

_RUNTIME = re.compile(r"^(?P<family>[a-z]+?)(?P<version>\d+(?:\.\d+)*)?(?:\.x|\.al2\d*)?$")
#: ``_speedups.cpython-311-x86_64-linux-gnu.so``, ``x.cpython-313t-…so``, ``x.pypy310-pp73-…so``
_EXTENSION = re.compile(
    r"^(?P<module>[^./]+)\.(?:cpython-(?P<cp>\d)(?P<minor>\d+)(?P<t>t?)|(?P<pypy>pypy\d+)"
    r"-pp\d+)(?:-[^/]*)?\.so$"
)
_ABI3 = re.compile(r"^[^./]+\.abi3\.so$")
_VERSION_FOLDER = re.compile(r"^python/lib/python(?P<v>\d+\.\d+t?)/")
_MUSL_NAME = re.compile(r"-linux-musl|linuxmusl|[-_.]musl\b|musllinux", re.IGNORECASE)
_MAX_EXAMPLES = 3


def runtime_family(runtime: str) -> tuple[str, str]:
    """``python3.12`` → (python, 3.12), ``nodejs20.x`` → (nodejs, 20), ``go1.x`` → (go, 1)."""
    match = _RUNTIME.match(runtime)
    if match is None:
        return runtime, ""
    return match["family"], match["version"] or ""


def search_path(template: str, version: str) -> str:
    return template.format(version=version, major=version.split(".")[0])


def _examples(paths: Sequence[str]) -> str:
    return ", ".join(paths[:_MAX_EXAMPLES]) + (", …" if len(paths) > _MAX_EXAMPLES else "")


def _version_bound(path: str) -> str | None:
    match = _VERSION_FOLDER.match(path)
    return match["v"] if match else None


def reads(runtime: str, path: str) -> bool:
    """Whether ``runtime`` finds ``path`` on its search path under /opt."""
    family, version = runtime_family(runtime)
    templates = [p["path"] for p in layer_layout()["search_paths"] if p["family"] == family]
    if not any(path.startswith(search_path(t, version)) for t in templates):
        return False
    # python/ is on every Python's path, but python/lib/python3.12/… under it holds no
    # importable package for another version: only that version reads it.
    bound = _version_bound(path)
    return bound is None or (family == "python" and bound == version)


def check_paths(paths: Sequence[str], runtimes: Sequence[str]) -> list[Finding]:
    """Each declared runtime with nothing on its path in this layer."""
    search_paths: list[dict[str, Any]] = layer_layout()["search_paths"]
    findings: list[Finding] = []
    for runtime in runtimes:
        family, version = runtime_family(runtime)
        templates = [p["path"] for p in search_paths if p["family"] == family]
        if not templates or any(reads(runtime, p) for p in paths):
            continue
        wanted = [search_path(t, version) for t in templates]
        versions = {v for p in paths if (v := _version_bound(p))} if family == "python" else set()
        declared = {runtime_family(r)[1] for r in runtimes if runtime_family(r)[0] == family}
        if versions and not versions & declared:
            continue  # every such folder is read by no declared runtime: said once, per folder
        others = sorted(f"python/lib/python{v}/site-packages/" for v in versions)
        if others:
            findings.append(Finding(
                "warning", "layout",
                f"{runtime} reads none of this layer: its packages are under "
                f"{' and '.join(others)}, which only that Python version reads; move them to "
                f"python/ (read by every Python) or install them again under {wanted[1]}"))
        else:
            findings.append(Finding(
                "warning", "layout",
                f"declared for {runtime} but has nothing under {' or '.join(wanted)}: "
                f"{runtime} does not look anywhere else"))
    return findings


def check_extension_abi(paths: Sequence[str], runtimes: Sequence[str]) -> list[Finding]:
    """CPython extensions built for another Python than a declared python runtime."""
    pythons = [r for r in runtimes if runtime_family(r)[0] == "python"]
    modules: dict[str, set[str]] = {}  # folder/module -> tags ("3.11", "abi3", "any", "pypy…")
    for path in paths:
        folder, _, name = path.rpartition("/")
        match = _EXTENSION.match(name)
        if match:
            tag = match["pypy"] or f"{match['cp']}.{match['minor']}{match['t']}"
        elif _ABI3.match(name):
            tag = "abi3"
        elif name.endswith(".so") and "." not in name[:-3]:
            tag = "any"  # an untagged extension: importable by any version of its build
        else:
            continue
        modules.setdefault(f"{folder}/{name.split('.', 1)[0]}", set()).add(tag)
    findings: list[Finding] = []
    for runtime in pythons:
        version = runtime_family(runtime)[1]
        wrong: list[str] = []
        built_for: set[str] = set()
        for module, tags in sorted(modules.items()):
            if not reads(runtime, module) or tags & {version, "abi3", "any"}:
                continue
            wrong.append(module)
            built_for |= tags
        if wrong:
            shown = ", ".join(
                t if t.startswith("pypy") else f"CPython {t}" for t in sorted(built_for))
            findings.append(Finding(
                "error", "abi",
                f"{runtime} cannot import {plural(len(wrong), 'extension module')} built for "
                f"{shown}: {_examples(wrong)}; install them for {runtime}, e.g. pip install "
                f"--python-version {version} --only-binary=:all: --target python <package>",
                wrong[0]))
    return findings


def _musl_rides_with_glibc(path: str, paths: set[str]) -> bool:
    """npm installs ``…-linux-x64-musl`` beside ``…-linux-x64-gnu``; the package loads gnu."""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if "musl" in part.lower():
            sibling = "/".join([*parts[:index], part.lower().replace("musl", "gnu")]) + "/"
            return any(p.startswith(sibling) for p in paths)
    return False


def check_musl(entries: Sequence[ZipEntry], heads: Mapping[str, bytes]) -> list[Finding]:
    """Builds for musl libc, by name, by a wheel's platform tag and by ELF interpreter."""
    paths = {e.path for e in entries}
    musl: list[str] = []
    for entry in entries:
        if entry.is_dir:
            continue
        head = heads.get(entry.path, b"")
        if entry.path.endswith(".dist-info/WHEEL"):
            if b"musllinux" in head:
                musl.append(entry.path)
            continue
        binary = identify(head) if head else None
        by_interpreter = binary is not None and "ld-musl" in (binary.interpreter or "")
        native = entry.path.endswith((".so", ".node")) or binary is not None
        by_name = native and _MUSL_NAME.search(entry.path) is not None
        if (by_interpreter or by_name) and not _musl_rides_with_glibc(entry.path, paths):
            musl.append(entry.path)
    if not musl:
        return []
    return [Finding(
        "error", "platform",
        f"{plural(len(musl), 'file')} built for musl libc (Alpine): Lambda's Linux uses glibc, "
        f"so {'it' if len(musl) == 1 else 'they'} will not load; install the manylinux "
        "(glibc) build instead, e.g. pip install "
        "--platform manylinux2014_x86_64 --only-binary=:all: (npm: install on a glibc system): "
        f"{_examples(musl)}", musl[0])]


def check_bootstrap(
    entries: Sequence[ZipEntry], runtimes: Sequence[str], heads: Mapping[str, bytes]
) -> list[Finding]:
    """A root ``bootstrap`` and ``extensions/`` files must be executable by Lambda."""
    findings: list[Finding] = []
    for entry in entries:
        if entry.is_dir or is_symlink(entry):
            continue
        if entry.path == "bootstrap":
            findings += _bootstrap(entry, heads.get(entry.path))
        elif (entry.path.startswith("extensions/") and entry.path.count("/") == 1
              and entry.mode is not None and not is_executable(entry)):
            findings.append(Finding(
                    "error", "bootstrap",
                    f"{entry.path} has no exec bit (mode {entry.mode & 0o777:04o}): Lambda "
                    "cannot start the extension; chmod 755 it before zipping", entry.path))
    custom = [r for r in runtimes if r.startswith("provided")]
    if any(e.path == "bootstrap" for e in entries) and runtimes and not custom:
        findings.append(Finding(
            "warning", "layout",
            "bootstrap at the root is run only by custom runtimes (provided.*); this layer "
            f"is declared for {', '.join(runtimes)}", "bootstrap"))
    return findings


def _bootstrap(entry: ZipEntry, head: bytes | None) -> list[Finding]:
    findings: list[Finding] = []
    if entry.mode is None:
        findings.append(Finding(
            "warning", "bootstrap",
            "bootstrap carries no Unix permissions (the zip was made on Windows?), so Lambda "
            "extracts it without an exec bit (Runtime.InvalidEntrypoint); zip it on Linux "
            "after chmod 755 bootstrap", "bootstrap"))
    elif not is_executable(entry):
        findings.append(Finding(
            "error", "bootstrap",
            f"bootstrap has no exec bit (mode {entry.mode & 0o777:04o}): Lambda fails with "
            "Runtime.InvalidEntrypoint (permission denied); chmod 755 bootstrap before zipping",
            "bootstrap"))
    if head is None:
        return findings
    if head.startswith(b"#!"):
        first = head.split(b"\n", 1)[0]
        if first.endswith(b"\r"):
            findings.append(Finding(
                "error", "bootstrap",
                "bootstrap's #! line ends in a Windows line ending (CRLF): Linux looks for an "
                "interpreter whose name ends in \\r and fails; convert it with dos2unix",
                "bootstrap"))
    elif identify(head) is None:
        findings.append(Finding(
            "error", "bootstrap",
            "bootstrap is neither an ELF executable nor a script starting with #!: Lambda "
            "cannot run it (exec format error)", "bootstrap"))
    return findings


__all__ = [
    "check_bootstrap",
    "check_extension_abi",
    "check_musl",
    "check_paths",
    "reads",
    "runtime_family",
    "search_path",
]
