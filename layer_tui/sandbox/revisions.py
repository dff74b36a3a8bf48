"""Functions' RevisionId, 412 and 409, as AWS has them and moto does not.

Every ``$LATEST`` configuration carries a RevisionId that changes on each update. An update
naming a stale RevisionId gets 412 ``PreconditionFailedException``; an update leaves
``LastUpdateStatus`` at ``InProgress`` for ``update_seconds``, and any update during that time
gets 409 ``ResourceConflictException`` — so repin's real code paths run against the sandbox.
An update also moves ``LastModified`` to the time it landed (moto keeps the creation time), so
a screen refreshed after a repin shows when each moved function last changed.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply

_UPDATES = frozenset({"UpdateFunctionConfiguration", "UpdateFunctionCode"})
_READS = frozenset(
    {"GetFunction", "GetFunctionConfiguration", "ListFunctions", "CreateFunction", *_UPDATES}
)
FunctionKey = tuple[str, str, str]


def _name(ref: str) -> str:
    # FunctionName may be a name, a partial ARN or a full ARN, possibly qualified.
    parts = ref.split(":")
    if len(parts) >= 7:
        return parts[6]
    return parts[0]


def _aws_now() -> str:
    """Now as Lambda writes LastModified: ``2026-11-20T09:00:00.123+0000``."""
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class FunctionRevisions(Interceptor):
    """Tracks RevisionId and the update-in-progress window of each function's $LATEST."""

    def __init__(
        self, update_seconds: float = 0.3, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.update_seconds = update_seconds
        self._now = now
        self._lock = threading.Lock()
        self._revisions: dict[FunctionKey, str] = {}
        self._busy_until: dict[FunctionKey, float] = {}
        #: LastModified of each function updated through the API, as AWS stamps it.
        self._modified: dict[FunctionKey, str] = {}
        #: Functions whose next update should fail with 409 this many times (a 409 storm).
        self.conflicts: dict[str, int] = {}

    def _key(self, call: ApiCall, name: str) -> FunctionKey:
        return (call.account_id, call.region, _name(name))

    def revision(self, key: FunctionKey) -> str:
        with self._lock:
            return self._revisions.setdefault(key, str(uuid.uuid4()))

    def touch(self, account: str, region: str, name: str) -> None:
        """Someone else changed the function: a new RevisionId (for tests of 412)."""
        with self._lock:
            self._revisions[(account, region, name)] = str(uuid.uuid4())

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "lambda" or call.operation not in _UPDATES:
            return None
        name = call.path_params.get("FunctionName", "")
        key = self._key(call, name)
        wanted = call.json_body().get("RevisionId")
        with self._lock:
            storm = self.conflicts.get(key[2], 0)
            if storm > 0:
                self.conflicts[key[2]] = storm - 1
                busy = True
            else:
                busy = self._busy_until.get(key, 0.0) > self._now()
            current = self._revisions.get(key)
        if busy:
            return error_reply(
                call,
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {key[2]}",
            )
        if wanted and current is not None and wanted != current:
            return error_reply(
                call,
                412,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetFunction/GetAlias API to retrieve the latest Revision Id",
            )
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        if call.service != "lambda" or call.operation not in _READS or reply.status >= 300:
            return reply
        payload = reply.payload()
        if not isinstance(payload, dict):
            return reply
        if call.operation in _UPDATES:
            key = self._key(call, call.path_params.get("FunctionName", ""))
            with self._lock:
                self._revisions[key] = str(uuid.uuid4())
                self._busy_until[key] = self._now() + self.update_seconds
                self._modified[key] = _aws_now()
        configs: list[dict[str, Any]]
        if call.operation == "ListFunctions":
            configs = list(payload.get("Functions") or [])
        elif call.operation == "GetFunction":
            configs = [payload.get("Configuration") or {}]
        else:
            configs = [payload]
        for config in configs:
            self._decorate(call, config)
        reply.body = json.dumps(payload).encode()
        reply.headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
        return reply

    def _decorate(self, call: ApiCall, config: dict[str, Any]) -> None:
        name = config.get("FunctionName")
        if not name:
            return
        version = config.get("Version", "$LATEST")
        if version != "$LATEST":
            # Published versions never change: a RevisionId fixed by their identity.
            config["RevisionId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, config["FunctionArn"]))
            return
        key = self._key(call, name)
        config["RevisionId"] = self.revision(key)
        with self._lock:
            busy = self._busy_until.get(key, 0.0) > self._now()
            if key in self._modified:
                config["LastModified"] = self._modified[key]
        config["LastUpdateStatus"] = "InProgress" if busy else "Successful"
        if busy:
            config["LastUpdateStatusReason"] = "The function is being updated"
