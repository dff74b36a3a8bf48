"""Which machine a layer's native code is built for, from ELF headers read by Range.

x86_64 shared objects in an arm64-only layer (or the reverse) import fine on the build machine
and fail on Lambda with "wrong ELF class" or "cannot open shared object file". The first 20
bytes of a file are enough to tell (e_machine at offset 18), and each costs one small Range GET,
so the number of reads is capped and the largest candidates go first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from layer_tui.aws.findings import Finding, ReadHead, layer_layout
from layer_tui.aws.zipformat import ZipEntry

MAX_ELF_READS = 64
ELF_HEADER_BYTES = 20
_ELF_MACHINES = {0x3E: "x86_64", 0xB7: "arm64", 0x03: "x86 (32-bit)", 0x28: "arm (32-bit)"}
_LAMBDA_ARCHITECTURES = ("x86_64", "arm64")


def elf_architecture(header: bytes) -> str | None:
    """The machine an ELF file is built for, from its first 20 bytes; None if not ELF."""
    if len(header) < ELF_HEADER_BYTES or not header.startswith(b"\x7fELF"):
        return None
    # e_ident[EI_DATA] (offset 5): 1 little-endian, 2 big-endian; e_machine is at 18.
    machine = int.from_bytes(header[18:20], "big" if header[5] == 2 else "little")
    return _ELF_MACHINES.get(machine, f"machine 0x{machine:x}")


def native_code_candidates(entries: Iterable[ZipEntry]) -> list[ZipEntry]:
    """Files likely to be ELF binaries (shared objects, node addons, bin/ and extensions/),
    largest first: real binaries are big, shell wrappers are small."""
    spec = layer_layout()["native_code"]
    suffixes = tuple(spec["suffixes"])
    under = tuple(spec["under"])
    versioned = re.compile(r"\.so(\.\d+)+$") if spec.get("versioned_so") else None
    chosen = [
        e
        for e in entries
        if not e.is_dir
        and e.size >= ELF_HEADER_BYTES
        and (
            e.path.endswith(suffixes)
            or e.path.startswith(under)
            or (versioned is not None and versioned.search(e.path) is not None)
        )
    ]
    return sorted(chosen, key=lambda e: e.size, reverse=True)


def check_architecture(
    entries: Sequence[ZipEntry],
    architectures: Sequence[str],
    read_head: ReadHead,
    *,
    max_reads: int = MAX_ELF_READS,
) -> list[Finding]:
    """Native code built for an architecture the layer does not declare (or the reverse)."""
    candidates = native_code_candidates(entries)
    found: dict[str, list[str]] = {}
    unreadable = 0
    for entry in candidates[:max_reads]:
        try:
            arch = elf_architecture(read_head(entry, ELF_HEADER_BYTES))
        except Exception:  # a damaged member must not hide the other findings
            unreadable += 1
            continue
        if arch is not None:
            found.setdefault(arch, []).append(entry.path)

    findings: list[Finding] = []
    declared = [a for a in architectures if a in _LAMBDA_ARCHITECTURES]
    for arch, paths in sorted(found.items()):
        example = ", ".join(paths[:3])
        if arch not in _LAMBDA_ARCHITECTURES:
            findings.append(
                Finding("warning", "architecture",
                        f"{len(paths)} binaries are {arch}, which Lambda cannot run: {example}",
                        paths[0])
            )
        elif declared and arch not in declared:
            findings.append(
                Finding("error", "architecture",
                        f"{len(paths)} {arch} binaries in a layer declared for "
                        f"{' and '.join(declared)} only; they will not load there: {example}",
                        paths[0])
            )
    lambda_found = [a for a in _LAMBDA_ARCHITECTURES if a in found]
    if not declared and lambda_found:
        findings.append(
            Finding("info", "architecture",
                    f"native code is built for {' and '.join(lambda_found)} but the layer "
                    "declares no compatible architectures")
        )
    elif len(declared) > 1 and len(lambda_found) == 1:
        findings.append(
            Finding("warning", "architecture",
                    f"declared for {' and '.join(declared)}, but every binary checked is "
                    f"{lambda_found[0]}")
        )
    if len(candidates) > max_reads:
        findings.append(
            Finding("info", "architecture",
                    f"checked the {max_reads} largest of {len(candidates)} native files")
        )
    if unreadable:
        findings.append(
            Finding("info", "architecture", f"{unreadable} native files could not be read")
        )
    return findings


__all__ = [
    "ELF_HEADER_BYTES",
    "MAX_ELF_READS",
    "check_architecture",
    "elf_architecture",
    "native_code_candidates",
]
