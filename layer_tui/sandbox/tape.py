"""The demo's changes, kept across restarts: every change the demo sandbox accepted, on a tape.

The demo sandbox is moto in this process, seeded the same way on every start, and moto keeps
nothing on disk. So the demo records each change it answered with success (publish, delete,
a function's new layer list, an S3 upload) as the request it was and the account it was made
in (the demo organization's members too), one JSON line each, and the next start replays them
in order on the fresh seed, each signed as its account, before anyone is served. The seed is
deterministic, so the replay lands on the same layers and version numbers.

A RevisionId is new on each replay (the sandbox draws them at random, as AWS does): a replayed
update drops the RevisionId it was made against, and an undo journaled before a restart then
finds the function "changed since the repin" and leaves it alone, the safe way to be wrong.
``--demo --reset`` throws the tape away with the rest of the demo's state.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor

#: Services whose changes the demo makes (REST protocols: a call is its method, path, body).
_SERVICES = frozenset({"lambda", "s3"})
_READ_PREFIXES = ("Get", "List", "Head", "Describe", "Select")


def _changes(call: ApiCall) -> bool:
    return call.service in _SERVICES and not call.operation.startswith(_READ_PREFIXES)


class DemoTape(Interceptor):
    """Appends every successful change to ``path``; ``replay`` plays a tape back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        if reply.status < 300 and _changes(call):
            line = {
                "service": call.service,
                "account": call.account_id,
                "region": call.region,
                "operation": call.operation,
                "method": call.method,
                "path": call.path,
                "query": urlencode({k: v for k, v in call.query.items()}, doseq=True),
                "body": base64.b64encode(call.body).decode("ascii"),
            }
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with self.path.open("a", encoding="utf-8") as tape:
                    tape.write(json.dumps(line) + "\n")
        return reply


def _replayed_body(entry: dict[str, Any]) -> bytes:
    body = base64.b64decode(entry["body"])
    if entry["service"] == "lambda" and body.startswith(b"{"):
        fields = json.loads(body)
        if isinstance(fields, dict) and "RevisionId" in fields:
            fields.pop("RevisionId")  # a RevisionId of the last run: never this run's
            body = json.dumps(fields).encode()
    return body


def replay(
    endpoint_url: str, path: Path, access_key: Callable[[str], str | None] = lambda _: "demo"
) -> int:
    """Play the tape at ``path`` against the sandbox at ``endpoint_url``; calls replayed.

    ``access_key`` gives the key a line's account is signed with (the sandbox serves a request
    as its key's account); a line of an account it has no key for (None), one that cannot be
    read, or one that the sandbox now refuses, is skipped: the demo then starts from the rest,
    never not at all. Lines taped before accounts were recorded are the sandbox's own.
    """
    if not path.is_file():
        return 0
    replayed = 0
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(raw)
            key = access_key(str(entry["account"])) if "account" in entry else "demo"
            if key is None:
                continue
            url = endpoint_url.rstrip("/") + entry["path"]
            if entry["query"]:
                url += "?" + entry["query"]
            scope = f"{key}/20261120/{entry['region']}/{entry['service']}/aws4_request"
            request = urllib.request.Request(
                url, data=_replayed_body(entry) or None, method=entry["method"],
                headers={
                    # The gateway reads region and service from the signing scope.
                    "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, "
                                     "SignedHeaders=host, Signature=0",
                    "Content-Type": "application/json" if entry["service"] == "lambda"
                    else "application/octet-stream",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                answer.read()
            replayed += 1
        except Exception:
            continue
    return replayed
