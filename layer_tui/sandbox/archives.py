"""Layer zips that look like the real thing, built in memory, byte-for-byte deterministic.

Fixed timestamps and seeded filler make every build of the same layer produce the same bytes,
so CodeSha256 is stable across runs and snapshots.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
from dataclasses import dataclass

#: Every entry's modification time (zip stores local time with two-second precision).
ENTRY_TIME = (2026, 10, 1, 12, 0, 0)

#: ELF e_machine values: what a Lambda architecture can load.
ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}
_ELF_DYN = 3  # shared object
_ELF_EXEC = 2  # executable


def elf_image(architecture: str, *, executable: bool, size: int, seed: int) -> bytes:
    """A 64-bit little-endian ELF header for ``architecture`` followed by seeded filler."""
    header = struct.pack(
        "<4sBBBBB7sHHIQQQIHHHHHH",
        b"\x7fELF",
        2,  # ELFCLASS64
        1,  # little endian
        1,  # EV_CURRENT
        0,  # System V ABI
        0,
        b"\0" * 7,
        _ELF_EXEC if executable else _ELF_DYN,
        ELF_MACHINE[architecture],
        1,
        0x401000 if executable else 0,
        64,  # program headers right after this header
        0,
        0,
        64,
        56,
        0,
        64,
        0,
        0,
    )
    filler = random.Random(seed).randbytes(max(0, size - len(header)) // 4)
    # A quarter random, the rest repeated: compresses roughly like real machine code.
    return header + (filler * 4)[: max(0, size - len(header))]


@dataclass
class ArchiveBuilder:
    """Collects files and writes one deterministic zip."""

    compression: int = zipfile.ZIP_DEFLATED

    def __post_init__(self) -> None:
        self._entries: list[tuple[str, bytes, bool]] = []

    def add(self, path: str, data: bytes | str, *, executable: bool = False) -> ArchiveBuilder:
        payload = data.encode() if isinstance(data, str) else data
        self._entries.append((path, payload, executable))
        return self

    def build(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", self.compression) as archive:
            for path, payload, executable in self._entries:
                info = zipfile.ZipInfo(path, date_time=ENTRY_TIME)
                info.compress_type = self.compression
                info.create_system = 3  # Unix, so the mode bits below mean something
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                archive.writestr(info, payload)
        return buffer.getvalue()


def python_package(
    builder: ArchiveBuilder,
    root: str,
    distribution: str,
    version: str,
    modules: tuple[str, ...],
    summary: str,
) -> None:
    """A package and its ``.dist-info`` under ``root`` (a site-packages directory)."""
    package = distribution.lower().replace("-", "_")
    for module in modules:
        builder.add(
            f"{root}/{package}/{module}.py",
            f'"""{distribution} {version}: {module}."""\n\n'
            + "".join(f"def {module}_{n}(value):\n    return value\n\n" for n in range(12)),
        )
    dist_info = f"{root}/{package}-{version}.dist-info"
    builder.add(
        f"{dist_info}/METADATA",
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n"
        f"Summary: {summary}\nRequires-Python: >=3.8\n",
    )
    builder.add(
        f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: true\n"
    )
    builder.add(f"{dist_info}/top_level.txt", f"{package}\n")
    record = "".join(f"{package}/{module}.py,,\n" for module in modules)
    builder.add(f"{dist_info}/RECORD", record + f"{package}-{version}.dist-info/METADATA,,\n")


def node_package(builder: ArchiveBuilder, root: str, name: str, version: str) -> None:
    """A package under ``root`` (a node_modules directory) with its package.json."""
    builder.add(
        f"{root}/{name}/package.json",
        f'{{\n  "name": "{name}",\n  "version": "{version}",\n  "main": "index.js",\n'
        f'  "license": "MIT"\n}}\n',
    )
    builder.add(
        f"{root}/{name}/index.js",
        "'use strict';\n" + "".join(f"exports.f{n} = (x) => x + {n};\n" for n in range(40)),
    )
    builder.add(f"{root}/{name}/README.md", f"# {name}\n\nVersion {version}.\n")


@functools.cache
def incompressible_archive(size: int, seed: int) -> bytes:
    """A zip of about ``size`` bytes of model weights, stored (weights do not compress).

    Built once per process: the demo's big layer must not cost its start-up time twice.
    A few MB of seeded random bytes are rotated into each file, which no deflate window
    (32 KB) can find repeats in, at a fraction of the cost of ``randbytes(size)``.
    """
    block = random.Random(seed).randbytes(4 * 1024 * 1024)
    builder = ArchiveBuilder(compression=zipfile.ZIP_STORED)
    root = "python/lib/python3.12/site-packages"
    python_package(builder, root, "sentiment-model", "3.1.0", ("model", "tokenizer"), "Weights")
    remaining = size
    part = 0
    while remaining > 0:
        length = min(remaining, 16 * 1024 * 1024)
        rotation = (part * 977_791) % len(block)
        rotated = block[rotation:] + block[:rotation]
        data = (rotated * (length // len(rotated) + 1))[:length]
        builder.add(f"{root}/sentiment_model/weights/shard-{part:02d}.bin", data)
        remaining -= length
        part += 1
    return builder.build()
