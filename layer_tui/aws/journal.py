"""An append-only JSONL record of every mutating call: one line before it, one line after.

The "before" line is written and flushed to disk before AWS is asked, so that a process killed
mid-call still leaves a trace of what it was about to do; a "before" without its "after" means
"outcome unknown — look at AWS". Content bytes are never written, only their sizes.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layer_tui import clock
from layer_tui.aws.models import iso_utc
from layer_tui.aws.paths import journal_path


@dataclass(frozen=True)
class JournalEntry:
    """One line of the journal."""

    id: str
    phase: str  # "before" | "after"
    action: str  # the AWS operation, e.g. "DeleteLayerVersion"
    account: str
    profile: str
    region: str
    args: dict[str, Any]
    at: str = ""
    batch: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The process that made the call (host, pid, start): recovery leaves a live one's alone.
    owner: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.phase == "after" and self.error is None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "at": self.at,
            "phase": self.phase,
            "action": self.action,
            "account": self.account,
            "profile": self.profile,
            "region": self.region,
            "batch": self.batch,
            "args": self.args,
        }
        if self.phase == "after":
            data["result"] = self.result
            data["error"] = self.error
        if self.extra:
            data["extra"] = self.extra
        if self.owner:
            data["owner"] = self.owner
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JournalEntry:
        return cls(
            id=str(data["id"]),
            phase=str(data["phase"]),
            action=str(data["action"]),
            account=str(data.get("account", "")),
            profile=str(data.get("profile", "")),
            region=str(data.get("region", "")),
            args=dict(data.get("args") or {}),
            at=str(data.get("at", "")),
            batch=data.get("batch"),
            result=data.get("result"),
            error=data.get("error"),
            extra=dict(data.get("extra") or {}),
            owner=data.get("owner"),
        )


class Journal:
    """The journal file; safe to append from several threads of one process."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or journal_path()
        self._lock = threading.Lock()

    def _append(self, entry: JournalEntry) -> None:
        line = json.dumps(entry.to_json(), separators=(",", ":"), default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if _ends_torn(self.path):
                line = "\n" + line  # a crash mid-write left half a line: never join onto it
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line)
                out.flush()
                os.fsync(out.fileno())

    def before(
        self,
        action: str,
        *,
        account: str,
        profile: str,
        region: str,
        args: dict[str, Any],
        batch: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> JournalEntry:
        entry = JournalEntry(
            id=uuid.uuid4().hex,
            phase="before",
            action=action,
            account=account,
            profile=profile,
            region=region,
            args=args,
            at=iso_utc(clock.now()),
            batch=batch,
            extra=extra or {},
            owner=this_process(),
        )
        self._append(entry)
        return entry

    def after(
        self,
        before: JournalEntry,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> JournalEntry:
        entry = JournalEntry(
            id=before.id,
            phase="after",
            action=before.action,
            account=before.account,
            profile=before.profile,
            region=before.region,
            args=before.args,
            at=iso_utc(clock.now()),
            batch=before.batch,
            result=result if error is None else None,
            error=error,
            extra={**before.extra, **(extra or {})},
            owner=before.owner,
        )
        self._append(entry)
        return entry

    def entries(self) -> Iterator[JournalEntry]:
        """Every readable line, oldest first; a torn last line (a crash mid-write) is skipped."""
        try:
            handle = self.path.open(encoding="utf-8")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                try:
                    yield JournalEntry.from_json(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue



def _ends_torn(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except FileNotFoundError:
        return False


def _start_ticks(pid: int) -> int | None:
    """When a process started (clock ticks since boot), from /proc; None where there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    return int(stat.rsplit(")", 1)[1].split()[19])


def this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_ticks(os.getpid())}


def owner_alive(owner: dict[str, Any] | None) -> bool:
    """Whether the process that wrote an entry may still be at work.

    An entry without an owner (an older journal) is taken as dead; one from another host
    cannot be checked from here, so it is taken as alive and left for that host.
    """
    if not owner:
        return False
    if owner.get("host") != socket.gethostname():
        return True
    pid = int(owner.get("pid") or 0)
    if pid <= 0:
        return False
    start = _start_ticks(pid)
    if start is not None:
        return start == owner.get("start")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
