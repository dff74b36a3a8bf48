"""What the journal's lines add up to: repin batches still undoable, and work still open.

Undo, recovery and the journal's rotation all need the same two answers, read from lines in
file order: which repin updates have not been undone (per function, so an undo cut short can be
finished), and which calls and batches never got their closing line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from layer_tui.aws.journal_entry import BATCH_ACTION, ROTATED_ACTION, JournalEntry


@dataclass(frozen=True)
class RepinUpdate:
    """One function a repin batch changed, as journaled: enough to put it back."""

    function: str
    region: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    #: The RevisionId AWS gave the function after our update; "" if the line has none (a
    #: damaged or forged line): undo then refuses to touch the function.
    revision_id: str
    #: The account whose session made the update (the line's): undo goes through it alone.
    account: str = ""


@dataclass
class UndoLedger:
    """Repin updates and the undos of them, gathered from one or more journal files."""

    updates: dict[str, dict[str, RepinUpdate]] = field(default_factory=dict)
    #: Every account a batch's updates were made in (a repin may span accounts).
    accounts: dict[str, set[str]] = field(default_factory=dict)
    #: Batches in the order their first update appeared (oldest first).
    order: list[str] = field(default_factory=list)
    undone: set[tuple[str, str]] = field(default_factory=set)
    #: Batches an undo ran through to its end (functions it left alone stay blocked, not open).
    settled: set[str] = field(default_factory=set)

    def add(self, entries: Iterable[JournalEntry], *, older: bool = False) -> None:
        """Take in one file's lines; ``older`` files are read after newer ones."""
        found: list[str] = []
        for entry in entries:
            if entry.phase != "after":
                continue
            if entry.action == BATCH_ACTION and entry.args.get("kind") == "undo":
                if not (entry.result or {}).get("interrupted"):
                    self.settled.add(str(entry.extra.get("undoes")))
                continue
            if entry.action != "UpdateFunctionConfiguration":
                continue
            function = str(entry.args.get("FunctionName", ""))
            if entry.extra.get("kind") == "undo":
                if entry.ok:
                    self.undone.add((str(entry.extra.get("undoes")), function))
                continue
            if entry.extra.get("kind") != "repin" or not entry.ok or not entry.batch:
                continue
            if "before" not in entry.extra or "after" not in entry.extra:
                continue  # not an update undo could put back
            batch = entry.batch
            if batch not in self.updates:
                self.updates[batch] = {}
                self.accounts[batch] = set()
                found.append(batch)
            self.accounts[batch].add(entry.account)
            self.updates[batch].setdefault(function, RepinUpdate(
                function, entry.region, tuple(entry.extra.get("before", ())),
                tuple(entry.extra.get("after", ())),
                str((entry.result or {}).get("RevisionId", "")),
                entry.account,
            ))
        self.order = [*found, *self.order] if older else [*self.order, *found]

    def remaining(self, batch: str) -> list[RepinUpdate]:
        if batch in self.settled:
            return []
        return [u for f, u in self.updates.get(batch, {}).items()
                if (batch, f) not in self.undone]

    def open_batches(self, account: str | Collection[str] | None = None) -> list[str]:
        """Batches with updates not yet undone, newest first: of any account (None), or with
        an update in ``account`` (or in one of several)."""
        wanted = {account} if isinstance(account, str) else account
        return [b for b in reversed(self.order)
                if (wanted is None or self.accounts[b] & set(wanted)) and self.remaining(b)]


def undo_lines(entries: Iterable[JournalEntry], batches: set[str]) -> set[str]:
    """The batch ids of the undos of ``batches`` (their lines travel with the repin's)."""
    return {e.batch for e in entries
            if e.batch and str(e.extra.get("undoes", "")) in batches}


def open_entries(entries: list[JournalEntry]) -> list[JournalEntry]:
    """Lines of work not closed: every line of a batch without its closing line, and each
    call (outside such a batch) with its "before" line only."""
    closed = {e.id for e in entries if e.phase == "after"}
    open_batches = {e.batch for e in entries
                    if e.action == BATCH_ACTION and e.phase == "before" and e.id not in closed}
    return [e for e in entries
            if e.action != ROTATED_ACTION
            and ((e.batch is not None and e.batch in open_batches)
                 or (e.phase == "before" and e.id not in closed))]
