"""The parts of the zip format needed to list an archive from its tail (APPNOTE 6.3.x).

Pure functions over bytes, no I/O: ``contents`` decides which byte ranges to fetch and hands
them here. Parsing works on offsets into one buffer with precompiled ``struct``s, so listing a
50,000-entry central directory makes no copies beyond each entry's name.
"""

from __future__ import annotations

import struct
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

# ZIP64 end of central directory locator: sig, disk of record, record offset, disks.
EOCD64_LOCATOR = struct.Struct("<IIQI")
EOCD64_LOCATOR_SIG = 0x07064B50
# ZIP64 end of central directory record (fixed part): sig, record size, made by, needed,
# disk, cd disk, entries here, entries total, cd size, cd offset.
EOCD64 = struct.Struct("<IQHHIIQQQQ")
EOCD64_SIG = 0x06064B50

# Central directory file header, 46 bytes: sig, made by, needed, flags, method, time, date,
# crc, compressed, uncompressed, name len, extra len, comment len, disk, internal attrs,
# external attrs, local header offset.
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
CENTRAL_SIG = 0x02014B50

# Local file header, 30 bytes: sig, needed, flags, method, time, date, crc, compressed,
# uncompressed, name len, extra len.
LOCAL = struct.Struct("<IHHHHHIIIHH")
LOCAL_SIG = 0x04034B50
LOCAL_MAGIC = b"PK\x03\x04"

ZIP64_EXTRA_ID = 0x0001
FLAG_ENCRYPTED = 0x0001
FLAG_UTF8 = 0x0800
METHOD_STORED = 0
METHOD_DEFLATED = 8
UNIX_CREATOR = 3
_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFFFFFF
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
class Directory:
    """Where the central directory is, as the end records say."""

    entry_count: int
    cd_size: int
    #: Absolute offset of the central directory in the object.
    cd_start: int
    #: Bytes before the archive proper (a self-extractor stub); added to every stored offset.
    prefix: int
    zip64: bool


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


def zip64_locator_offset(tail: bytes, tail_start: int, eocd: EndRecord) -> int | None:
    """Absolute offset of the ZIP64 record the locator points at, or None when not ZIP64.

    The locator is the 20 bytes right before the EOCD; ``tail`` must cover them.
    """
    pos = eocd.position - EOCD64_LOCATOR.size - tail_start
    if pos < 0:
        raise ZipFormatError("the tail read does not reach the ZIP64 locator")
    sig, _, record_offset, _ = EOCD64_LOCATOR.unpack_from(tail, pos)
    return record_offset if sig == EOCD64_LOCATOR_SIG else None


def locate_directory(
    eocd: EndRecord, zip64_record: bytes | None, zip64_position: int | None
) -> Directory:
    """Combine the classic and ZIP64 end records into where the central directory lies.

    ``prefix`` is measured the way zipfile does: where the directory must start given
    where the end record actually is, minus where the archive says it starts.
    """
    if zip64_record is not None and zip64_position is not None:
        (sig, _, _, _, _, _, _, total, cd_size, cd_offset) = EOCD64.unpack_from(zip64_record)
        if sig != EOCD64_SIG:
            raise ZipFormatError("ZIP64 locator points at something that is not a ZIP64 record")
        end_of_cd = zip64_position
        entry_count, is_zip64 = total, True
    else:
        cd_size, cd_offset = eocd.cd_size, eocd.cd_offset
        end_of_cd = eocd.position
        entry_count, is_zip64 = eocd.entry_count, False
    cd_start = end_of_cd - cd_size
    prefix = cd_start - cd_offset
    if cd_start < 0 or prefix < 0:
        raise ZipFormatError(
            f"central directory claims {cd_size} bytes at offset {cd_offset}, "
            f"but the end record is at {end_of_cd}: the archive is truncated"
        )
    return Directory(entry_count, cd_size, cd_start, prefix, is_zip64)


def dos_datetime(date: int, time: int) -> datetime:
    """MS-DOS date/time fields as a naive datetime (zip stores local time, no zone).

    Some writers store zeros or garbage; those become 1980-01-01 rather than an exception.
    """
    try:
        return datetime(
            (date >> 9) + 1980,
            (date >> 5) & 0x0F,
            date & 0x1F,
            time >> 11,
            (time >> 5) & 0x3F,
            min((time & 0x1F) * 2, 59),
        )
    except ValueError:
        return _EPOCH_1980


def _zip64_extra(
    buf: bytes | memoryview, start: int, length: int, size: int, csize: int, offset: int
) -> tuple[int, int, int]:
    """Replace the 0xFFFFFFFF placeholders with the 64-bit values from extra field 0x0001.

    The extra holds only the fields whose fixed slot overflowed, in this order.
    """
    values = [size, csize, offset]
    pos, end = start, start + length
    while pos + 4 <= end:
        tag, tag_len = struct.unpack_from("<HH", buf, pos)
        pos += 4
        if tag == ZIP64_EXTRA_ID:
            field_end = min(pos + tag_len, end)
            for i, value in enumerate(values):
                if value != _U32_MAX:
                    continue
                if pos + 8 > field_end:
                    raise ZipFormatError("ZIP64 extra field is shorter than it must be")
                (values[i],) = struct.unpack_from("<Q", buf, pos)
                pos += 8
            break
        pos += tag_len
    return values[0], values[1], values[2]


def parse_central_directory(cd: bytes | memoryview, directory: Directory) -> list[ZipEntry]:
    """Every record of the central directory, in archive order."""
    entries: list[ZipEntry] = []
    unpack = CENTRAL.unpack_from
    head = CENTRAL.size
    limit = len(cd)
    pos = 0
    prefix = directory.prefix
    while pos + head <= limit:
        (
            sig, made_by, _, flags, method, time, date, crc, csize, size,
            name_len, extra_len, comment_len, _, _, ext_attr, offset,
        ) = unpack(cd, pos)
        if sig != CENTRAL_SIG:
            raise ZipFormatError(f"bad central directory record at offset {pos}")
        name_start = pos + head
        extra_start = name_start + name_len
        pos = extra_start + extra_len + comment_len
        if pos > limit:
            raise ZipFormatError("central directory record runs past the directory's end")
        raw_name = bytes(cd[name_start:extra_start])
        # Bit 11 says UTF-8; otherwise the spec's default is IBM code page 437.
        path = raw_name.decode("utf-8" if flags & FLAG_UTF8 else "cp437", "replace")
        if _U32_MAX in (size, csize, offset):
            size, csize, offset = _zip64_extra(cd, extra_start, extra_len, size, csize, offset)
        entries.append(
            ZipEntry(
                path=path,
                size=size,
                compressed_size=csize,
                crc32=crc,
                method=method,
                modified=dos_datetime(date, time),
                is_dir=path.endswith("/"),
                header_offset=offset + prefix,
                flags=flags,
                external_attr=ext_attr,
                mode=(ext_attr >> 16) if (made_by >> 8) == UNIX_CREATOR else None,
            )
        )
    # Only a 16-bit count is stored without ZIP64; 65,536+ entries wrap it, so compare
    # modulo 2**16 there rather than rejecting a valid archive.
    expected = directory.entry_count
    if len(entries) != expected and (directory.zip64 or len(entries) % 0x10000 != expected):
        raise ZipFormatError(
            f"central directory lists {len(entries)} entries, the end record says {expected}"
        )
    return entries


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


__all__ = [
    "EOCD_SEARCH_SPAN",
    "Directory",
    "EndRecord",
    "ZipEntry",
    "ZipFormatError",
    "dos_datetime",
    "find_end_record",
    "inflate",
    "local_data_offset",
    "locate_directory",
    "parse_central_directory",
    "zip64_locator_offset",
]
