"""An append-only JSONL record of every mutating call: one line before it, one line after.

The "before" line is written and flushed to disk before AWS is asked, so that a process killed
mid-call still leaves a trace of what it was about to do; a "before" without its "after" means
"outcome unknown — look at AWS". Lines hold only the fields their action keeps
(``journal_entry.KEPT``): never content bytes, environments, code locations or credentials.
The directory is 0700 and every file 0600.

The journal rotates by size: ``journal.jsonl`` becomes ``journal.jsonl.N``, N one more than the
newest rotated file's (``.1`` is the oldest; none is deleted, none renamed again), and the new
file starts with a ``Rotated`` line and copies of
the lines still open — batches and calls without their closing line, and the newest repin
batches not yet undone. So start-up recovery and ``u`` read one small file, however long the
history; a repin batch too old to be carried is named in the ``Rotated`` line, and undo reads
the older files only for it.

A line that cannot be read (a crash mid-write, a hand edit, a forged line of the wrong shape) is
skipped; the rest stays usable, and ``take_warning`` says so once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import stat
import threading
import uuid
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from layer_tui import clock
from layer_tui.aws.journal_entry import (
    BATCH_ACTION,
    ROTATED_ACTION,
    JournalEntry,
    Malformed,
)
from layer_tui.aws.journal_state import UndoLedger, open_entries, undo_lines
from layer_tui.aws.models import iso_utc
from layer_tui.aws.paths import journal_path

__all__ = ["BATCH_ACTION", "Journal", "JournalEntry", "owner_alive", "this_process"]

#: Rotate once the file would pass this size: about 1,200 lines, which start-up reads in a
#: few tens of milliseconds even on a busy 2-core bastion (4 MB took over 0.2 s there).
ROTATE_AT = 1024 * 1024
_FILE_MODE = 0o600
_DIR_MODE = 0o700


class Journal:
    """The journal file; safe to append from several threads and processes."""

    def __init__(self, path: Path | None = None, *, rotate_at: int = ROTATE_AT,
                 durable: bool = True) -> None:
        self.path = path or journal_path()
        self.rotate_at = rotate_at
        #: fsync every line (a benchmark building a huge journal turns it off).
        self.durable = durable
        self._lock = threading.Lock()
        #: Unreadable lines seen by the latest reads, by file: {path: [line numbers]}.
        self._unreadable: dict[Path, list[int]] = {}
        self._warned: set[tuple[str, tuple[int, ...]]] = set()

    # -- writing ------------------------------------------------------------------------------

    def _ensure_private_dir(self) -> None:
        folder = self.path.parent
        folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            folder.chmod(_DIR_MODE)  # made by an older version, or by a loose umask

    def _open_private(self, path: Path, flags: int) -> int:
        fd = os.open(path, flags | os.O_CREAT, _FILE_MODE)
        if stat.S_IMODE(os.fstat(fd).st_mode) != _FILE_MODE:
            os.fchmod(fd, _FILE_MODE)  # a file an older version wrote 0644
        return fd

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """This process's threads and other processes (another pane's copy) one at a time."""
        with self._lock:
            self._ensure_private_dir()
            fd = self._open_private(self.path.with_name(self.path.name + ".lock"), os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def _append(self, entry: JournalEntry) -> None:
        line = json.dumps(entry.to_json(), separators=(",", ":"), default=str) + "\n"
        data = line.encode("utf-8")
        with self._exclusive():
            size = self.path.stat().st_size if self.path.exists() else 0
            if size and size + len(data) > self.rotate_at:
                self._rotate()
            fd = self._open_private(self.path, os.O_RDWR | os.O_APPEND)
            try:
                end = os.lseek(fd, 0, os.SEEK_END)
                if end and os.pread(fd, 1, end - 1) != b"\n":
                    data = b"\n" + data  # a crash mid-write left half a line: never join it
                os.write(fd, data)
                if self.durable:
                    os.fsync(fd)
            finally:
                os.close(fd)

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

    # -- rotation -----------------------------------------------------------------------------

    def compact(self) -> bool:
        """Rotate now if the file is over the limit (a journal from before rotation existed
        may be any size); True if it rotated."""
        if not self.path.exists() or self.path.stat().st_size <= self.rotate_at:
            return False
        with self._exclusive():
            if self.path.stat().st_size <= self.rotate_at:
                return False  # another process rotated it meanwhile
            self._rotate()
            return True

    def _rotate(self) -> None:
        """Under the lock: the full file becomes ``.1`` and a new one starts with what is open."""
        entries = list(self._read(self.path))
        carried = open_entries(entries)
        ledger = UndoLedger()
        ledger.add(entries)
        # Batches only older files hold stay named until an undo has run through them.
        uncarried = [b for b in self._header(entries)
                     if b not in ledger.updates and b not in ledger.settled]
        budget = self.rotate_at // 4
        kept_batches: set[str] = set()
        newest_first = ledger.open_batches()
        for n, batch in enumerate(newest_first):  # what `u` undoes next is carried first
            batches = {batch} | undo_lines(entries, {batch})
            cost = sum(len(json.dumps(e.to_json(), default=str))
                       for e in entries if e.batch in batches)
            if cost > budget:
                # This one and all older stay behind, so every batch carried is newer than
                # every batch undo must look for in the rotated files.
                uncarried += newest_first[n:]
                break
            budget -= cost
            kept_batches |= batches
        chosen = {id(e) for e in carried} | {id(e) for e in entries if e.batch in kept_batches}
        carried = [e for e in entries if id(e) in chosen]
        rotated = JournalEntry(
            id=uuid.uuid4().hex, phase="after", action=ROTATED_ACTION, account="", profile="",
            region="", args={"uncarried": sorted(set(uncarried))}, at=iso_utc(clock.now()),
            result={},
        )
        fresh = self.path.with_name(self.path.name + ".new")
        fd = self._open_private(fresh, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for entry in (rotated, *carried):
                out.write(json.dumps(entry.to_json(), separators=(",", ":"), default=str))
                out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        # A hard link, then an atomic replace: a reader always finds a whole current file.
        os.link(self.path, self._numbered(self._rotated_numbers()[0] + 1
                                          if self._rotated_numbers() else 1))
        os.replace(fresh, self.path)

    def _header(self, entries: list[JournalEntry]) -> list[str]:
        """The repin batches a file's ``Rotated`` line says live only in older files."""
        for entry in entries[:1]:
            if entry.action == ROTATED_ACTION:
                return [str(b) for b in entry.args.get("uncarried", [])]
        return []

    def _numbered(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")

    def _rotated_numbers(self) -> list[int]:
        """The numbers of the rotated files, highest (newest) first."""
        prefix = self.path.name + "."
        try:
            names = os.listdir(self.path.parent)
        except FileNotFoundError:
            return []
        return sorted((int(n[len(prefix):]) for n in names
                       if n.startswith(prefix) and n[len(prefix):].isdigit()), reverse=True)

    def older_files(self) -> list[Path]:
        """The rotated files, newest first."""
        return [self._numbered(n) for n in self._rotated_numbers()]

    # -- reading ------------------------------------------------------------------------------

    def entries(self) -> Iterator[JournalEntry]:
        """Every readable line of the current file, oldest first (what is open is always in
        it); unreadable lines are skipped and remembered for ``take_warning``."""
        return self._read(self.path)

    def history(self) -> Iterator[JournalEntry]:
        """Every readable line of every file, oldest first (carried copies appear twice)."""
        for path in reversed(self.older_files()):
            yield from self._read(path)
        yield from self._read(self.path)

    def undo_ledger(
        self, account: str | Collection[str] | None = None, *, every: bool = False
    ) -> UndoLedger:
        """Repin updates and their undos: the current file, and older files only while the
        newest file read names batches that live in older ones — and, unless ``every`` (all
        batches still undoable are wanted, not just the newest), none is open yet."""
        ledger = UndoLedger()
        entries = list(self.entries())
        ledger.add(entries)
        wanted = set(self._header(entries))
        for path in self.older_files():
            if not wanted or (ledger.open_batches(account) and not every):
                break
            entries = list(self._read(path))
            ledger.add(entries, older=True)
            wanted = (wanted - set(ledger.updates)) | set(self._header(entries))
        return ledger

    def _read(self, path: Path) -> Iterator[JournalEntry]:
        unreadable: list[int] = []
        self._unreadable[path] = unreadable
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield JournalEntry.from_json(json.loads(line.decode("utf-8")))
                except (ValueError, Malformed, RecursionError):
                    unreadable.append(number)

    def warning(self) -> str | None:
        """One line about the unreadable lines the latest reads skipped, or None."""
        parts = []
        for path, numbers in self._unreadable.items():
            if numbers:
                shown = ", ".join(str(n) for n in numbers[:5])
                more = f" and {len(numbers) - 5} more" if len(numbers) > 5 else ""
                parts.append(f"{path.name} line{'s' if len(numbers) > 1 else ''} "
                             f"{shown}{more}")
        if not parts:
            return None
        return (f"The journal has unreadable lines ({'; '.join(parts)} in {self.path.parent}): "
                "they were skipped and the rest is used; look at them if the file was edited")

    def take_warning(self) -> str | None:
        """``warning()`` the first time it is seen, then None: the user hears it once."""
        text = self.warning()
        if text is None:
            return None
        key = (text, tuple(sorted(n for ns in self._unreadable.values() for n in ns)))
        if key in self._warned:
            return None
        self._warned.add(key)
        return text


def _start_ticks(pid: int) -> int | None:
    """When a process started (clock ticks since boot), from /proc; None where there is none."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    return int(stat_line.rsplit(")", 1)[1].split()[19])


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
