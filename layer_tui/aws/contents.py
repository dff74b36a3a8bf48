"""Read a layer version's zip where it lies, over HTTP Range, without downloading it.

GetLayerVersion's ``Content.Location`` is a presigned S3 GET URL that signs only the host, so
``Range:`` requests work (206) and HEAD does not. Listing costs one suffix-range GET of the tail
(the end record and, for most layers, the whole central directory) plus at most one more GET
for the part of a large central directory the tail missed. Members are read one at a time on
demand. The URL expires after 10 minutes: a 403 asks the provider for a fresh one, once.

A server that ignores ``Range`` (answers 200 with the whole object) is the one case where the
whole archive travels; it is streamed to a spooled temporary file, never held in memory, and
listed by the same code from that copy. That fallback reads CodeSize bytes at most, so it needs
the ``size`` the caller got from GetLayerVersion; without one it is refused (see
``content_url``).

One zip reader: the central directory is parsed by stdlib ``zipfile`` over a
``range_file.RangeFile`` seeded with the tail, which fetches only what a read lacks: the same
requests and bytes as the hand-written parser it replaced (measured in ``range_file``).

Where ``zipfile`` differs from the parser it replaced (and what is done about it):

- End record: ``zipfile`` takes the last ``PK\x05\x06`` in the tail, even inside a comment, and
  then fails; ``zipformat.find_end_record`` finds the one whose comment length fits and
  ``zipfile`` is shown the archive ending there, its comment length read as zero.
- Entry count: ``zipfile`` reads records until the directory's size is used up and checks no
  count; the classic record's count is checked here (modulo 2**16). A ZIP64 record's count is
  not checked (the classic one says 0xFFFF): its entries are what the directory holds.
- Offsets: a directory whose stored offset lies past where it must be (the beginning of the
  object went missing) gives ``zipfile`` negative member offsets; they are refused here as a
  truncated archive, and so is a member header past the directory's start.
- Names: a name flagged UTF-8 that is not valid UTF-8 is refused (one line) where the parser
  listed it with U+FFFD; a name is cut at its first NUL byte (zipfile's guard against names
  that hide their tail); both come from ``zipfile.ZipInfo``.
- Dates: seconds past 59 (DOS stores two-second steps up to 62) are held to 59 on both paths.
- Unchanged: duplicate names are listed twice (``infolist``), data descriptors do not matter
  to a listing (the directory holds the sizes), encrypted entries are listed with their flag
  and refused when read; ZIP64 extras and end records, prefixed stubs and 65,536+ entries read
  as before. Member reads keep their single request (``zipformat.inflate`` over the bytes
  fetched with the local header), as ``zipfile``'s streaming reader would cost a request per
  buffer.
"""

from __future__ import annotations

import struct
import zipfile
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
from layer_tui.aws.range_file import RangeFile
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
        # A server that ignored Range has sent the whole object by now; the reads below then
        # come from the spooled copy, so both ways are listed by the same code.
        tail = self._source.get(None, span)
        if self._source.size is None:
            raise ContentAccessError("the server did not say how large the object is (bytes */*)")
        tail_start = self._source.size - len(tail)
        eocd = zipformat.find_end_record(tail, tail_start)
        if eocd is None:
            raise self._no_end_record(tail, tail_start)
        # zipfile takes the last end-record signature in the tail, even one inside the comment
        # (and then fails); show it the archive as ending at the record found here, whose
        # comment length fits, with that length read as zero: it then takes the record as is.
        view_end = eocd.position + zipformat.EOCD.size
        view = RangeFile(
            self._source.get, view_end, seed=tail, seed_start=tail_start,
            patch=(view_end - 2, b"\0\0"),
        )
        try:
            with zipfile.ZipFile(view) as archive:
                infos = archive.infolist()
                cd_start = archive.start_dir
        except zipfile.BadZipFile as exc:
            # zipfile's words for a directory that cannot be where the end record says.
            if "offset" in str(exc) or "Truncated" in str(exc):
                raise TruncatedZipError(f"the archive is truncated: {exc}") from exc
            raise CorruptZipError(f"the central directory is damaged: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CorruptZipError(
                f"a member's name is marked UTF-8 but is not valid UTF-8 ({exc.reason})"
            ) from exc
        except OSError as exc:  # the object ended before a read the directory asks for
            raise TruncatedZipError(f"the archive is truncated: {exc}") from exc
        except (ValueError, struct.error, IndexError) as exc:  # a field zipfile cannot decode
            raise CorruptZipError(f"the central directory is damaged: {exc}") from exc
        # Only a 16-bit count is stored without ZIP64 (0xFFFF says "see the ZIP64 record");
        # 65,536+ entries wrap it, so compare modulo 2**16 rather than refuse a valid archive.
        if eocd.entry_count != 0xFFFF and len(infos) % 0x10000 != eocd.entry_count:
            raise CorruptZipError(
                f"central directory lists {len(infos)} entries, "
                f"the end record says {eocd.entry_count}"
            )
        entries = tuple(zipformat.entry_from_info(info) for info in infos)
        for entry in entries:
            if entry.header_offset < 0 or entry.header_offset + 30 > cd_start:
                raise TruncatedZipError(
                    f"{entry.path} claims a local header at {entry.header_offset}, outside "
                    f"the part before the central directory (0-{cd_start}): the archive is "
                    "truncated"
                )
        return entries

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
