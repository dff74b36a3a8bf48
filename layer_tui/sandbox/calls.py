"""One AWS API request as the gateway sees it, the reply it sends, and how errors look on the wire.

The operation name comes from botocore's own service model (the same one the client used to
build the request), so counters and interceptors speak in AWS's operation names
(``ListLayerVersions``), not in URL paths.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import botocore.session
from botocore.configprovider import ConstantProvider
from botocore.exceptions import UnknownServiceError

#: ``AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/lambda/aws4_request, ...``
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")

#: Protocols whose errors are XML documents rather than JSON.
_XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})


def profile_free_session() -> botocore.session.Session:
    """A botocore session that ignores AWS_PROFILE.

    The sandbox must work whatever profile the shell names, even one that does not exist
    (botocore would raise ProfileNotFound the first time it reads its configuration).
    """
    session = botocore.session.Session()
    session.get_component("config_store").set_config_provider("profile", ConstantProvider(None))
    return session


@dataclass(frozen=True)
class ApiCall:
    """A parsed request: who it is for (service, region, account) and what it asks."""

    service: str
    region: str
    operation: str
    protocol: str
    method: str
    path: str
    query: Mapping[str, list[str]]
    body: bytes
    account_id: str
    #: Path parameters by their botocore member name (``LayerName``, ``VersionNumber``...).
    path_params: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json_body(self) -> dict[str, Any]:
        if not self.body:
            return {}
        loaded = json.loads(self.body)
        return loaded if isinstance(loaded, dict) else {}


@dataclass
class ApiReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> ApiReply:
        return cls(
            status,
            [("Content-Type", "application/json"), ("x-amzn-RequestId", str(uuid.uuid4()))],
            json.dumps(payload).encode(),
        )

    def payload(self) -> Any:
        return json.loads(self.body) if self.body else None


def error_reply(call: ApiCall, status: int, code: str, message: str, **extra: Any) -> ApiReply:
    """An error the way ``call``'s protocol spells it, so botocore parses code and message."""
    request_id = str(uuid.uuid4())
    if call.protocol in _XML_PROTOCOLS:
        error = f"<Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
        if call.protocol == "ec2":
            document = f"<Response><Errors><Error>{error}</Error></Errors>"
            document += f"<RequestID>{request_id}</RequestID></Response>"
        else:
            document = f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error>"
            document += f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        return ApiReply(
            status,
            [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
            document.encode(),
        )
    # restJson (Lambda) carries the code in a header as well as in the body.
    body = {"__type": code, "message": message, **extra}
    return ApiReply(
        status,
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ],
        json.dumps(body).encode(),
    )


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signing_scope(authorization: str | None) -> tuple[str, str] | None:
    """(region, service) from a SigV4 ``Authorization`` header, or ``None`` when unsigned."""
    if not authorization:
        return None
    match = _CREDENTIAL_SCOPE.search(authorization)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    required_query: tuple[tuple[str, str], ...]
    specificity: int
    #: Required members sent in the query string (S3 AbortMultipartUpload's uploadId) and how
    #: many in headers (CopyObject's x-amz-copy-source): what tells apart operations that share
    #: a method and a path (DeleteObject, PutObject).
    query_members: tuple[str, ...] = ()
    header_members: int = 0


class OperationCatalog:
    """Names the operation of a request from botocore's service models, loaded lazily."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session = profile_free_session()
        self._protocols: dict[str, str] = {}
        self._routes: dict[str, list[_Route]] = {}

    def protocol(self, service: str) -> str:
        self._load(service)
        return self._protocols[service]

    def resolve(
        self, service: str, method: str, path: str, query: Mapping[str, list[str]], target: str
    ) -> tuple[str, dict[str, str]]:
        """(operation, path parameters) for a request; unknown ones get a descriptive name."""
        self._load(service)
        protocol = self._protocols[service]
        if protocol in ("json",) and target:
            return target.rsplit(".", 1)[-1], {}
        if protocol in ("query", "ec2"):
            action = query.get("Action")
            return (action[0] if action else "Unknown"), {}
        for route in self._routes[service]:
            if route.method != method:
                continue
            match = route.pattern.match(path)
            if match is None:
                continue
            if all(query.get(key, [None])[0] == value for key, value in route.required_query
                   ) and all(key in query for key in route.query_members):
                return route.operation, match.groupdict()
        return f"{method} {path}", {}

    def _load(self, service: str) -> None:
        with self._lock:
            if service in self._protocols:
                return
            try:
                model = self._session.get_service_model(service)
            except UnknownServiceError:
                self._protocols[service] = "rest-json"
                self._routes[service] = []
                return
            self._protocols[service] = model.protocol
            routes = [_route(model.operation_model(name)) for name in model.operation_names]
            # Headers are not seen here: on a tie, the route that needs none goes first.
            routes.sort(key=lambda route: (-len(route.required_query), -route.specificity,
                                           route.header_members))
            self._routes[service] = routes


_shared_catalog: OperationCatalog | None = None
_shared_catalog_lock = threading.Lock()


def shared_catalog() -> OperationCatalog:
    """The process's one catalogue: it is botocore's models, the same for every sandbox, and
    building a service's routes takes longer than a sandbox takes to start."""
    global _shared_catalog
    with _shared_catalog_lock:
        if _shared_catalog is None:
            _shared_catalog = OperationCatalog()
        return _shared_catalog


def _route(operation: Any) -> _Route:
    http = operation.http
    uri, _, required = str(http["requestUri"]).partition("?")
    required_query = tuple(
        (key, values[0]) for key, values in parse_qs(required, keep_blank_values=True).items()
    )
    template = uri.rstrip("/") or "/"
    regex = ""
    literal = 0
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{"):
            name = piece.strip("{}")
            greedy = name.endswith("+")
            regex += f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
        else:
            regex += re.escape(piece)
            literal += len(piece)
    shape = operation.input_shape
    needed = [shape.members[name].serialization for name in shape.required_members] if shape else []
    return _Route(
        operation=operation.name,
        method=str(http["method"]),
        pattern=re.compile(f"^{regex}/?$"),
        required_query=required_query,
        specificity=literal,
        query_members=tuple(str(m.get("name")) for m in needed
                            if m.get("location") == "querystring"),
        header_members=sum(1 for m in needed if m.get("location") == "header"),
    )


def parse_query(query_string: str) -> dict[str, list[str]]:
    return parse_qs(query_string, keep_blank_values=True)


class Interceptor:
    """A hook around moto: answer a call itself (``before``) or fix moto's reply (``after``).

    The sandbox's AWS behaviours (paging, content URLs, ListRegions) are interceptors; later
    ones (RevisionId checks, 409 while an update runs, 412 on a stale RevisionId) plug in the
    same way through ``Sandbox.add_interceptor``.
    """

    def before(self, call: ApiCall) -> ApiReply | None:
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        return reply
