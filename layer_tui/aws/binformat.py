"""What kind of executable a file is, from its first bytes: ELF, Mach-O (thin or fat) or PE.

Pure functions over bytes. A layer built on a Mac (Mach-O) or on Windows (PE) imports fine
where it was built and fails on Lambda, which runs Linux; an ELF for the wrong machine fails
the same way. Every format says its machine within the first few hundred bytes: ELF at offset
18, Mach-O at 4 (a fat file lists one machine per slice right after its 8-byte header), PE in
the COFF header that ``e_lfanew`` (offset 0x3C) points at, usually within the first 512 bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: Enough for the machine of all three formats, a fat Mach-O's slices, and, for most ELF
#: executables, the program headers and the PT_INTERP string that names the C library.
HEAD_BYTES = 1024
ELF_HEADER_BYTES = 20

# e_machine values (System V gABI); the 64-bit name is used when EI_CLASS says 64-bit.
_ELF_MACHINES: dict[int, tuple[str, str]] = {
    0x02: ("sparc", "sparc64"),
    0x03: ("i386", "i386"),
    0x08: ("mips", "mips64"),
    0x14: ("ppc", "ppc"),
    0x15: ("ppc64", "ppc64"),
    0x16: ("s390", "s390x"),
    0x28: ("arm (32-bit)", "arm (32-bit)"),
    0x2B: ("sparcv9", "sparcv9"),
    0x32: ("ia64", "ia64"),
    0x3E: ("x86_64", "x86_64"),
    0xB7: ("arm64", "arm64"),
    0xF3: ("riscv32", "riscv64"),
    0x102: ("loongarch32", "loongarch64"),
}
_PT_INTERP = 3

# Mach-O cputype (mach/machine.h): CPU_ARCH_ABI64 = 0x01000000, ABI64_32 = 0x02000000.
_MACHO_CPUS = {
    7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 0x0200000C: "arm64_32",
    18: "ppc", 0x01000012: "ppc64",
}
_MACHO_THIN = {
    b"\xfe\xed\xfa\xce": ">", b"\xce\xfa\xed\xfe": "<",  # 32-bit
    b"\xfe\xed\xfa\xcf": ">", b"\xcf\xfa\xed\xfe": "<",  # 64-bit
}
_FAT_MAGIC, _FAT_MAGIC_64 = b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"
#: A Java class file also starts 0xCAFEBABE; its next word (the class version, >= 45) is
#: what a fat header would call its slice count, so a real fat file has far fewer slices.
_FAT_MAX_SLICES = 30

# IMAGE_FILE_MACHINE_* (winnt.h)
_PE_MACHINES = {0x014C: "i386", 0x8664: "x86_64", 0xAA64: "arm64", 0x01C4: "arm (32-bit)",
                0x0200: "ia64", 0xA641: "arm64ec"}


@dataclass(frozen=True)
class Binary:
    """An executable's format and the machines it is built for."""

    format: str  # "ELF", "Mach-O", "PE"
    machines: tuple[str, ...]
    #: ELF only: the program interpreter (PT_INTERP) when the head holds it.
    interpreter: str | None = None
    #: PE only: a .NET assembly (it has a CLR header), which runs wherever .NET does.
    managed: bool = False

    @property
    def machine(self) -> str:
        return self.machines[0] if self.machines else "unknown"

    @property
    def label(self) -> str:
        """``Mach-O arm64``, ``Mach-O universal x86_64+arm64``, ``PE x86_64``."""
        if self.format == "Mach-O" and len(self.machines) > 1:
            return f"Mach-O universal {'+'.join(self.machines)}"
        return f"{self.format} {'+'.join(self.machines) or 'unknown machine'}"


def identify(head: bytes) -> Binary | None:
    """The executable format of a file from its first bytes; None when it is none of them."""
    if head.startswith(b"\x7fELF"):
        return _elf(head)
    if head[:4] in _MACHO_THIN:
        return _macho_thin(head)
    if head[:4] in (_FAT_MAGIC, _FAT_MAGIC_64):
        return _macho_fat(head)
    if head.startswith(b"MZ"):
        return _pe(head)
    return None


def elf_architecture(header: bytes) -> str | None:
    """The machine an ELF file is built for, from its first 20 bytes; None if not ELF."""
    found = _elf(header) if header.startswith(b"\x7fELF") else None
    return found.machine if found is not None else None


def _elf(head: bytes) -> Binary | None:
    if len(head) < ELF_HEADER_BYTES:
        return None
    is64 = head[4] == 2  # EI_CLASS: 1 = 32-bit, 2 = 64-bit
    big = head[5] == 2  # EI_DATA: 1 = little-endian, 2 = big-endian
    order = ">" if big else "<"
    (machine,) = struct.unpack_from(f"{order}H", head, 18)
    names = _ELF_MACHINES.get(machine)
    if names is None:
        name = f"machine 0x{machine:x}"
    else:
        name = names[1] if is64 else names[0]
        if name == "ppc64" and not big:
            name = "ppc64le"
    return Binary("ELF", (name,), _elf_interpreter(head, order, is64))


def _elf_interpreter(head: bytes, order: str, is64: bool) -> str | None:
    """PT_INTERP's path (``/lib/ld-musl-x86_64.so.1``) if the head reaches it."""
    try:
        if is64:
            (phoff,) = struct.unpack_from(f"{order}Q", head, 0x20)
            phentsize, phnum = struct.unpack_from(f"{order}HH", head, 0x36)
        else:
            (phoff,) = struct.unpack_from(f"{order}I", head, 0x1C)
            phentsize, phnum = struct.unpack_from(f"{order}HH", head, 0x2A)
        for index in range(min(phnum, 64)):
            at = phoff + index * phentsize
            (kind,) = struct.unpack_from(f"{order}I", head, at)
            if kind != _PT_INTERP:
                continue
            if is64:
                (offset,) = struct.unpack_from(f"{order}Q", head, at + 8)
                (size,) = struct.unpack_from(f"{order}Q", head, at + 32)
            else:
                offset, _, _, size = struct.unpack_from(f"{order}IIII", head, at + 4)
            if offset + size > len(head):
                return None
            return head[offset : offset + size].rstrip(b"\0").decode("ascii", "replace")
    except struct.error:  # the head ends before the program headers do
        return None
    return None


def _macho_thin(head: bytes) -> Binary | None:
    if len(head) < 8:
        return None
    (cpu,) = struct.unpack_from(f"{_MACHO_THIN[head[:4]]}i", head, 4)
    return Binary("Mach-O", (_macho_cpu(cpu),))


def _macho_fat(head: bytes) -> Binary | None:
    if len(head) < 8:
        return None
    (count,) = struct.unpack_from(">I", head, 4)
    if count == 0 or count > _FAT_MAX_SLICES:
        return None  # most likely a Java class file
    step = 32 if head[:4] == _FAT_MAGIC_64 else 20
    machines: list[str] = []
    for index in range(count):
        at = 8 + index * step
        if at + 4 > len(head):
            break
        (cpu,) = struct.unpack_from(">i", head, at)
        machines.append(_macho_cpu(cpu))
    return Binary("Mach-O", tuple(machines))


def _macho_cpu(cpu: int) -> str:
    return _MACHO_CPUS.get(cpu & 0xFFFFFFFF, f"cputype 0x{cpu & 0xFFFFFFFF:x}")


def _pe(head: bytes) -> Binary | None:
    if len(head) < 0x40:
        return None
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    if offset + 6 > len(head):
        # The PE header lies past the head read: a Windows file of a machine not known.
        return Binary("PE", ()) if offset < 0x10000 else None
    if head[offset : offset + 4] != b"PE\0\0":
        return None  # "MZ" and something else: not a Windows executable
    (machine,) = struct.unpack_from("<H", head, offset + 4)
    name = _PE_MACHINES.get(machine, f"machine 0x{machine:x}")
    return Binary("PE", (name,), managed=_pe_managed(head, offset + 24))


def _pe_managed(head: bytes, optional: int) -> bool:
    """Whether the optional header's CLR runtime directory (entry 14) is present."""
    try:
        (magic,) = struct.unpack_from("<H", head, optional)
        directories = optional + (96 if magic == 0x10B else 112)
        _, size = struct.unpack_from("<II", head, directories + 14 * 8)
    except struct.error:
        return False
    return bool(size > 0)


__all__ = ["ELF_HEADER_BYTES", "HEAD_BYTES", "Binary", "elf_architecture", "identify"]
