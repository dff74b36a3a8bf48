"""The WSGI layer in front of moto: makes the sandbox answer the way AWS does.

Every request is served as the account its credentials belong to (``credentials``: the sandbox's
own account unless the key came from AssumeRole or ``Sandbox.credentials_for``; moto keeps one
process-global state per account, so several sandboxes in one process stay apart), counted,
subjected to the connection faults, delayed, checked against the region rules and the throttle,
then offered to the interceptors before and after moto.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from layer_tui.sandbox.calls import (
    ApiCall,
    ApiReply,
    Interceptor,
    error_reply,
    parse_query,
    shared_catalog,
    signing_scope,
)
from layer_tui.sandbox.content import CONTENT_PREFIX, ContentServer, StartResponse
from layer_tui.sandbox.credentials import AccountCredentials
from layer_tui.sandbox.faults import DroppedConnection, Faults, Throttle
from layer_tui.sandbox.stats import SandboxStats

WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_log = logging.getLogger(__name__)

_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class Gateway:
    """The WSGI callable the sandbox's HTTP server runs."""

    def __init__(
        self,
        moto_app: WsgiApp,
        credentials: AccountCredentials,
        content: ContentServer,
        faults: Callable[[], Faults],
        stats: SandboxStats,
        gate: Interceptor,
        interceptors: list[Interceptor],
        expire_content_urls: Callable[[], None],
    ) -> None:
        self._moto_app = moto_app
        self._credentials = credentials
        self._content = content
        self._faults = faults
        self._stats = stats
        self._throttle = Throttle(faults)
        self._catalog = shared_catalog()
        #: Refuses calls before anything else, throttling included (a not-enabled region).
        self._gate = gate
        #: Run in order before moto (first reply wins) and in reverse order after it.
        self.interceptors = interceptors
        self._expire_content_urls = expire_content_urls
        #: Set when the sandbox stops: stalled calls give up instead of outliving it.
        self._closing = threading.Event()

    def reset_throttle(self) -> None:
        self._throttle.reset()

    def close(self) -> None:
        """Ends every stall now (their connections are dropped)."""
        self._closing.set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        query = parse_query(str(environ.get("QUERY_STRING", "")))
        if path.startswith(CONTENT_PREFIX):
            expiry = self._faults().content_url_expiry
            if expiry is not None and expiry.strikes():
                self._expire_content_urls()
            return self._content(environ, start_response, query)
        # moto picks the account from this header; MOTO_ACCOUNT_ID would pin the whole process.
        account_id = self._credentials.account_of_request(environ)
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = account_id
        scope = signing_scope(environ.get("HTTP_AUTHORIZATION"))
        if scope is None:
            return self._moto_app(environ, start_response)
        call: ApiCall | None = None
        try:
            call = self._parse(environ, path, query, scope, account_id)
            reply = self._handle(call, environ)
        except DroppedConnection:
            raise  # the server hangs up without a response
        except Exception as error:
            # Never let werkzeug print a traceback into the terminal the TUI is drawing on.
            _log.debug("sandbox request failed: %s", path, exc_info=True)
            message = f"sandbox error: {type(error).__name__}: {error}"
            if call is None:
                reply = ApiReply.json({"__type": "ServiceException", "message": message}, 500)
            else:
                reply = error_reply(call, 500, "ServiceException", message)
        headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {_REASONS.get(reply.status, 'Status')}", headers)
        return [reply.body]

    def _parse(
        self,
        environ: dict[str, Any],
        path: str,
        query: dict[str, list[str]],
        scope: tuple[str, str],
        account_id: str,
    ) -> ApiCall:
        region, service = scope
        body = _read_body(environ)
        protocol = self._catalog.protocol(service)
        fields = dict(query)
        content_type = str(environ.get("CONTENT_TYPE", ""))
        if protocol in ("query", "ec2") and content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            fields.update(parse_query(body.decode("utf-8", "replace")))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation, path_params = self._catalog.resolve(service, method, path, fields, target)
        return ApiCall(
            service=service,
            region=region,
            operation=operation,
            protocol=protocol,
            method=method,
            path=path,
            query=fields,
            body=body,
            account_id=account_id,
            path_params=path_params,
        )

    def _handle(self, call: ApiCall, environ: dict[str, Any]) -> ApiReply:
        self._stats.count_api_call(call.region, call.operation)
        faults = self._faults()
        self._break_connection(call, faults)
        for hold in faults.held_calls:
            hold.hold(call.region, call.operation, self._closing)
        if faults.latency > 0:
            time.sleep(faults.latency)
        refusal = self._gate.before(call)
        if refusal is not None:
            return refusal
        if self._throttle.should_throttle(call.account_id, call.region, _attempt(call, environ)):
            self._stats.count_throttled_call(call.region, call.operation)
            throttled = error_reply(
                call,
                429,
                "TooManyRequestsException",
                "Rate exceeded",
                Reason="CallerRateLimitExceeded",
            )
            throttled.headers.append(("Retry-After", "1"))
            return throttled
        interceptors = list(self.interceptors)
        answer: ApiReply | None = None
        answered_by = len(interceptors)
        for position, interceptor in enumerate(interceptors):
            answer = interceptor.before(call)
            if answer is not None:
                answered_by = position
                break
        reply = answer if answer is not None else self._forward(environ)
        # Interceptors ahead of the one that answered still see the reply (e.g. RevisionId is
        # added to ListFunctions pages that the paging interceptor builds itself).
        for interceptor in reversed(interceptors[:answered_by]):
            reply = interceptor.after(call, reply)
        return reply

    def _break_connection(self, call: ApiCall, faults: Faults) -> None:
        """The first of ``faults.connection_faults`` that strikes this call, if any, applies."""
        for fault in faults.connection_faults:
            if not fault.strikes(call.region, call.operation):
                continue
            if fault.kind == "reset" or self._closing.wait(fault.stall_seconds):
                raise DroppedConnection(f"{fault.kind}: {call.operation} in {call.region}")
            return

    def _forward(self, environ: dict[str, Any]) -> ApiReply:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return None

        chunks = self._moto_app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return ApiReply(captured["status"], captured["headers"], body)


def _attempt(call: ApiCall, environ: dict[str, Any]) -> str:
    """One attempt of one request, named the same on every run (botocore numbers attempts)."""
    query = sorted((name, value) for name, values in call.query.items() for value in values)
    # "ttl=20261122T213840Z; attempt=2; max=4": only the attempt is the same on every run.
    header = str(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    number = next((part for part in header.split("; ") if part.startswith("attempt=")), "")
    return f"{call.region} {call.operation} {call.path} {query} {call.body!r} {number}"


def _read_body(environ: dict[str, Any]) -> bytes:
    """Reads the request body and puts it back, so moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = stream.read(length) if stream is not None and length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body
