"""The Range zip reader against a loopback server that behaves like S3, and like S3 at its worst."""

from __future__ import annotations

import secrets
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from zipserver import (
    ZipServer,
    build_zip,
    build_zip64_everywhere,
    serving,
    write_big_stored_zip,
    write_repeated_member_zip,
    zipfile_listing,
)

from layer_tui.aws.contents import (
    TAIL_BYTES,
    ContentAccessError,
    MemberTooLargeError,
    NotAZipError,
    RemoteZip,
    TruncatedZipError,
)
from layer_tui.aws.zipformat import ZipEntry

MEMBERS = {
    "python/": b"",
    "python/geo/": b"",
    "python/geo/__init__.py": b"from .core import *\n" * 40,
    "python/geo/core.py": secrets.token_bytes(3000),
    "python/geo/data/règles.txt": "ünïcode\n".encode() * 500,
    "bin/tool": b"#!/bin/sh\necho hi\n",
}


@pytest.fixture
def zip_server() -> Iterator[ZipServer]:
    with serving() as server:
        yield server


def listing(entries: tuple[ZipEntry, ...]) -> list[tuple[str, int, int, int, bool]]:
    return [(e.path, e.size, e.compressed_size, e.crc32, e.is_dir) for e in entries]


def reader(server: ZipServer, name: str, **kwargs: object) -> RemoteZip:
    return RemoteZip(lambda: server.url(name), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_listing_equals_zipfile_and_costs_one_request(
    zip_server: ZipServer, compression: int
) -> None:
    data = build_zip(MEMBERS, compression=compression)
    zip_server.publish("geo.zip", data)
    with reader(zip_server, "geo.zip") as archive:
        entries = archive.entries()
        assert listing(entries) == zipfile_listing(data)
        assert archive.size == len(data)
        assert archive.bytes_fetched == zip_server.bytes_sent == len(data)  # tail covers it all
        assert len(zip_server.requests) == 1
        assert zip_server.requests[0].range == f"bytes=-{TAIL_BYTES}"
        archive.entries()  # cached: no second request
        assert len(zip_server.requests) == 1


def test_entry_fields(zip_server: ZipServer) -> None:
    zip_server.publish("geo.zip", build_zip(MEMBERS))
    entries = {e.path: e for e in reader(zip_server, "geo.zip").entries()}
    core = entries["python/geo/core.py"]
    assert core.modified == datetime(2026, 11, 22, 19, 0, 0)
    assert core.mode == 0o100644
    assert core.method == zipfile.ZIP_DEFLATED
    assert not core.is_dir and entries["python/geo/"].is_dir
    assert "python/geo/data/règles.txt" in entries
    assert core.to_json() == {
        "path": "python/geo/core.py",
        "size": 3000,
        "compressed_size": core.compressed_size,
        "crc32": f"{core.crc32:08x}",
        "is_dir": False,
    }
    assert len(core.to_json()["crc32"]) == 8


def test_size_from_code_size_clamps_the_tail(zip_server: ZipServer) -> None:
    data = build_zip(MEMBERS)
    zip_server.publish("geo.zip", data)
    archive = reader(zip_server, "geo.zip", size=len(data))
    assert listing(archive.entries()) == zipfile_listing(data)
    assert zip_server.requests[0].range == f"bytes=-{len(data)}"


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_read_member_stored_and_deflated(zip_server: ZipServer, compression: int) -> None:
    data = build_zip(MEMBERS, compression=compression)
    zip_server.publish("geo.zip", data)
    archive = reader(zip_server, "geo.zip")
    for entry in archive.entries():
        assert archive.read_member(entry) == MEMBERS[entry.path]
        assert archive.read_member_head(entry, 20) == MEMBERS[entry.path][:20]
    assert archive.bytes_fetched == zip_server.bytes_sent


def test_member_read_is_one_request_and_small(zip_server: ZipServer) -> None:
    big = secrets.token_bytes(200_000)
    data = build_zip({"lib/big.so": big, "lib/small.so": b"\x7fELF" + bytes(60)},
                     compression=zipfile.ZIP_STORED)
    zip_server.publish("x.zip", data)
    archive = reader(zip_server, "x.zip")
    entries = {e.path: e for e in archive.entries()}
    zip_server.reset_counts()
    assert archive.read_member_head(entries["lib/big.so"], 20) == big[:20]
    assert len(zip_server.requests) == 1
    assert zip_server.bytes_sent < 300  # header + name + allowance + 20 bytes, not 200 kB


def test_read_member_refuses_over_limit(zip_server: ZipServer) -> None:
    zip_server.publish("geo.zip", build_zip(MEMBERS))
    archive = reader(zip_server, "geo.zip")
    core = next(e for e in archive.entries() if e.path == "python/geo/core.py")
    sent = zip_server.bytes_sent
    with pytest.raises(MemberTooLargeError, match="limit"):
        archive.read_member(core, limit=1000)
    assert zip_server.bytes_sent == sent  # refused before fetching anything


def test_read_range(zip_server: ZipServer) -> None:
    data = build_zip(MEMBERS)
    zip_server.publish("geo.zip", data)
    archive = reader(zip_server, "geo.zip")
    archive.entries()
    assert archive.read_range(0, 4) == b"PK\x03\x04"
    assert archive.read_range(100, 50) == data[100:150]
    with pytest.raises(TruncatedZipError):
        archive.read_range(len(data) - 2, 10)


def test_zip64_local_extras_differ_from_central(zip_server: ZipServer) -> None:
    # force_zip64 writes a zip64 extra in each local header only: the data offset must come
    # from the local header, not from the central record's extra length.
    data = build_zip(MEMBERS, force_zip64=True)
    zip_server.publish("z64.zip", data)
    archive = reader(zip_server, "z64.zip")
    entries = archive.entries()
    assert listing(entries) == zipfile_listing(data)
    for entry in entries:
        assert archive.read_member(entry) == MEMBERS[entry.path]


def test_zip64_end_records_and_central_extras(zip_server: ZipServer) -> None:
    members = {k: v for k, v in MEMBERS.items() if not k.endswith("/")}
    data = build_zip64_everywhere(members)
    zip_server.publish("z64.zip", data)
    archive = reader(zip_server, "z64.zip")
    entries = archive.entries()
    assert listing(entries) == zipfile_listing(data)
    assert all(e.mode == 0o100644 for e in entries)
    for entry in entries:
        assert archive.read_member(entry) == members[entry.path]


def test_more_than_65535_entries_with_directory_beyond_tail(
    zip_server: ZipServer, tmp_path: Path
) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as out:
        for i in range(70_000):
            out.writestr(zipfile.ZipInfo(f"python/m/{i}.py", (2026, 1, 1, 0, 0, 0)), b"x")
    zip_server.publish("many.zip", path)
    archive = reader(zip_server, "many.zip")
    entries = archive.entries()
    assert len(entries) == 70_000
    assert listing(entries) == zipfile_listing(path)
    with zipfile.ZipFile(path) as z:
        cd_size = sum(46 + len(i.filename) + len(i.extra) for i in z.infolist())
    # The tail, then exactly the part of the directory the tail missed.
    assert len(zip_server.requests) == 2
    assert archive.bytes_fetched == zip_server.bytes_sent <= cd_size + 64 * 1024 + 22 + 76


def test_longest_comment_containing_a_fake_end_record(zip_server: ZipServer) -> None:
    # zipfile itself takes the last signature it sees and fails on this archive; Info-ZIP
    # and we check that the record's comment length reaches exactly the end.
    comment = ((b"PK\x05\x06" + b"c" * 100) * 630)[:65535]
    data = build_zip(MEMBERS, comment=comment)
    zip_server.publish("c.zip", data)
    archive = reader(zip_server, "c.zip")
    assert listing(archive.entries()) == zipfile_listing(build_zip(MEMBERS))
    # The tail finds the end record; the directory lies before it, beyond the comment.
    assert zip_server.requests[0].range == f"bytes=-{TAIL_BYTES}"
    assert len(zip_server.requests) == 3  # tail, ZIP64 locator probe, central directory
    assert archive.bytes_fetched == zip_server.bytes_sent


def test_prepended_stub_shifts_offsets(zip_server: ZipServer) -> None:
    data = b"#!/bin/sh\nexit 0\n" * 50 + build_zip(MEMBERS)
    zip_server.publish("sfx.zip", data)
    archive = reader(zip_server, "sfx.zip")
    entries = archive.entries()
    assert listing(entries) == zipfile_listing(data)
    core = next(e for e in entries if e.path == "python/geo/core.py")
    assert archive.read_member(core) == MEMBERS["python/geo/core.py"]


def test_not_a_zip(zip_server: ZipServer) -> None:
    zip_server.publish("junk", b"<html>not a zip</html>" * 5000)
    with pytest.raises(NotAZipError, match="not a zip"):
        reader(zip_server, "junk").entries()


def test_empty_object(zip_server: ZipServer) -> None:
    zip_server.publish("empty", b"")
    with pytest.raises(NotAZipError, match="empty"):
        reader(zip_server, "empty").entries()
    with pytest.raises(NotAZipError, match="empty"):
        reader(zip_server, "empty", size=0).entries()


def test_truncated_object_starts_like_a_zip(zip_server: ZipServer) -> None:
    data = build_zip(MEMBERS)
    zip_server.publish("cut.zip", data, truncate_to=len(data) // 2)
    with pytest.raises(TruncatedZipError, match="truncated"):
        reader(zip_server, "cut.zip").entries()


def test_truncated_object_shorter_than_code_size(zip_server: ZipServer) -> None:
    data = build_zip(MEMBERS)
    zip_server.publish("cut.zip", data, truncate_to=len(data) - 10)
    with pytest.raises(TruncatedZipError, match="CodeSize"):
        reader(zip_server, "cut.zip", size=len(data)).entries()


def test_directory_offset_beyond_what_is_there(zip_server: ZipServer) -> None:
    data = build_zip(MEMBERS)
    zip_server.publish("headless.zip", data[3000:])  # the beginning went missing
    with pytest.raises(TruncatedZipError, match="truncated"):
        reader(zip_server, "headless.zip").entries()


def test_body_cut_short_is_a_short_read(zip_server: ZipServer) -> None:
    zip_server.publish("short.zip", build_zip(MEMBERS), cut_body_short=True)
    archive = reader(zip_server, "short.zip")
    with pytest.raises(TruncatedZipError, match="short read"):
        archive.entries()
    assert archive.bytes_fetched == zip_server.bytes_sent > 0


def test_expired_url_is_refreshed_once(zip_server: ZipServer) -> None:
    data = build_zip(MEMBERS)
    stale = zip_server.publish("geo.zip", data)
    zip_server.expire("geo.zip")
    handed_out: list[str] = []

    def provider() -> str:
        handed_out.append(stale if not handed_out else zip_server.url("geo.zip"))
        return handed_out[-1]

    archive = RemoteZip(provider)
    assert listing(archive.entries()) == zipfile_listing(data)
    assert len(handed_out) == 2 and archive.url_refreshes == 1
    assert [r.status for r in zip_server.requests] == [403, 206]
    assert archive.bytes_fetched == zip_server.bytes_sent  # the 403 body counts too

    # Ten minutes later the URL expires again under an open contents view.
    zip_server.expire("geo.zip")
    handed_out.append(handed_out[0])  # make the next provider call return a fresh URL
    core = next(e for e in archive.entries() if e.path == "python/geo/core.py")
    assert archive.read_member(core) == MEMBERS["python/geo/core.py"]
    assert archive.url_refreshes == 2


def test_url_refused_even_when_fresh(zip_server: ZipServer) -> None:
    zip_server.publish("geo.zip", build_zip(MEMBERS), always_expired=True)
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return zip_server.url("geo.zip")

    with pytest.raises(ContentAccessError, match="403"):
        RemoteZip(provider).entries()
    assert len(calls) == 2 and len(zip_server.requests) == 2


def test_missing_object_and_non_http_location(zip_server: ZipServer) -> None:
    with pytest.raises(ContentAccessError, match="404"):
        RemoteZip(lambda: f"{zip_server.base}/nothing-here").entries()
    with pytest.raises(ContentAccessError, match="not an http"):
        RemoteZip(lambda: "s3://").entries()


def test_server_ignoring_range_falls_back_to_a_spooled_download(
    zip_server: ZipServer,
) -> None:
    data = build_zip(MEMBERS | {"python/pad.bin": secrets.token_bytes(300_000)})
    zip_server.publish("norange.zip", data, honour_range=False)
    # CodeSize bounds the whole-object fallback (without it the fallback is refused).
    archive = reader(zip_server, "norange.zip", size=len(data), spool_in_memory=64 * 1024)
    entries = archive.entries()
    assert listing(entries) == zipfile_listing(data)
    assert archive.downloaded_whole
    assert archive.bytes_fetched == len(data) == zip_server.bytes_sent
    core = next(e for e in entries if e.path == "python/geo/core.py")
    assert archive.read_member(core) == MEMBERS["python/geo/core.py"]
    assert len(zip_server.requests) == 1  # member reads come from the spooled copy
    archive.close()


def test_server_ignoring_range_for_a_non_zip(zip_server: ZipServer) -> None:
    zip_server.publish("junk", b"plain text " * 100, honour_range=False)
    with pytest.raises(NotAZipError):
        reader(zip_server, "junk", size=1100).entries()


@pytest.mark.slow
def test_large_archive_costs_directory_plus_tail(zip_server: ZipServer, tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    cd_size = write_big_stored_zip(path, members=6, member_size=20 * 1024 * 1024)
    size = path.stat().st_size
    assert size > 120 * 1024 * 1024
    zip_server.publish("big.zip", path)
    started = time.perf_counter()
    archive = reader(zip_server, "big.zip", size=size)
    entries = archive.entries()
    assert listing(entries) == zipfile_listing(path)
    assert zip_server.bytes_sent <= cd_size + 64 * 1024
    assert archive.bytes_fetched == zip_server.bytes_sent
    head = archive.read_member_head(entries[-1], 20)
    with zipfile.ZipFile(path) as z, z.open(entries[-1].path) as member:
        assert head == member.read(20)
    assert time.perf_counter() - started < 10


@pytest.mark.slow
def test_listing_50000_entries_of_250_mb_stays_small(
    zip_server: ZipServer, tmp_path: Path
) -> None:
    path = tmp_path / "estate.zip"
    names = [
        f"python/lib/python3.12/site-packages/pkg{i // 100:03d}/module_{i:05d}.py"
        for i in range(50_000)
    ]
    write_repeated_member_zip(path, names, secrets.token_bytes(5000))
    assert path.stat().st_size > 250_000_000
    zip_server.publish("estate.zip", path)
    measure: Callable[[], tuple[int, int]] = tracemalloc.get_traced_memory
    tracemalloc.start()
    try:
        entries = reader(zip_server, "estate.zip", size=path.stat().st_size).entries()
        _, peak = measure()
    finally:
        tracemalloc.stop()
    assert [e.path for e in entries] == names
    with zipfile.ZipFile(path) as z:
        assert entries[-1].crc32 == z.infolist()[-1].CRC and z.testzip() is None
    assert peak < 100 * 1024 * 1024, f"peak {peak:,} bytes"
    cd_bytes = sum(46 + len(e.path) for e in entries)
    assert zip_server.bytes_sent <= cd_bytes + 64 * 1024
