"""Enter on a changed text file in the contents diff: a unified diff of the two versions' member.

Each side is one member read over HTTP Range from its own version (``read_text_member``: a
fresh content URL, that member's bytes only, checked against its CRC-32), so comparing two
50 MB layers costs two small reads. The diff is text someone else wrote: the viewer shows it
with control and bidi characters as escapes (``safe_text``), lines and tabs kept. A file that
is not text, or larger than the text viewer takes, is one line instead.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import TextArea

from layer_tui.aws.contents import ContentsError
from layer_tui.aws.errors import AwsError, describe
from layer_tui.aws.inspection import EntryChange
from layer_tui.safe_text import visible_line, visible_lines
from layer_tui.ui.formatting import size
from layer_tui.ui.widgets.entry_diff import version_label
from layer_tui.ui.widgets.member_text import TEXT_LIMIT, is_text_member, read_text_member


@dataclass(frozen=True)
class MemberDiff:
    """A changed member's unified diff (old → new), and the same text as the viewer shows it."""

    path: str
    old_arn: str
    new_arn: str
    diff: str
    shown: str


def why_no_text_diff(change: EntryChange) -> str | None:
    """One line when the member cannot be shown as a text diff; None when it can."""
    for entry in (change.old, change.new):
        if entry.size > TEXT_LIMIT:
            return f"{change.path}: larger than {size(TEXT_LIMIT)}; no text diff"
    if not (is_text_member(change.old) and is_text_member(change.new)):
        return f"{change.path}: not a text file this viewer knows; no text diff"
    return None


def unified_member_diff(old_text: str, new_text: str, path: str, old_arn: str,
                        new_arn: str) -> str:
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"{version_label(old_arn)}/{path}", tofile=f"{version_label(new_arn)}/{path}")
    # A last line without its newline would run into the next header line.
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def read_member_diff(lambda_client: Any, change: EntryChange, old_arn: str,
                     new_arn: str) -> MemberDiff:
    """Both sides read by Range (for a worker thread: it blocks), then diffed."""
    old = read_text_member(lambda_client, old_arn, change.old, None)
    new = read_text_member(lambda_client, new_arn, change.new, None)
    diff = unified_member_diff(old.text, new.text, change.path, old_arn, new_arn)
    if not diff:
        diff = "the two members decode to the same text (only their bytes differ)\n"
    return MemberDiff(change.path, old_arn, new_arn, diff, visible_lines(diff))


def open_member_diff(screen: Any, lambda_client: Any, change: Any, old_arn: str,
                     new_arn: str) -> None:
    """From the contents screen's diff table: read in a thread, then show the diff (or say
    in one line why not: an added or removed file, a binary or large one)."""
    if not isinstance(change, EntryChange):
        screen.notify(f"{visible_line(str(getattr(change, 'path', '')))}: only a changed "
                      "file has a text diff", title="Diff", timeout=4)
        return
    if (why := why_no_text_diff(change)) is not None:
        screen.notify(why, title="Diff", timeout=5)
        return
    app = screen.app

    def work() -> None:
        try:
            found = read_member_diff(lambda_client, change, old_arn, new_arn)
        except (ContentsError, AwsError, ClientError, BotoCoreError) as exc:
            message = str(describe(exc, f"reading {change.path}"))
            app.call_from_thread(screen.notify, message, title="Diff", severity="error",
                                 timeout=10)
            return
        app.call_from_thread(app.push_screen, MemberDiffScreen(found))

    screen.run_worker(work, thread=True, exclusive=True, group="contents-member-diff",
                      description="contents-member-diff", exit_on_error=False)


class MemberDiffScreen(ModalScreen[None]):
    """The unified diff, read-only; escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="member-diff.close"),
    ]
    DEFAULT_CSS = """
    MemberDiffScreen {
        align: center middle;
        & > Vertical {
            width: 90%; height: 90%;
            border: round $primary;
            border-title-color: $text-primary;
            border-subtitle-color: $text-muted;
            background: $surface;
        }
        & TextArea { height: 1fr; border: none; padding: 0 1; }
    }
    """

    def __init__(self, diff: MemberDiff) -> None:
        super().__init__()
        self.member_diff = diff

    def compose(self) -> ComposeResult:
        found = self.member_diff
        with Vertical() as frame:
            frame.border_title = Content(visible_line(
                f"{found.path}: {version_label(found.old_arn)}\N{RIGHTWARDS ARROW}"
                f"{version_label(found.new_arn)}"))
            frame.border_subtitle = "unified diff \N{MIDDLE DOT} escape closes"
            yield TextArea(found.shown, read_only=True, show_line_numbers=False,
                           soft_wrap=False, id="member-diff")

    def action_close(self) -> None:
        self.dismiss()


__all__ = ["MemberDiff", "MemberDiffScreen", "open_member_diff", "read_member_diff",
           "why_no_text_diff"]
