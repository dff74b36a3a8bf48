"""The parts of the zip format that stdlib ``zipfile`` does not give a Range reader (APPNOTE 6.3.x).

Pure functions over bytes, no I/O. The central directory is parsed by ``zipfile`` (over
``range_file.RangeFile``, see ``contents``); what stays here is what it lacks: finding the end
record whose comment length fits (``zipfile`` takes the last signature, even one inside a
comment), a member's data offset from its local header, and decoding a member (or only its
head) from bytes fetched in one request, which ``zipfile``'s streaming reader cannot do.
"""

from __future__ import annotations

import functools
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# End of central directory: sig, disk, cd disk, entries here, entries total, cd size,
# cd offset, comment length.
EOCD = struct.Struct("<IHHHHIIH")
EOCD_SIG = 0x06054B50
#: The EOCD sits in the last 22 + 65,535 (longest comment) bytes: one tail read of this size
#: always finds it.
EOCD_SEARCH_SPAN = EOCD.size + 0xFFFF

# Local file header, 30 bytes: sig, needed, flags, method, time, date, crc, compressed,
# uncompressed, name len, extra len.
LOCAL = struct.Struct("<IHHHHHIIIHH")
LOCAL_SIG = 0x04034B50
LOCAL_MAGIC = b"PK\x03\x04"

FLAG_ENCRYPTED = 0x0001
METHOD_STORED = 0
METHOD_DEFLATED = 8
UNIX_CREATOR = 3
_EPOCH_1980 = datetime(1980, 1, 1)


class ZipFormatError(ValueError):
    """The bytes are not what the zip format says they must be."""


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One central directory record: what a member is, without its bytes.

    ``slots`` keeps 50,000 of these at a few hundred bytes each.
    """

    path: str
    size: int
    compressed_size: int
    crc32: int
    method: int
    modified: datetime
    is_dir: bool
    #: Absolute offset of the member's local header in the object (prefix bytes included).
    header_offset: int
    flags: int = 0
    external_attr: int = 0
    #: Unix st_mode when the archive was made on Unix, else None.
    mode: int | None = None

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & FLAG_ENCRYPTED)

    def to_json(self) -> dict[str, Any]:
        """The entry shape of PRODUCT.md's ``inspect --json``."""
        return {
            "path": self.path,
            "size": self.size,
            "compressed_size": self.compressed_size,
            "crc32": f"{self.crc32:08x}",
            "is_dir": self.is_dir,
        }


@dataclass(frozen=True, slots=True)
class EndRecord:
    """The classic EOCD as found in a tail buffer."""

    position: int  # absolute
    entry_count: int
    cd_size: int
    cd_offset: int


def find_end_record(tail: bytes, tail_start: int) -> EndRecord | None:
    """The last EOCD in ``tail`` whose comment length is consistent with where it sits.

    A comment may itself contain ``PK\\x05\\x06``, so candidates are tried from the end and
    the first whose comment fits is taken (as zipfile and Info-ZIP do).
    """
    end = len(tail)
    search_to = end
    fallback: EndRecord | None = None
    while True:
        pos = tail.rfind(b"PK\x05\x06", 0, search_to)
        if pos < 0 or end - pos < EOCD.size:
            if pos < 0:
                return fallback
            search_to = pos
            continue
        (_, _, _, _, total, cd_size, cd_offset, comment_len) = EOCD.unpack_from(tail, pos)
        record = EndRecord(tail_start + pos, total, cd_size, cd_offset)
        if pos + EOCD.size + comment_len == end:
            return record
        if fallback is None and pos + EOCD.size + comment_len < end:
            fallback = record  # trailing bytes after the comment: accept if nothing better
        search_to = pos


def local_data_offset(header: bytes) -> int:
    """How far past the local header's start the member's data begins.

    The local extra field often differs in length from the central one (zip64 sizes, or
    timestamps that only one of them carries), so this must come from the local header.
    """
    if len(header) < LOCAL.size:
        raise ZipFormatError("local header is cut short")
    fields = LOCAL.unpack_from(header)
    if fields[0] != LOCAL_SIG:
        raise ZipFormatError("no local file header where the central directory points")
    name_len, extra_len = fields[9], fields[10]
    return int(LOCAL.size + name_len + extra_len)


def inflate(
    compressed: bytes, method: int, want: int, *, expect_crc: int | None = None
) -> bytes:
    """Up to ``want`` bytes of a member's content from its compressed bytes.

    ``expect_crc`` is checked only when the whole member was decoded.
    """
    if method == METHOD_STORED:
        data = compressed[:want]
    elif method == METHOD_DEFLATED:
        try:
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(compressed, want)
        except zlib.error as exc:
            raise ZipFormatError(f"deflate stream is corrupt: {exc}") from exc
    else:
        raise ZipFormatError(f"compression method {method} is not supported (only stored, deflate)")
    if expect_crc is not None and zlib.crc32(data) != expect_crc:
        raise ZipFormatError("CRC-32 of the member does not match the central directory")
    return data


def entry_from_info(info: zipfile.ZipInfo) -> ZipEntry:
    """The entry ``zipfile`` read from the central directory, in the shape callers use."""
    return ZipEntry(
        path=info.filename,
        size=info.file_size,
        compressed_size=info.compress_size,
        crc32=info.CRC,
        method=info.compress_type,
        modified=_modified(info.date_time),
        # Not ``is_dir()``: it indexes the name's last character, and a name may be empty.
        is_dir=info.filename.endswith("/"),
        header_offset=info.header_offset,
        flags=info.flag_bits,
        external_attr=info.external_attr,
        mode=(info.external_attr >> 16) if info.create_system == UNIX_CREATOR else None,
    )


@functools.lru_cache(maxsize=4096)
def _modified(parts: tuple[int, int, int, int, int, int]) -> datetime:
    """zip stores local time, no zone; zeros or garbage become 1980-01-01, and DOS's
    two-second field (up to 62) is held to 59, as Info-ZIP shows it. Cached: the members of
    one archive mostly share a few timestamps, and 70,000 datetimes cost a third of a listing.
    """
    year, month, day, hour, minute, second = parts
    try:
        return datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return _EPOCH_1980


__all__ = [
    "EOCD_SEARCH_SPAN",
    "EndRecord",
    "ZipEntry",
    "ZipFormatError",
    "entry_from_info",
    "find_end_record",
    "inflate",
    "local_data_offset",
]
