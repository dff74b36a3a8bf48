"""An append-only JSONL record of every mutating call: one line before it, one line after.

The "before" line is written and flushed to disk before AWS is asked, so that a process killed
mid-call still leaves a trace of what it was about to do; a "before" without its "after" means
"outcome unknown — look at AWS". Content bytes are never written, only their sizes.
"""

from __future__ import annotations

import json
import os
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

