"""One zip reader: a listing is what ``zipfile`` and the bytes say, over Range or not.

The listing goes through stdlib ``zipfile`` over a Range-backed file (``aws/range_file.py``), and
the same code lists the spooled copy when a server ignores Range. These tests hold it to:

- real wheels (the ones this Python ships) listed over Range equal ``zipfile``'s own listing of
  the file, field by field, at the cost of the tail plus the part of the directory it missed;
- hostile archives get the same outcome over Range and from the whole-object fallback (the
  listing, or one refusal naming why), and that outcome is the truth the bytes hold.
"""

from __future__ import annotations

import ensurepip
import struct
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from zipserver import ZipServer, build_zip, serving

from layer_tui.aws.contents import TAIL_BYTES, ContentsError, RemoteZip

WHEELS = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("*.whl"))
DATE = ((2026 - 1980) << 9) | (11 << 5) | 22  # 2026-11-22
UTF8 = 0x0800


@pytest.fixture
def zip_server() -> Iterator[ZipServer]:
    with serving() as server:
        yield server


def raw_zip(
    members: list[tuple[bytes, bytes]], *, flags: int = 0, dostime: int = 0,
    count: int | None = None,
) -> bytes:
    """A stored zip written field by field, so a test can put into it what zipfile won't."""
    out, central = bytearray(), bytearray()
    for name, data in members:
        crc, offset = zlib.crc32(data), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 0, dostime, DATE, crc,
                           len(data), len(data), len(name), 0) + name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags, 0,
                               dostime, DATE, crc, len(data), len(data), len(name), 0, 0, 0, 0,
                               0o100644 << 16, offset) + name
    cd_offset = len(out)
    out += central
    total = len(members) if count is None else count
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, total, total, len(central), cd_offset, 0)
    return bytes(out)


Outcome = list[tuple[str, int, int, bool, datetime, int, int | None]] | str


def outcome(server: ZipServer, name: str, data: bytes, *, honour_range: bool) -> Outcome:
    """The listing, or the refusal's kind and its one line."""
    served = f"{name}-{'range' if honour_range else 'whole'}"
    server.publish(served, data, honour_range=honour_range)
    archive = RemoteZip(lambda: server.url(served), size=len(data))
    with archive:
        try:
            entries = archive.entries()
        except ContentsError as exc:
            assert "\n" not in str(exc)
            return type(exc).__name__
        assert archive.downloaded_whole is not honour_range
    return [(e.path, e.size, e.crc32, e.is_dir, e.modified, e.header_offset, e.mode)
            for e in entries]


def test_this_python_ships_wheels_to_test_with() -> None:
    assert WHEELS, "ensurepip's bundled wheels are missing"


@pytest.mark.parametrize("wheel", WHEELS, ids=lambda p: p.name)
def test_real_wheels_list_over_range_as_zipfile_lists_the_file(
    zip_server: ZipServer, wheel: Path
) -> None:
    """Attack: none, the oracle. Promise: a real wheel's listing through the Range reader is
    zipfile's listing of the whole file (names, sizes, CRCs, dates, offsets, modes), for the
    tail plus at most one read of the directory's part the tail missed."""
    with zipfile.ZipFile(wheel) as local:
        truth = [(i.filename, i.file_size, i.CRC, i.filename.endswith("/"),
                  datetime(*i.date_time), i.header_offset,
                  (i.external_attr >> 16) if i.create_system == 3 else None)
                 for i in local.infolist()]
        cd_size = sum(46 + len(i.orig_filename.encode()) + len(i.extra) + len(i.comment)
                      for i in local.infolist())
    data = wheel.read_bytes()
    assert outcome(zip_server, "wheel", data, honour_range=True) == truth
    ranged = [r for r in zip_server.requests if "/wheel-range?" in r.path]
    assert 1 <= len(ranged) <= 2 and ranged[0].range == f"bytes=-{TAIL_BYTES}"
    assert sum(r.body_bytes for r in ranged) <= min(len(data), TAIL_BYTES + cd_size)
    assert outcome(zip_server, "wheel", data, honour_range=False) == truth


def _members() -> dict[str, bytes]:
    return {f"python/pkg/m{i}.py": bytes([65 + i]) * 900 for i in range(6)}


def _truth(members: dict[str, bytes]) -> list[tuple[str, int, int, bool, datetime, int, int]]:
    rows, offset = [], 0
    for name, data in members.items():
        rows.append((name, len(data), zlib.crc32(data), False, datetime(2026, 11, 22, 19),
                     offset, 0o100644))
        offset += 30 + len(name) + len(data)
    return rows


def _stored(members: dict[str, bytes], comment: bytes = b"") -> bytes:
    return build_zip(members, compression=zipfile.ZIP_STORED, comment=comment)


HOSTILE: dict[str, tuple[bytes, Outcome]] = {
    # zipfile alone takes the last signature it sees, inside the comment, and fails.
    "fake end record inside the longest comment": (
        _stored(_members(), ((b"PK\x05\x06" + b"c" * 100) * 630)[:65535]),
        _truth(_members()),
    ),
    # ZipInfo.is_dir() indexes the name's last character.
    "an empty name": (
        raw_zip([(b"", b"x"), (b"a.py", b"yy")]),
        [("", 1, zlib.crc32(b"x"), False, datetime(2026, 11, 22), 0, 0o100644),
         ("a.py", 2, zlib.crc32(b"yy"), False, datetime(2026, 11, 22), 31, 0o100644)],
    ),
    # DOS stores seconds in two-second steps; 31 steps is second 62.
    "second 62": (
        raw_zip([(b"a.py", b"x")], dostime=(23 << 11) | (59 << 5) | 31),
        [("a.py", 1, zlib.crc32(b"x"), False, datetime(2026, 11, 22, 23, 59, 59), 0,
          0o100644)],
    ),
    # zipfile cuts a name at its first NUL, so no path hides a tail behind one.
    "a NUL inside a name": (
        raw_zip([(b"lib/evil.so\x00../../etc/passwd", b"x")]),
        [("lib/evil.so", 1, zlib.crc32(b"x"), False, datetime(2026, 11, 22), 0, 0o100644)],
    ),
    "a name flagged UTF-8 that is not": (
        raw_zip([(b"bad\xff\xfe.py", b"x")], flags=UTF8), "CorruptZipError",
    ),
    "an end record counting more entries than the directory holds": (
        raw_zip([(b"a.py", b"x"), (b"b.py", b"y")], count=5), "CorruptZipError",
    ),
    "the first 3,000 bytes missing": (_stored(_members())[3000:], "TruncatedZipError"),
}


@pytest.mark.parametrize("shape", HOSTILE)
def test_hostile_archive_has_one_outcome_with_or_without_range(
    zip_server: ZipServer, shape: str
) -> None:
    """Attack: an archive built to part the readers (a fake end record in the comment, an
    empty name, second 62, a NUL in a name, a name flagged UTF-8 that is not, a wrong entry
    count, its beginning cut off), served by a host that honours Range and by one that sends
    the whole object. Promise: both give the same outcome, the listing the bytes hold or one
    line refusing it (never a traceback), because one reader lists both."""
    data, expected = HOSTILE[shape]
    assert outcome(zip_server, "hostile", data, honour_range=True) == expected
    assert outcome(zip_server, "hostile", data, honour_range=False) == expected
