"""Byte ranges of one object behind a presigned content URL, counted as they arrive.

GetLayerVersion's ``Content.Location`` is a presigned S3 GET URL that signs only the host, so
``Range:`` works (206) and HEAD does not; it expires after 10 minutes (then 403), and the
provider is asked for a fresh one, once per request. A server that ignores ``Range`` and answers
200 sends the whole object whatever we do: it is streamed to a spooled temporary file (never
held in memory) and every later read is served from that file.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable
from typing import IO

import urllib3
from urllib3.exceptions import HTTPError, ProtocolError

UrlProvider = Callable[[], str]

_CHUNK = 256 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

_pool_lock = threading.Lock()
_shared_pool: urllib3.PoolManager | None = None


def shared_pool() -> urllib3.PoolManager:
    """One keep-alive pool for every reader: a region's content URLs share one S3 host."""
    global _shared_pool
    with _pool_lock:
        if _shared_pool is None:
            _shared_pool = urllib3.PoolManager(
                num_pools=8,
                maxsize=4,
                timeout=urllib3.Timeout(connect=10.0, read=30.0),
                # Retry only failures to connect: a retried read would make the byte count lie.
                retries=urllib3.Retry(total=3, connect=2, read=0, status=0, redirect=2),
            )
        return _shared_pool


class ContentsError(Exception):
    """Why a layer version's contents could not be read; the message is for the user."""


class NotAZipError(ContentsError):
    """The object has no end-of-central-directory record and does not start like a zip."""


class TruncatedZipError(ContentsError):
    """The object is shorter than the archive it holds says it is."""


class CorruptZipError(ContentsError):
    """The archive's structures contradict themselves."""


class ContentAccessError(ContentsError):
    """The content URL could not be read (refused, missing, unreachable)."""


class ContentURL:
    """Range reads of one object, with URL refresh, honest byte counting and 200 fallback."""

    def __init__(
        self,
        url_provider: UrlProvider,
        *,
        size: int | None = None,
        http: urllib3.PoolManager | None = None,
        spool_in_memory: int = _SPOOL_IN_MEMORY,
    ) -> None:
        self._url_provider = url_provider
        self._url: str | None = None
        self._declared_size = size
        self.size = size
        self._http = http or shared_pool()
        self._spool_in_memory = spool_in_memory
        self._local: IO[bytes] | None = None
        #: Response-body bytes received, error bodies and a whole-object fallback included.
        self.bytes_fetched = 0
        self.url_refreshes = 0

    @property
    def downloaded_whole(self) -> bool:
        return self._local is not None

    @property
    def local_copy(self) -> IO[bytes] | None:
        """The spooled whole object once the server ignored Range, else None."""
        return self._local

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None

    def get(self, start: int | None, length: int) -> bytes:
        """Bytes ``start``..``start+length-1``, or the last ``length`` when ``start`` is None."""
        if self._local is not None:
            return self._read_local(start, length)
        spec = f"-{length}" if start is None else f"{start}-{start + length - 1}"
        for attempt in (0, 1):
            if self._url is None:
                self._url = self._url_provider()
            response = self._request(spec)
            try:
                status = response.status
                if status == 206:
                    return self._partial_body(response, start, length)
                if status == 200:
                    self._spool_whole(response)
                    return self._read_local(start, length)
                self._count_body(response)
            except BaseException:
                # Never hand a half-read connection back to the pool.
                response.close()
                raise
            finally:
                response.release_conn()
            if status == 403 and attempt == 0:
                # Presigned URLs live 10 minutes: ask for a fresh one, once per request.
                self._url = None
                self.url_refreshes += 1
                continue
            if status == 403:
                raise ContentAccessError(
                    "the content URL was refused (403) even after fetching a fresh one; "
                    "check lambda:GetLayerVersion permission and the system clock"
                )
            if status == 416:
                raise NotAZipError("the object is empty: not a zip archive")
            raise ContentAccessError(f"the content URL answered HTTP {status} for bytes={spec}")
        raise AssertionError("unreachable")

    def _request(self, spec: str) -> urllib3.BaseHTTPResponse:
        assert self._url is not None
        if not self._url.startswith(("https://", "http://")):
            raise ContentAccessError(f"the content location is not an http(s) URL: {self._url}")
        try:
            return self._http.request(
                "GET",
                self._url,
                headers={"Range": f"bytes={spec}", "Accept-Encoding": "identity"},
                preload_content=False,
                decode_content=False,
            )
        except HTTPError as exc:
            raise ContentAccessError(f"could not reach the content URL: {exc}") from exc

    def _partial_body(
        self, response: urllib3.BaseHTTPResponse, start: int | None, length: int
    ) -> bytes:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
        if match is None:
            self._count_body(response)
            raise ContentAccessError("206 response without a usable Content-Range header")
        first, last, total = int(match[1]), int(match[2]), match[3]
        body = self._read_body(response)
        if total != "*":
            self._note_size(int(total))
        elif self.size is None:
            raise ContentAccessError("the server did not say how large the object is")
        size = self.size or 0
        expected_first = size - min(length, size) if start is None else start
        if first != expected_first or len(body) != last - first + 1:
            raise TruncatedZipError(
                f"asked for {length:,} bytes at {expected_first:,}, received {len(body):,} "
                f"at {first:,}: short read"
            )
        return body

    def _note_size(self, total: int) -> None:
        declared = self._declared_size
        if declared is not None and total < declared:
            raise TruncatedZipError(
                f"the object is {total:,} bytes but CodeSize says {declared:,}: it is truncated"
            )
        self.size = total

    def _read_body(self, response: urllib3.BaseHTTPResponse) -> bytes:
        chunks: list[bytes] = []
        try:
            for chunk in response.stream(_CHUNK, decode_content=False):
                self.bytes_fetched += len(chunk)
                chunks.append(chunk)
        except ProtocolError as exc:
            received = sum(map(len, chunks))
            raise TruncatedZipError(
                f"the server closed the connection after {received:,} bytes: short read"
            ) from exc
        except HTTPError as exc:
            raise ContentAccessError(f"reading the content URL failed: {exc}") from exc
        return b"".join(chunks)

    def _count_body(self, response: urllib3.BaseHTTPResponse) -> None:
        """Read and count an error body (S3's XML) so the connection can be reused."""
        try:
            for chunk in response.stream(_CHUNK, decode_content=False):
                self.bytes_fetched += len(chunk)
        except HTTPError:
            response.close()

    def _spool_whole(self, response: urllib3.BaseHTTPResponse) -> None:
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self._spool_in_memory)  # noqa: SIM115
        received = 0
        try:
            for chunk in response.stream(_CHUNK, decode_content=False):
                self.bytes_fetched += len(chunk)
                received += len(chunk)
                spool.write(chunk)
            self._note_size(received)
        except HTTPError as exc:
            spool.close()
            raise TruncatedZipError(
                f"the server closed the connection after {received:,} bytes of the whole "
                "archive: short read"
            ) from exc
        except BaseException:
            spool.close()
            raise
        self._local = spool

    def _read_local(self, start: int | None, length: int) -> bytes:
        assert self._local is not None and self.size is not None
        begin = max(0, self.size - length) if start is None else start
        self._local.seek(begin)
        return self._local.read(length)


__all__ = [
    "ContentAccessError",
    "ContentURL",
    "ContentsError",
    "CorruptZipError",
    "NotAZipError",
    "TruncatedZipError",
    "UrlProvider",
    "shared_pool",
]
