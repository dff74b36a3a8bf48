"""What a plan table's Flags and Result cells say, in whole words or letters, and their legend.

A plan dialog is as narrow as 70 cells at 80x24: long flags ("architecture x86_64 not in the
target's ['arm64']") and results ("changed since the plan: left alone, plan it again") were
cut mid-word there. The cells carry one short word per flag instead (one letter each when the
dialog is narrow), a legend under the table says what each word or letter shown means, and
the row under the cursor is told in full, each sentence after its word (the summary after
applying repeats every reason too).
"""

from __future__ import annotations

from collections.abc import Iterable

from layer_tui.aws.repin import RepinItem, RepinOutcome

#: (how the core's flag sentence starts, its word in the table, its letter, what it means).
FLAG_WORDS = (
    ("runtime ", "runtime", "R", "runtime not in the target's"),
    ("architecture ", "arch", "A", "architecture not in the target's"),
    ("managed by stack", "stack", "S", "a stack deploy reverts it"),
    ("an update is in progress", "busy", "B", "waits for an update in progress"),
    ("function + layers would be", "size", "U", "over the unzipped size limit"),
)
#: The widest word a Result cell shows ("restored"; "changed" and "skipped" are 7).
RESULT_WIDTH = 8
BLOCKED = "blocked"
NO_CHANGE = "no change"


def _entry(flag: str) -> tuple[str, str, str, str] | None:
    return next((entry for entry in FLAG_WORDS if flag.startswith(entry[0])), None)


def flag_word(flag: str) -> str:
    """The one word a flag sentence shows as in the table (its first word if unknown)."""
    entry = _entry(flag)
    return entry[1] if entry else (flag.split(" ", 1)[0] or flag)


def flag_cell(item: RepinItem, letters: bool = False) -> str:
    """``runtime arch`` (or ``RA`` when narrow); ``blocked`` or ``no change`` instead."""
    if item.blocked:
        return BLOCKED
    if not item.changes:
        return NO_CHANGE
    if letters:
        return "".join(dict.fromkeys((_entry(f) or ("", "", "?", ""))[2] for f in item.flags))
    return " ".join(dict.fromkeys(flag_word(flag) for flag in item.flags))


def legend(items: Iterable[RepinItem], letters: bool = False) -> str:
    """``arch = architecture not in the target's · …`` for the words (letters) shown."""
    flags = {flag for item in items if item.changes and not item.blocked
             for flag in item.flags}
    shown = {entry for flag in flags if (entry := _entry(flag)) is not None}
    return " \N{MIDDLE DOT} ".join(
        f"{letter} {word}" if letters else f"{word} = {meaning}"
        for entry in FLAG_WORDS if entry in shown
        for _, word, letter, meaning in (entry,))


def result_cell(outcome: RepinOutcome) -> str:
    """``moved`` (or the one word a batch says instead, undo's ``restored``), ``skipped``,
    ``changed`` or ``failed``: the reason is in the row's line under the table."""
    if outcome.status == "moved" and outcome.detail and " " not in outcome.detail:
        return outcome.detail
    return outcome.status


def row_story(item: RepinItem, outcome: RepinOutcome | None) -> str:
    """One row in full sentences, each after the word the table shows for it:
    ``billing — arch: architecture x86_64 not in the target's ['arm64']; moved``."""
    said: list[str] = []
    if item.blocked:
        said.append(f"{BLOCKED}: {item.blocked}")
    said.extend(f"{flag_word(flag)}: {flag}" for flag in item.flags)
    if outcome is not None:
        said.append(f"{outcome.status}: {outcome.detail}" if outcome.detail else outcome.status)
    elif not item.changes and not item.blocked:
        said.append(f"{NO_CHANGE}: it already lists what the plan asks")
    return f"{item.function} \N{EM DASH} " + "; ".join(said) if said else ""
