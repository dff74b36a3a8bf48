"""Read a layer version's zip where it lies, over HTTP Range, without downloading it.

GetLayerVersion's ``Content.Location`` is a presigned S3 GET URL that signs only the host, so
``Range:`` requests work (206) and HEAD does not. Listing costs one suffix-range GET of the tail
(the end record and, for most layers, the whole central directory) plus at most one more GET
for the part of a large central directory the tail missed. Members are read one at a time on
demand. The URL expires after 10 minutes: a 403 asks the provider for a fresh one, once.

A server that ignores ``Range`` (answers 200 with the whole object) is the one case where the
whole archive travels; it is streamed to a spooled temporary file, never held in memory, and
listed with ``zipfile``. That fallback reads CodeSize bytes at most, so it needs the ``size``
the caller got from GetLayerVersion; without one it is refused (see ``content_url``).
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from types import TracebackType
from typing import IO, Protocol

import urllib3

from layer_tui.aws import zipformat
from layer_tui.aws.content_url import (
    ContentAccessError,
    ContentsError,
    ContentURL,
    CorruptZipError,
    NotAZipError,
    TruncatedZipError,
    UrlProvider,
)
from layer_tui.aws.zipformat import ZipEntry, ZipFormatError

#: The end record plus the longest possible comment: one suffix read always finds the EOCD,
#: and for most layers (central directory < 64 KiB) it also holds the whole directory.
TAIL_BYTES = 64 * 1024 + 22
#: Members larger than this are refused by ``read_member`` unless the caller raises it.
DEFAULT_MEMBER_LIMIT = 16 * 1024 * 1024
#: Local extra fields are usually < 40 bytes (zip64 sizes, timestamps); read this much past the
#: name in the same GET so one request usually covers header and data.
_LOCAL_EXTRA_ALLOWANCE = 96


class MemberTooLargeError(ContentsError):
    """``read_member`` was asked for more than its limit."""


class RangeSource(Protocol):
    """Byte ranges of one object, counted: a content URL (``ContentURL``) or an S3 object read
    through the session's client (``s3_object.S3ObjectRanges``, layers kept in their owner's
    bucket)."""

    size: int | None
    bytes_fetched: int
    url_refreshes: int

    @property
    def downloaded_whole(self) -> bool: ...

    @property
    def local_copy(self) -> IO[bytes] | None: ...

    def get(self, start: int | None, length: int) -> bytes: ...

    def close(self) -> None: ...


class RemoteZip:
    """A zip archive behind a presigned URL (or another ``RangeSource``), read by byte ranges.

    Not safe for concurrent use from several threads; give each worker its own reader (they
    share the connection pool).
    """

    def __init__(
        self,
        url_provider: UrlProvider | None = None,
        *,
        size: int | None = None,
        http: urllib3.PoolManager | None = None,
        spool_in_memory: int = 1024 * 1024,
        source: RangeSource | None = None,
    ) -> None:
        if source is None:
            if url_provider is None:
                raise TypeError("RemoteZip needs a url_provider or a source")
            source = ContentURL(
                url_provider, size=size, http=http, spool_in_memory=spool_in_memory
            )
        self._source: RangeSource = source
        self._entries: tuple[ZipEntry, ...] | None = None

    # -- what callers read -------------------------------------------------------------------

    @property
    def bytes_fetched(self) -> int:
        """Response-body bytes received so far, error bodies and a 200 fallback included."""
        return self._source.bytes_fetched

    @property
    def size(self) -> int | None:
        """The object's size: CodeSize until a response says otherwise."""
        return self._source.size

    @property
    def downloaded_whole(self) -> bool:
        """True once the server ignored Range and the whole archive had to be fetched."""
        return self._source.downloaded_whole

    @property
    def url_refreshes(self) -> int:
        return self._source.url_refreshes

    def entries(self) -> tuple[ZipEntry, ...]:
        """Every central directory entry, in archive order (fetched once, then cached)."""
        if self._entries is None:
            self._entries = self._list()
        return self._entries

    def read_range(self, offset: int, length: int) -> bytes:
        """``length`` raw bytes of the object from ``offset`` (for headers and probes)."""
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        if length == 0:
            return b""
        size = self._source.size
        if size is not None and offset + length > size:
            raise TruncatedZipError(
                f"bytes {offset}-{offset + length - 1} lie beyond the object's {size} bytes"
            )
        return self._source.get(offset, length)

    def read_member(self, entry: ZipEntry, *, limit: int = DEFAULT_MEMBER_LIMIT) -> bytes:
        """A member's whole content, checked against its CRC-32."""
        if entry.is_dir:
            return b""
        self._check_readable(entry)
        if max(entry.size, entry.compressed_size) > limit:
            raise MemberTooLargeError(
                f"{entry.path} is {entry.size:,} bytes ({entry.compressed_size:,} compressed); "
                f"the limit for reading one member is {limit:,}"
            )
        compressed = self._member_data(entry, entry.compressed_size)
        try:
            data = zipformat.inflate(
                compressed, entry.method, entry.size, expect_crc=entry.crc32
            )
        except ZipFormatError as exc:
            raise CorruptZipError(f"{entry.path}: {exc}") from exc
        if len(data) != entry.size:
            raise CorruptZipError(f"{entry.path}: decoded {len(data)} bytes, expected {entry.size}")
        return data

    def read_member_head(self, entry: ZipEntry, length: int) -> bytes:
        """The first ``length`` bytes of a member's content (e.g. an ELF header).

        Deflated members are decoded from a small compressed prefix; a second, larger try
        covers the rare stream whose first block needs more input.
        """
        if entry.is_dir or length <= 0:
            return b""
        self._check_readable(entry)
        want = min(length, entry.size)
        budgets = [want] if entry.method == zipformat.METHOD_STORED else [2048, 64 * 1024]
        data = b""
        for budget in budgets:
            take = min(entry.compressed_size, budget)
            compressed = self._member_data(entry, take)
            try:
                data = zipformat.inflate(compressed, entry.method, want)
            except ZipFormatError as exc:
                raise CorruptZipError(f"{entry.path}: {exc}") from exc
            if len(data) >= want or take == entry.compressed_size:
                break
        return data

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> RemoteZip:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- listing -------------------------------------------------------------------------------

    def _list(self) -> tuple[ZipEntry, ...]:
        if self._source.size == 0:
            raise NotAZipError("the object is empty (0 bytes): not a zip archive")
        span = TAIL_BYTES if self._source.size is None else min(TAIL_BYTES, self._source.size)
        tail = self._source.get(None, span)
        if self._source.downloaded_whole:
            return self._list_local()
        if self._source.size is None:
            raise ContentAccessError("the server did not say how large the object is (bytes */*)")
        tail_start = self._source.size - len(tail)
        eocd = zipformat.find_end_record(tail, tail_start)
        if eocd is None:
            raise self._no_end_record(tail, tail_start)
        try:
            # The ZIP64 locator and record sit just before the EOCD; a long comment can push
            # them out of the first tail, so widen it (rare, and only by ~76 bytes).
            locator_at = eocd.position - zipformat.EOCD64_LOCATOR.size
            if 0 <= locator_at < tail_start:
                # Take the ZIP64 record's usual place in the same request.
                widen_to = max(0, locator_at - zipformat.EOCD64.size)
                tail, tail_start = self._widen(tail, tail_start, widen_to)
            record_at = None
            record = None
            if locator_at >= 0:
                record_at = zipformat.zip64_locator_offset(tail, tail_start, eocd)
            if record_at is not None:
                # zipfile's rule: the record is expected right before the locator; that also
                # holds when a stub was prepended and the stored offset is off by its length.
                expected_at = locator_at - zipformat.EOCD64.size
                record_at = expected_at if expected_at >= 0 else record_at
                if record_at < tail_start:
                    tail, tail_start = self._widen(tail, tail_start, record_at)
                rel = record_at - tail_start
                record = tail[rel : rel + zipformat.EOCD64.size]
            directory = zipformat.locate_directory(eocd, record, record_at)
        except ZipFormatError as exc:
            raise TruncatedZipError(str(exc)) from exc
        cd = self._central_directory(tail, tail_start, directory)
        try:
            entries = zipformat.parse_central_directory(cd, directory)
        except ZipFormatError as exc:
            raise CorruptZipError(str(exc)) from exc
        for entry in entries:
            if entry.header_offset + 30 > directory.cd_start:
                raise TruncatedZipError(
                    f"{entry.path} claims a local header at {entry.header_offset}, past the "
                    f"start of the central directory ({directory.cd_start})"
                )
        return tuple(entries)

    def _central_directory(
        self, tail: bytes, tail_start: int, directory: zipformat.Directory
    ) -> bytes | memoryview:
        cd_start = directory.cd_start
        cd_end = cd_start + directory.cd_size
        if cd_start >= tail_start:
            return memoryview(tail)[cd_start - tail_start : cd_end - tail_start]
        # Fetch only what the tail lacks, so a listing costs the directory plus the tail.
        head = self._source.get(cd_start, min(cd_end, tail_start) - cd_start)
        if cd_end <= tail_start:
            return head
        return head + tail[: cd_end - tail_start]

    def _widen(self, tail: bytes, tail_start: int, new_start: int) -> tuple[bytes, int]:
        return self._source.get(new_start, tail_start - new_start) + tail, new_start

    def _no_end_record(self, tail: bytes, tail_start: int) -> ContentsError:
        """Tell a zip cut short (starts with a local header) from something else entirely."""
        head = tail[:4] if tail_start == 0 else self._source.get(0, min(4, tail_start))
        if head.startswith(zipformat.LOCAL_MAGIC):
            return TruncatedZipError(
                f"the object ({self._source.size:,} bytes) starts like a zip but has no end of "
                "central directory record: it is truncated"
            )
        return NotAZipError(
            f"the object ({self._source.size:,} bytes) is not a zip archive: no end of central "
            f"directory record in its last {len(tail):,} bytes (starts with {head[:4]!r})"
        )

    def _list_local(self) -> tuple[ZipEntry, ...]:
        local = self._source.local_copy
        assert local is not None
        try:
            with zipfile.ZipFile(local) as archive:
                infos = archive.infolist()
        except zipfile.BadZipFile as exc:
            local.seek(0)
            if local.read(4).startswith(zipformat.LOCAL_MAGIC):
                raise TruncatedZipError(f"the archive is truncated or damaged: {exc}") from exc
            raise NotAZipError(f"the object is not a zip archive: {exc}") from exc
        return tuple(_entry_from_info(info) for info in infos)

    # -- members -------------------------------------------------------------------------------

    def _check_readable(self, entry: ZipEntry) -> None:
        if entry.encrypted:
            raise CorruptZipError(f"{entry.path} is encrypted; it cannot be read")
        if entry.method not in (zipformat.METHOD_STORED, zipformat.METHOD_DEFLATED):
            raise CorruptZipError(
                f"{entry.path} uses compression method {entry.method}; only stored and "
                "deflate can be read"
            )

    def _member_data(self, entry: ZipEntry, compressed_length: int) -> bytes:
        """The first ``compressed_length`` bytes of a member's data, usually in one GET."""
        size = self._object_size()
        guess = zipformat.LOCAL.size + len(entry.path.encode()) + _LOCAL_EXTRA_ALLOWANCE
        first = min(guess + compressed_length, size - entry.header_offset)
        if first < zipformat.LOCAL.size:
            raise TruncatedZipError(f"{entry.path}: local header lies beyond the object's end")
        block = self._source.get(entry.header_offset, first)
        try:
            data_at = zipformat.local_data_offset(block)
        except ZipFormatError as exc:
            raise CorruptZipError(f"{entry.path}: {exc}") from exc
        data_end = entry.header_offset + data_at + compressed_length
        if data_end > size:
            raise TruncatedZipError(
                f"{entry.path}: its data ends at byte {data_end:,}, the object has {size:,}"
            )
        have = block[data_at : data_at + compressed_length]
        if len(have) < compressed_length:
            rest = compressed_length - len(have)
            have += self._source.get(entry.header_offset + len(block), rest)
        return have

    def _object_size(self) -> int:
        if self._source.size is None:
            self.entries()
        assert self._source.size is not None
        return self._source.size


def _entry_from_info(info: zipfile.ZipInfo) -> ZipEntry:
    return ZipEntry(
        path=info.filename,
        size=info.file_size,
        compressed_size=info.compress_size,
        crc32=info.CRC,
        method=info.compress_type,
        modified=_info_datetime(info.date_time),
        is_dir=info.is_dir(),
        header_offset=info.header_offset,
        flags=info.flag_bits,
        external_attr=info.external_attr,
        mode=(info.external_attr >> 16) if info.create_system == zipformat.UNIX_CREATOR else None,
    )


def _info_datetime(parts: tuple[int, int, int, int, int, int]) -> datetime:
    try:
        return datetime(*parts)
    except ValueError:
        return datetime(1980, 1, 1)


__all__ = [
    "DEFAULT_MEMBER_LIMIT",
    "TAIL_BYTES",
    "ContentAccessError",
    "ContentsError",
    "CorruptZipError",
    "MemberTooLargeError",
    "NotAZipError",
    "RangeSource",
    "RemoteZip",
    "TruncatedZipError",
    "UrlProvider",
    "ZipEntry",
]
