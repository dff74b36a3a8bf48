"""Which platform and machine a layer's native code is built for, read from its content.

x86_64 shared objects in an arm64-only layer (or the reverse) import fine on the build machine
and fail on Lambda with "wrong ELF class" or "cannot open shared object file"; a layer built
on a Mac (Mach-O) or on Windows (PE) fails the same way, because Lambda runs Linux. File names
lie (an extension-less ``bootstrap``, an executable in ``python/bin/``), so the head of every
member that may be native is read (``binformat``) and judged by what it is. Heads cost Range
reads, so candidates are capped (``MAX_MEMBERS``) and sampled evenly beyond the cap, which
the findings then say.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from layer_tui.aws.binformat import ELF_HEADER_BYTES, HEAD_BYTES, Binary, elf_architecture, identify
from layer_tui.aws.findings import Finding, ReadHead, layer_layout, plural
from layer_tui.aws.member_heads import MAX_MEMBERS, per_member, sample_evenly
from layer_tui.aws.zipformat import ZipEntry

MAX_ELF_READS = MAX_MEMBERS
LAMBDA_ARCHITECTURES = ("x86_64", "arm64")
_MAX_EXAMPLES = 3
#: A folder that names a platform (``prebuilds/darwin-arm64/``, ``@esbuild/linux-x64``): a
#: package that ships several builds and picks its own at load time.
_PLATFORM_FOLDER = re.compile(
    r"^(?:@[\w.-]+/)?[\w.-]*?(darwin|win32|windows|linux|linuxmusl|freebsd|android|sunos|"
    r"openbsd|aix)[-_](x64|x86_64|amd64|arm64|aarch64|ia32|x86|arm|armv\d\w*|ppc64|ppc64le|"
    r"s390x|riscv64|loong64|mips64el|universal)\b",
    re.IGNORECASE,
)
_VERSIONED_SO = re.compile(r"\.so(\.\d+)+$")
_PIP_PLATFORM = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
_NPM_CPU = {"x86_64": "x64", "arm64": "arm64"}


def is_symlink(entry: ZipEntry) -> bool:
    return entry.mode is not None and stat.S_ISLNK(entry.mode)


def is_executable(entry: ZipEntry) -> bool:
    return entry.mode is not None and bool(entry.mode & 0o111) and not is_symlink(entry)


@dataclass(frozen=True)
class _NativeSpec:
    """``layer_layout.json``'s ``native_code``: which members may be native."""

    suffixes: tuple[str, ...]
    versioned_so: bool
    folders: frozenset[str]
    names: frozenset[str]
    exec_bit: bool


@cache
def _spec() -> _NativeSpec:
    raw = layer_layout()["native_code"]
    return _NativeSpec(tuple(raw["suffixes"]), bool(raw.get("versioned_so")),
                       frozenset(raw["folders"]), frozenset(raw["names"]),
                       bool(raw.get("exec_bit")))


def _tier(entry: ZipEntry) -> int | None:
    """0 for what Lambda runs itself (bootstrap, bin/, extensions/), 1 for what a runtime
    loads by name, 2 for anything else merely executable; None when not a candidate."""
    if entry.is_dir or is_symlink(entry) or entry.size < 4:
        return None
    spec = _spec()
    parts = entry.path.split("/")
    name = parts[-1]
    if name in spec.names or (len(parts) > 1 and parts[0] in spec.folders):
        return 0
    lowered = name.lower()
    if lowered.endswith(spec.suffixes) or (spec.versioned_so and _VERSIONED_SO.search(lowered)):
        return 1
    if any(part in spec.folders for part in parts[:-1]):
        return 2
    if spec.exec_bit and is_executable(entry):
        return 2
    return None


def native_code_candidates(entries: Iterable[ZipEntry]) -> list[ZipEntry]:
    """Members that may be native code, most telling first, each tier in archive order."""
    tiers: list[list[ZipEntry]] = [[], [], []]
    for entry in entries:
        tier = _tier(entry)
        if tier is not None:
            tiers[tier].append(entry)
    return [e for tier in tiers for e in tier]


def choose_candidates(candidates: Sequence[ZipEntry], budget: int) -> list[ZipEntry]:
    """At most ``budget`` candidates: the first tier whole, the rest sampled evenly."""
    if len(candidates) <= budget:
        return list(candidates)
    first = [e for e in candidates if _tier(e) == 0][:budget]
    rest = [e for e in candidates if _tier(e) != 0]
    return first + sample_evenly(rest, budget - len(first))


@dataclass
class NativeScan:
    """What the heads of a layer's native candidates say."""

    candidates: int = 0
    read: int = 0
    binaries: dict[str, Binary] = field(default_factory=dict)
    heads: dict[str, bytes] = field(default_factory=dict)
    unreadable: int = 0


def scan_heads(
    candidates: Sequence[ZipEntry], chosen: Sequence[ZipEntry], heads: Mapping[str, bytes],
    unreadable: int,
) -> NativeScan:
    """Identify every head read; ``chosen`` are the candidates that were asked for."""
    scan = NativeScan(candidates=len(candidates), read=len(chosen), unreadable=unreadable)
    for entry in chosen:
        head = heads.get(entry.path)
        if head is None:
            continue
        scan.heads[entry.path] = head
        binary = identify(head)
        if binary is not None:
            scan.binaries[entry.path] = binary
    return scan


def _bundle(path: str) -> str | None:
    """The folder above a platform-named folder (``…/prebuilds/``), if the path has one."""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        scoped = f"{part}/{parts[index + 1]}" if part.startswith("@") else part
        if _PLATFORM_FOLDER.match(scoped) or _PLATFORM_FOLDER.match(part):
            return "/".join(parts[:index]) + "/"
    return None


def _rebuild_hint(paths: Sequence[str], architectures: Sequence[str]) -> str:
    arch = architectures[0] if architectures else "x86_64"
    node = any(p.endswith(".node") or p.startswith("nodejs/") for p in paths)
    python = any(p.startswith("python/") or p.endswith((".so", ".pyd")) for p in paths)
    hints = []
    if python or not node:
        hints.append(f"pip install --platform {_PIP_PLATFORM[arch]} --only-binary=:all: "
                     "--target python <package>")
    if node:
        hints.append(f"npm install --os=linux --cpu={_NPM_CPU[arch]} in nodejs/")
    return "rebuild on Linux, e.g. " + " or ".join(hints)


def _examples(paths: Sequence[str]) -> str:
    return ", ".join(paths[:_MAX_EXAMPLES]) + (", …" if len(paths) > _MAX_EXAMPLES else "")


def architecture_findings(scan: NativeScan, architectures: Sequence[str]) -> list[Finding]:
    """Mac and Windows builds, and Linux builds for a machine the layer is not declared for."""
    declared = [a for a in architectures if a in LAMBDA_ARCHITECTURES]
    runnable = declared or list(LAMBDA_ARCHITECTURES)
    good_bundles = {
        _bundle(p) for p, b in scan.binaries.items()
        if b.format == "ELF" and b.machine in runnable
    } - {None}
    riding: list[str] = []
    foreign: dict[str, list[str]] = {}  # "Mach-O arm64" -> paths
    elf: dict[str, list[str]] = {}
    for path, binary in sorted(scan.binaries.items()):
        if binary.format == "PE" and (binary.managed or _harmless_windows_file(path)):
            continue  # a .NET assembly runs on Linux; a stray launcher .exe is never run
        fits = binary.format == "ELF" and binary.machine in runnable
        if not fits and _bundle(path) in good_bundles:
            riding.append(path)
        elif binary.format == "ELF":
            elf.setdefault(binary.machine, []).append(path)
        else:
            foreign.setdefault(binary.label, []).append(path)

    findings: list[Finding] = []
    for label, paths in sorted(foreign.items()):
        where = "macOS" if label.startswith("Mach-O") else "Windows"
        findings.append(Finding(
            "error", "platform",
            f"{plural(len(paths), 'file')} built on {where} ({label}): Lambda runs Linux, so "
            f"{'it' if len(paths) == 1 else 'they'} cannot load there; "
            f"{_rebuild_hint(paths, declared)}: {_examples(paths)}",
            paths[0]))
    for arch, paths in sorted(elf.items()):
        what = plural(len(paths), f"{arch} binary", f"{arch} binaries")
        if arch not in LAMBDA_ARCHITECTURES:
            findings.append(Finding(
                "error", "architecture",
                f"{what}, which Lambda cannot run (it runs x86_64 and arm64): {_examples(paths)}",
                paths[0]))
        elif declared and arch not in declared:
            findings.append(Finding(
                "error", "architecture",
                f"{what} in a layer declared for {' and '.join(declared)} only; "
                f"{'it' if len(paths) == 1 else 'they'} will not load there: "
                f"{_examples(paths)}", paths[0]))
    lambda_found = [a for a in LAMBDA_ARCHITECTURES if a in elf]
    if not declared and lambda_found:
        findings.append(Finding(
            "info", "architecture",
            f"native code is built for {' and '.join(lambda_found)} but the layer declares no "
            "compatible architectures"))
    elif len(declared) > 1 and len(lambda_found) == 1:
        findings.append(Finding(
            "warning", "architecture",
            f"declared for {' and '.join(declared)}, but every binary checked is "
            f"{lambda_found[0]}"))
    if riding:
        findings.append(Finding(
            "info", "architecture",
            f"{plural(len(riding), 'binary', 'binaries')} for other platforms ship beside a "
            "Linux build the package picks at load time; they only take space: "
            f"{_examples(riding)}", riding[0]))
    if scan.candidates > scan.read:
        findings.append(Finding(
            "info", "architecture",
            f"sampled {scan.read} of {scan.candidates} native candidates (reads are capped); "
            "the others were not checked"))
    if scan.unreadable:
        findings.append(Finding(
            "info", "architecture",
            f"{plural(scan.unreadable, 'native candidate')} could not be read"))
    return findings


def _harmless_windows_file(path: str) -> bool:
    """setuptools' and distlib's launcher .exe files ship in Linux wheels and are never run."""
    return path.lower().endswith(".exe") and "/bin/" not in f"/{path}"


def check_architecture(
    entries: Sequence[ZipEntry],
    architectures: Sequence[str],
    read_head: ReadHead,
    *,
    max_reads: int = MAX_ELF_READS,
) -> list[Finding]:
    """Native code built for another platform or machine than the layer declares, read one
    member at a time (``run_checks`` reads heads in batches instead)."""
    candidates = native_code_candidates(entries)
    chosen = choose_candidates(candidates, max_reads)
    heads = per_member(read_head)(chosen, HEAD_BYTES)
    scan = scan_heads(candidates, chosen, heads.heads,
                      len(heads.unreadable) + len(heads.skipped))
    return architecture_findings(scan, architectures)


__all__ = [
    "ELF_HEADER_BYTES",
    "HEAD_BYTES",
    "LAMBDA_ARCHITECTURES",
    "MAX_ELF_READS",
    "NativeScan",
    "architecture_findings",
    "check_architecture",
    "choose_candidates",
    "elf_architecture",
    "is_executable",
    "is_symlink",
    "native_code_candidates",
    "scan_heads",
]
