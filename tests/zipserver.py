"""A loopback HTTP server that serves zips the way S3 serves presigned layer content.

Until the project's sandbox serves layer content itself, the Range reader is tested against
this: ``Range:`` answered with 206 and ``Content-Range``, presigned-style URLs that stop working
(403 with S3's XML body) once expired, HEAD refused, and the misbehaviours the reader must
survive: ignoring Range (200 with the whole body), truncated objects, and bodies cut short.
It counts response-body bytes on the serving side so tests can hold the reader's own count to
account.

Hostile modes, for the promise that a content host bounds nothing for us: sending more than
asked (``extra_bytes``, with or without announcing it in Content-Length), and redirecting
(``redirect_to``) to another server, whose request log then says whether anything reached it.
"""

from __future__ import annotations

import io
import itertools
import re
import secrets
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
_EXPIRED_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


@dataclass
class ServedObject:
    """One object and how (mis)behaving the server is about it."""

    source: bytes | Path
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    honour_range: bool = True
    #: Serve only the first N bytes, as if that were the whole object.
    truncate_to: int | None = None
    #: Announce the full length but close the connection halfway through the body.
    cut_body_short: bool = False
    #: Every URL handed out is already expired (403 forever).
    always_expired: bool = False
    #: Filler bytes sent after the ones asked for (a 206's range, a 200's whole object),
    #: while Content-Range still names only the range asked for.
    extra_bytes: int = 0
    #: False: no Content-Length; the body ends when the server closes the connection.
    announce_length: bool = True
    #: Every GET is answered 302 with this Location, before anything else is looked at.
    redirect_to: str | None = None

    @property
    def size(self) -> int:
        full = len(self.source) if isinstance(self.source, bytes) else self.source.stat().st_size
        return full if self.truncate_to is None else min(full, self.truncate_to)

    def open(self) -> BinaryIO:
        if isinstance(self.source, bytes):
            return io.BytesIO(self.source)
        return self.source.open("rb")


@dataclass
class ServedRequest:
    path: str
    range: str | None
    status: int
    #: Counted before each write, so a client that has the bytes always sees them counted.
    body_bytes: int = 0
    #: True once the handler is done with it (sent everything, or the client hung up).
    finished: bool = False


class ZipServer:
    """``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread; ``close()`` stops it."""

    def __init__(self) -> None:
        self.objects: dict[str, ServedObject] = {}
        self.requests: list[ServedRequest] = []
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        server = self

        class Handler(_Handler):
            zip_server = server

        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def publish(self, name: str, source: bytes | Path, **behaviour: object) -> str:
        """Serve ``source`` at ``/name`` and return a fresh presigned-style URL for it."""
        self.objects[name] = ServedObject(source, **behaviour)  # type: ignore[arg-type]
        return self.url(name)

    def url(self, name: str) -> str:
        """A URL valid until ``expire(name)`` (what GetLayerVersion would hand out now)."""
        obj = self.objects[name]
        return f"{self.base}/{name}?X-Amz-Expires=600&X-Amz-Signature={obj.token}"

    def expire(self, name: str) -> None:
        """Every URL handed out so far for ``name`` now answers 403."""
        self.objects[name].token = secrets.token_hex(8)

    @property
    def bytes_sent(self) -> int:
        """Response-body bytes written to clients, every status included."""
        with self._lock:
            return sum(r.body_bytes for r in self.requests)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def record(self, request: ServedRequest) -> ServedRequest:
        with self._lock:
            self.requests.append(request)
        return request

    def count(self, request: ServedRequest, sent: int) -> None:
        with self._lock:
            request.body_bytes += sent

    def finish(self, request: ServedRequest) -> None:
        with self._settled:
            request.finished = True
            self._settled.notify_all()

    def wait_until_settled(self, timeout: float = 30.0) -> bool:
        """Waits until every request so far is done with: then ``bytes_sent`` is final."""
        with self._settled:
            return self._settled.wait_for(
                lambda: all(r.finished for r in self.requests), timeout=timeout
            )

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _QuietHTTPServer(ThreadingHTTPServer):
    """A client hanging up mid-body is what the hostile-mode tests provoke: not worth a print
    (which would also land in the stderr that CLI tests read)."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so that the client's keep-alive pool is exercised like against S3.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle plus delayed ACKs add
    # ~40 ms to every request.
    disable_nagle_algorithm = True
    zip_server: ZipServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean

    def do_HEAD(self) -> None:
        # Presigned GET URLs are signed for GET only: S3 refuses HEAD with 403.
        record = self.zip_server.record(ServedRequest(self.path, None, 403))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.zip_server.finish(record)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        obj = self.zip_server.objects.get(parts.path.lstrip("/"))
        range_header = self.headers.get("Range")
        if obj is None:
            self._send_simple(404, b"<Error><Code>NoSuchKey</Code></Error>", range_header)
            return
        if obj.redirect_to is not None:
            self._send_simple(302, b"", range_header, {"Location": obj.redirect_to})
            return
        token = parse_qs(parts.query).get("X-Amz-Signature", [""])[0]
        if obj.always_expired or token != obj.token:
            self._send_simple(403, _EXPIRED_BODY, range_header)
            return
        size = obj.size
        span = _parse_range(range_header, size) if obj.honour_range and range_header else None
        if span == "unsatisfiable":
            self._send_simple(416, b"", range_header, {"Content-Range": f"bytes */{size}"})
            return
        # Recorded before the client can see a byte of the answer, so that a test that has
        # its answer also finds the request in the log.
        record = self.zip_server.record(
            ServedRequest(self.path, range_header, 206 if span else 200)
        )
        try:
            if isinstance(span, tuple):
                first, last = span
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            else:
                first, last = 0, size - 1
                self.send_response(200)
            length = last - first + 1
            if obj.announce_length:
                self.send_header("Content-Length", str(length + obj.extra_bytes))
            else:
                self.send_header("Connection", "close")
            self.send_header("Accept-Ranges", "bytes" if obj.honour_range else "none")
            self.end_headers()
            to_send = length // 2 if obj.cut_body_short else length
            if self._copy(obj, first, to_send, record) and obj.extra_bytes:
                self._pad(obj.extra_bytes, record)
            if obj.cut_body_short or not obj.announce_length:
                self.close_connection = True
        finally:
            self.zip_server.finish(record)

    def _copy(self, obj: ServedObject, first: int, length: int, record: ServedRequest) -> bool:
        """Sends ``length`` bytes of ``obj`` from ``first``; False once the client hung up."""
        sent = 0
        with obj.open() as stream:
            stream.seek(first)
            while sent < length:
                chunk = stream.read(min(256 * 1024, length - sent))
                if not chunk:
                    break
                if not self._write(chunk, record):
                    return False
                sent += len(chunk)
        return True

    def _pad(self, count: int, record: ServedRequest) -> None:
        filler = b"\0" * (256 * 1024)
        while count > 0:
            chunk = filler[: min(count, len(filler))]
            if not self._write(chunk, record):
                return
            count -= len(chunk)

    def _write(self, chunk: bytes, record: ServedRequest) -> bool:
        # Counted before the write, taken back when the client has hung up: what a socket
        # buffer swallowed after that never reached the client either.
        self.zip_server.count(record, len(chunk))
        try:
            self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.zip_server.count(record, -len(chunk))
            self.close_connection = True
            return False
        return True

    def _send_simple(
        self,
        status: int,
        body: bytes,
        range_header: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        record = self.zip_server.record(ServedRequest(self.path, range_header, status, len(body)))
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        finally:
            self.zip_server.finish(record)


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """One ``bytes=`` range, as S3 reads it; None means "ignore it, send everything"."""
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    start, end = match[1], match[2]
    if not start:
        if not end or int(end) == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - int(end)), size - 1
    first = int(start)
    if first >= size:
        return "unsatisfiable"
    last = min(int(end), size - 1) if end else size - 1
    return first, last


@contextmanager
def serving() -> Iterator[ZipServer]:
    """A running server for the length of a ``with`` block (what the test fixtures wrap)."""
    server = ZipServer()
    try:
        yield server
    finally:
        server.close()


# -- archives to serve -----------------------------------------------------------------------------


def build_zip(
    members: dict[str, bytes],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    force_zip64: bool = False,
    comment: bytes = b"",
) -> bytes:
    """A zip of ``members`` written by ``zipfile``; ``force_zip64`` adds zip64 local extras."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression, allowZip64=True) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 22, 19, 0, 0))
            info.compress_type = compression
            info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            with archive.open(info, "w", force_zip64=force_zip64) as out:
                out.write(data)
        archive.comment = comment
    return buffer.getvalue()


def build_zip64_everywhere(members: dict[str, bytes]) -> bytes:
    """A stored zip in full ZIP64 form: every size and offset in the central directory is
    0xFFFFFFFF with the real value in the zip64 extra, plus the ZIP64 end records.

    ``zipfile`` only writes central zip64 extras past 4 GiB; this builds the same structures
    in a few hundred bytes.
    """
    out = io.BytesIO()
    central = io.BytesIO()
    time, date = (19 << 11), ((2026 - 1980) << 9) | (11 << 5) | 22
    for name, data in members.items():
        raw = name.encode()
        crc, offset = zlib.crc32(data), out.tell()
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0x0800, 0, time, date, crc,
                              0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(local_extra)))
        out.write(raw + local_extra + data)
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 45, 45, 0x0800,
                                  0, time, date, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(raw),
                                  len(extra), 0, 0, 0, 0o100644 << 16, 0xFFFFFFFF))
        central.write(raw + extra)
    cd = central.getvalue()
    cd_offset = out.tell()
    out.write(cd)
    record_offset = out.tell()
    count = len(members)
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(cd),
                          cd_offset))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, record_offset, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                          0xFFFFFFFF, 0))
    return out.getvalue()


def write_big_stored_zip(path: Path, members: int, member_size: int) -> int:
    """A stored zip of random data on disk, written in chunks (never all in memory).

    Returns the size of its central directory.
    """
    block = secrets.token_bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for index in range(members):
            info = zipfile.ZipInfo(f"lib/blob{index:03d}.bin", date_time=(2026, 11, 22, 0, 0, 0))
            with archive.open(info, "w", force_zip64=member_size > 0x7FFFFFFF) as out:
                left = member_size
                for salt in itertools.count():
                    if left <= 0:
                        break
                    piece = block[: min(left, len(block))]
                    # Vary each chunk a little so no two members share a CRC.
                    out.write(salt.to_bytes(8, "little") + piece[8:])
                    left -= len(piece)
        archive.comment = b""
    with zipfile.ZipFile(path) as archive:
        return sum(46 + len(i.orig_filename.encode()) + len(i.extra) for i in archive.infolist())


def write_repeated_member_zip(path: Path, names: list[str], content: bytes) -> None:
    """A stored zip in which every member holds ``content``: big archives of many entries in
    well under a second, since the CRC is computed once (zipfile would redo it per member)."""
    crc = zlib.crc32(content)
    time, date = 0, ((2026 - 1980) << 9) | (11 << 5) | 22
    central = bytearray()
    with path.open("wb") as out:
        for name in names:
            raw = name.encode()
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, time, date, crc,
                                  len(content), len(content), len(raw), 0))
            out.write(raw)
            out.write(content)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, 0,
                                   time, date, crc, len(content), len(content), len(raw), 0, 0,
                                   0, 0, 0o100644 << 16, offset)
            central += raw
        cd_offset = out.tell()
        out.write(central)
        count = min(len(names), 0xFFFF)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central),
                              cd_offset, 0))


def zipfile_listing(data: bytes | Path) -> list[tuple[str, int, int, int, bool]]:
    """(path, size, compressed size, CRC, is_dir) of each entry, as ``zipfile`` sees them."""
    source: BinaryIO | Path = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:
        return [
            (i.filename, i.file_size, i.compress_size, i.CRC, i.is_dir())
            for i in archive.infolist()
        ]
