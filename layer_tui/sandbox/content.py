"""Layer zips served the way S3 serves them behind GetLayerVersion's presigned ``Location``.

AWS hands out a presigned S3 GET URL valid for 10 minutes. Only the host is signed, so ``Range``
requests work (206) and clients read a zip's central directory from its tail; HEAD is not what
was signed, so it gets 403; after expiry, 403 "Request has expired". moto returns the literal
``"s3://"`` instead, so the sandbox signs and serves these URLs itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from moto.awslambda.exceptions import UnknownLayerException
from moto.awslambda.models import LayerVersion, lambda_backends

from layer_tui.sandbox.faults import Faults
from layer_tui.sandbox.stats import SandboxStats

CONTENT_PREFIX = "/_content/"
#: Big enough to keep syscalls few, small enough that a 60 MB zip is never copied whole.
CHUNK_BYTES = 256 * 1024

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ContentSigner:
    """Makes and checks the sandbox's presigned content URLs (HMAC over path and expiry)."""

    def __init__(self, secret: bytes, ttl: Callable[[], float]) -> None:
        self._secret = secret
        self._ttl = ttl

    def url(self, base_url: str, layer_version: LayerVersion) -> str:
        path = content_path(
            layer_version.account_id,
            layer_version.region,
            layer_version.name,
            layer_version.version,
        )
        signed_at = datetime.now(UTC).strftime(_AMZ_DATE)
        expires = str(max(0, int(self._ttl())))
        signature = self._signature(path, signed_at, expires)
        return (
            f"{base_url}{quote(path)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={signed_at}"
            f"&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
        )

    def check(self, path: str, query: dict[str, list[str]]) -> str | None:
        """``None`` when the URL is valid now, else the S3 error message for the 403."""
        signed_at = _first(query, "X-Amz-Date")
        expires = _first(query, "X-Amz-Expires")
        signature = _first(query, "X-Amz-Signature")
        if not (signed_at and expires and signature and expires.isdigit()):
            return "Query-string authentication requires the X-Amz-Signature parameter"
        expected = self._signature(path, signed_at, expires)
        if not hmac.compare_digest(expected, signature):
            return "The request signature we calculated does not match the signature you provided"
        try:
            start = datetime.strptime(signed_at, _AMZ_DATE).replace(tzinfo=UTC).timestamp()
        except ValueError:
            return "X-Amz-Date must be in the ISO8601 Long Format"
        if time.time() >= start + int(expires):
            return "Request has expired"
        return None

    def _signature(self, path: str, signed_at: str, expires: str) -> str:
        message = f"GET\n{path}\n{signed_at}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def content_path(account_id: str, region: str, layer_name: str, version: int) -> str:
    return f"{CONTENT_PREFIX}{account_id}/{region}/{layer_name}/{version}"


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


class ContentServer:
    """The WSGI handler for ``/_content/...`` paths."""

    def __init__(
        self, signer: ContentSigner, stats: SandboxStats, faults: Callable[[], Faults]
    ) -> None:
        self._signer = signer
        self._stats = stats
        self._faults = faults

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, query: dict[str, list[str]]
    ) -> Iterable[bytes]:
        path = unquote(str(environ.get("PATH_INFO", "")))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if method != "GET":
            # The URL's signature covers GET only; S3 answers anything else with a bare 403.
            start_response("403 Forbidden", [("Content-Length", "0")])
            return [b""]
        self._stats.count_content_request(path)
        problem = self._signer.check(path, query)
        if problem is not None:
            return _s3_error(start_response, "403 Forbidden", "AccessDenied", problem)
        layer_version = _find_layer_version(path)
        if layer_version is None:
            return _s3_error(
                start_response, "404 Not Found", "NoSuchKey", "The specified key does not exist."
            )
        faults = self._faults()
        if faults.content_latency > 0:
            time.sleep(faults.content_latency)
        data = memoryview(layer_version.code_bytes)
        if layer_version.name in faults.wrong_content_layers and len(data):
            data = memoryview(bytes(data[:-1]) + bytes([data[-1] ^ 0xFF]))
        size = len(data)
        range_header = None if faults.ignore_range else environ.get("HTTP_RANGE")
        try:
            span = _parse_range(range_header, size) if range_header else None
        except RangeNotSatisfiable:
            start_response(
                "416 Requested Range Not Satisfiable",
                [("Content-Range", f"bytes */{size}"), ("Content-Type", "application/xml")],
            )
            body = _s3_error_body("InvalidRange", "The requested range is not satisfiable")
            return [body]
        headers = [
            ("Content-Type", "application/zip"),
            ("Accept-Ranges", "bytes"),
            ("ETag", f'"{layer_version.code_digest[:32]}"'),
        ]
        if span is None:
            first, last = 0, size - 1
            status = "200 OK"
        else:
            first, last = span
            status = "206 Partial Content"
            headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
        headers.append(("Content-Length", str(last - first + 1)))
        start_response(status, headers)
        return self._stream(path, data, first, last + 1)

    def _stream(self, path: str, data: memoryview, start: int, stop: int) -> Iterator[bytes]:
        for offset in range(start, stop, CHUNK_BYTES):
            chunk = bytes(data[offset : min(offset + CHUNK_BYTES, stop)])
            # Counted before it is written, so a client that has read everything also sees
            # the final count; a client that hangs up makes the server close this generator
            # at the yield, and the chunk it never got is taken back off.
            self._stats.count_content_bytes(path, len(chunk))
            try:
                yield chunk
            except GeneratorExit:
                self._stats.count_content_bytes(path, -len(chunk))
                raise


class RangeNotSatisfiable(ValueError):
    pass


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive, or ``None`` to send everything; raises when unsatisfiable.

    Like S3: one range only; a header that is not a valid single byte range is ignored.
    """
    match = _SINGLE_RANGE.match(header.strip())
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header)
    return first, min(last, size - 1)


def _find_layer_version(path: str) -> LayerVersion | None:
    parts = path[len(CONTENT_PREFIX) :].split("/")
    if len(parts) != 4 or not parts[3].isdigit():
        return None
    account_id, region, layer_name, version = parts
    if account_id not in lambda_backends or region not in lambda_backends[account_id]:
        return None
    try:
        found = lambda_backends[account_id][region].get_layer_version(layer_name, version)
    except UnknownLayerException:
        return None
    return found


def _s3_error_body(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        "<RequestId>SANDBOX</RequestId></Error>"
    ).encode()


def _s3_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = _s3_error_body(code, message)
    start_response(
        status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]
