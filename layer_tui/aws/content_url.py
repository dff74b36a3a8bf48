"""Byte ranges of one object behind a presigned content URL, counted as they arrive.

GetLayerVersion's ``Content.Location`` is a presigned S3 GET URL that signs only the host, so
``Range:`` works (206) and HEAD does not; it expires after 10 minutes (then 403), and the
provider is asked for a fresh one, once per request. A server that ignores ``Range`` and answers
200 sends the whole object whatever we do: it is streamed to a spooled temporary file (never
held in memory) and every later read is served from that file.

The content host is not trusted to bound anything. Nothing past the range asked for is read (a
206 that announces more is refused, one that does not say is cut there), a whole-object 200 is
read only up to CodeSize (and refused when CodeSize is unknown), error bodies only up to 64 KiB,
and a redirect is followed only on the same host: another host would get the Range header and
the request's timing, and S3 never sends a presigned GET elsewhere.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import IO
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError, ProtocolError

from layer_tui.aws.errors import redact

UrlProvider = Callable[[], str]
ByteCounter = Callable[[int], None]

_CHUNK = 256 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
#: S3's error documents are a few hundred bytes; anything longer is not read to its end.
_ERROR_BODY_LIMIT = 64 * 1024
#: Same-host redirects followed per request (S3 sends none for a presigned GET).
MAX_SAME_HOST_REDIRECTS = 2
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

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
                # Redirects are never urllib3's to follow (it would take Range to any host).
                retries=urllib3.Retry(total=3, connect=2, read=0, status=0, redirect=False),
            )
        return _shared_pool


class ContentsError(Exception):
    """Why a layer version's contents could not be read; the message is for the user.

    The message is redacted: it may name the content URL, whose query holds its signature.
    """

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class NotAZipError(ContentsError):
    """The object has no end-of-central-directory record and does not start like a zip."""


class TruncatedZipError(ContentsError):
    """The object is shorter than the archive it holds says it is."""


class CorruptZipError(ContentsError):
    """The archive's structures contradict themselves."""


class ContentAccessError(ContentsError):
    """The content URL could not be read (refused, missing, unreachable, misbehaving)."""


def open_content(
    http: urllib3.PoolManager, url: str, headers: dict[str, str], count: ByteCounter
) -> urllib3.BaseHTTPResponse:
    """GET ``url`` and return the response, its body unread, after any same-host redirects.

    A redirect to another scheme, host or port is refused before anything is sent there; on
    the same host at most ``MAX_SAME_HOST_REDIRECTS`` are followed. ``count`` gets the bytes of
    the redirect bodies read on the way.
    """
    origin = _origin(url)
    for _ in range(MAX_SAME_HOST_REDIRECTS + 1):
        if not url.startswith(("https://", "http://")):
            raise ContentAccessError(f"the content location is not an http(s) URL: {url}")
        try:
            response = http.request(
                "GET", url, headers=headers, preload_content=False, decode_content=False,
                redirect=False,
            )  # fmt: skip
        except HTTPError as exc:
            reason = " ".join(str(getattr(exc, "reason", None) or exc).split())
            raise ContentAccessError(
                f"could not reach the content host {_host_label(url)} ({reason}); check the "
                "network and any proxy settings"
            ) from exc
        if response.status not in _REDIRECT_STATUSES:
            return response
        location = response.headers.get("Location")
        discard_body(response, count)
        if not location:
            raise ContentAccessError(
                f"the content host answered HTTP {response.status} with no Location to go to"
            )
        target = urljoin(url, location)
        if _origin(target) != origin:
            raise ContentAccessError(
                f"the content host redirected to another host ({_host_label(target)}); not "
                "followed, so nothing was sent there (a proxy or a forged content URL?)"
            )
        url = target
    raise ContentAccessError(
        f"the content host redirected more than {MAX_SAME_HOST_REDIRECTS} times; not followed "
        "further"
    )


def read_at_most(
    response: urllib3.BaseHTTPResponse, limit: int, count: ByteCounter
) -> Iterator[bytes]:
    """The body in chunks, ``limit`` bytes at most in all: what lies past it is never read."""
    left = limit
    while left > 0:
        chunk = response.read(min(_CHUNK, left), decode_content=False)
        if not chunk:
            return
        count(len(chunk))
        left -= len(chunk)
        yield chunk


def discard_body(response: urllib3.BaseHTTPResponse, count: ByteCounter) -> None:
    """Read and count an error or redirect body (S3's XML), at most 64 KiB of it."""
    try:
        for _ in read_at_most(response, _ERROR_BODY_LIMIT, count):
            pass
    except HTTPError:
        response.close()


def finish(response: urllib3.BaseHTTPResponse) -> None:
    """Give the connection back to the pool only when its body was read to the end.

    A body cut short (or of unknown length) would leave bytes on the connection that the next
    request through it would read as its own response.
    """
    if response.length_remaining != 0:
        response.close()
    response.release_conn()


def announced_length(response: urllib3.BaseHTTPResponse) -> int | None:
    """The Content-Length the response announced, if it did (and it is a number)."""
    value = response.headers.get("Content-Length", "")
    return int(value) if value.strip().isdigit() else None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # an unparsable port matches nothing
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


def _host_label(url: str) -> str:
    """Host and port only: never the userinfo, the path or the query of a URL."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.hostname or '?'}{port}"


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
            response = open_content(
                self._http,
                self._url,
                {"Range": f"bytes={spec}", "Accept-Encoding": "identity"},
                self._count,
            )
            try:
                status = response.status
                if status == 206:
                    return self._partial_body(response, start, length, spec)
                if status == 200:
                    self._spool_whole(response)
                    return self._read_local(start, length)
                discard_body(response, self._count)
            except BaseException:
                # Never hand a half-read connection back to the pool.
                response.close()
                raise
            finally:
                finish(response)
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

    def _count(self, received: int) -> None:
        self.bytes_fetched += received

    def _partial_body(
        self, response: urllib3.BaseHTTPResponse, start: int | None, length: int, spec: str
    ) -> bytes:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
        if match is None:
            raise ContentAccessError("206 response without a usable Content-Range header")
        first, last, total = int(match[1]), int(match[2]), match[3]
        span = last - first + 1
        announced = announced_length(response)
        if span > length or span < 1 or (announced is not None and announced > span):
            # Refused before its body is read: a host that says it sends other bytes than
            # asked for is not serving the object GetLayerVersion described.
            sending = f"{announced:,}" if announced is not None else f"{span:,}"
            raise ContentAccessError(
                f"the content host sent more than asked: {sending} bytes (bytes {first}-{last}) "
                f"for a request of {length:,} (bytes={spec}); refused"
            )
        body = self._read_body(response, span)
        if total != "*":
            self._note_size(int(total))
        elif self.size is None:
            raise ContentAccessError("the server did not say how large the object is")
        size = self.size or 0
        expected_first = size - min(length, size) if start is None else start
        if first != expected_first or len(body) != span:
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

    def _read_body(self, response: urllib3.BaseHTTPResponse, limit: int) -> bytes:
        chunks: list[bytes] = []
        try:
            for chunk in read_at_most(response, limit, self._count):
                chunks.append(chunk)
        except ProtocolError as exc:
            received = sum(map(len, chunks))
            raise TruncatedZipError(
                f"the server closed the connection after {received:,} bytes: short read"
            ) from exc
        except HTTPError as exc:
            raise ContentAccessError(f"reading the content URL failed: {exc}") from exc
        return b"".join(chunks)

    def _spool_whole(self, response: urllib3.BaseHTTPResponse) -> None:
        cap = self._declared_size
        if cap is None:
            raise ContentAccessError(
                "the content host ignored Range and sent the whole object, and its size "
                "(CodeSize) is unknown, so the download could not be bounded; refused"
            )
        announced = announced_length(response)
        if announced is not None and announced > cap:
            raise ContentAccessError(
                f"the content host sent more than asked: it ignored Range and announced "
                f"{announced:,} bytes where CodeSize is {cap:,}; refused"
            )
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self._spool_in_memory)  # noqa: SIM115
        received = 0
        try:
            # CodeSize is the object: bytes a host sends past it are no part of it.
            for chunk in read_at_most(response, cap, self._count):
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
    "MAX_SAME_HOST_REDIRECTS",
    "ContentAccessError",
    "ContentURL",
    "ContentsError",
    "CorruptZipError",
    "NotAZipError",
    "TruncatedZipError",
    "UrlProvider",
    "announced_length",
    "discard_body",
    "finish",
    "open_content",
    "read_at_most",
    "shared_pool",
]
