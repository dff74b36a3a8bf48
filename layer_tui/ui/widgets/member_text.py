"""A small text file from inside a layer version (METADATA, package.json, *.py), read on demand.

Only that member's bytes travel: one Range GET for its local header and data. The URL comes
from a fresh GetLayerVersionByArn call, because the one the listing used may have expired
(presigned URLs live 10 minutes and people read for longer than that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import TextArea

from layer_tui.aws.contents import ContentsError, RemoteZip
from layer_tui.aws.zipformat import ZipEntry
from layer_tui.safe_text import visible_line, visible_lines

#: Members shown as text: bigger ones are not worth a terminal (or the transfer).
TEXT_LIMIT = 256 * 1024
TEXT_SUFFIXES = frozenset({
    ".py", ".pyi", ".pth", ".typed", ".txt", ".json", ".md", ".rst", ".cfg", ".ini", ".toml",
    ".yaml", ".yml", ".js", ".mjs", ".cjs", ".ts", ".rb", ".gemspec", ".sh", ".pem", ".crt",
    ".csv", ".xml", ".html", ".css", ".properties", ".mf", ".lock", ".conf", ".sql", ".env",
    ".gitignore", ".npmignore", ".map",
})  # fmt: skip
TEXT_NAMES = frozenset({
    "METADATA", "RECORD", "WHEEL", "INSTALLER", "REQUESTED", "PKG-INFO", "LICENSE", "LICENCE",
    "COPYING", "NOTICE", "AUTHORS", "README", "CHANGELOG", "Makefile", "Dockerfile", "Gemfile",
    "Rakefile",
})  # fmt: skip


def is_text_member(entry: ZipEntry) -> bool:
    """Small enough, and named like text (METADATA, package.json, *.py …)."""
    if entry.is_dir or entry.size > TEXT_LIMIT:
        return False
    name = entry.path.rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    return (
        name in TEXT_NAMES
        or (stem or name).upper() in TEXT_NAMES
        or (bool(dot) and f".{suffix.lower()}" in TEXT_SUFFIXES)
    )


@dataclass(frozen=True)
class MemberText:
    """A member and its content, decoded as UTF-8 (bad bytes replaced)."""

    entry: ZipEntry
    text: str
    #: ``text`` as the viewer shows it: control and bidi characters as escapes (``\\x1b``),
    #: lines and tabs kept. Made in the worker: a 256 KiB file takes milliseconds.
    shown: str = ""


def read_text_member(
    lambda_client: Any, version_arn: str, entry: ZipEntry, code_size: int | None
) -> MemberText:
    """Read one member over HTTP Range (for a worker thread: it blocks)."""

    def fresh_url() -> str:
        content = lambda_client.get_layer_version_by_arn(Arn=version_arn).get("Content") or {}
        if not content.get("Location"):
            raise ContentsError("Lambda returned no download URL for this version")
        return str(content["Location"])

    with RemoteZip(fresh_url, size=code_size) as archive:
        data = archive.read_member(entry, limit=TEXT_LIMIT)
    if b"\x00" in data[:8192]:
        raise ContentsError(f"{entry.path} holds binary data, not text")
    text = data.decode("utf-8", "replace")
    return MemberText(entry, text, visible_lines(text))


class MemberTextScreen(ModalScreen[None]):
    """One member's text, read-only; escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="member-text.close"),
    ]
    DEFAULT_CSS = """
    MemberTextScreen {
        align: center middle;
        & > Vertical {
            width: 90%;
            height: 90%;
            border: round $primary;
            border-title-color: $text-primary;
            border-subtitle-color: $text-muted;
            background: $surface;
        }
        & TextArea {
            height: 1fr;
            border: none;
            padding: 0 1;
        }
    }
    """

    def __init__(self, member: MemberText) -> None:
        super().__init__()
        self.member = member

    def compose(self) -> ComposeResult:
        entry = self.member.entry
        with Vertical() as frame:
            # Content, not str: a str title is parsed as markup.
            frame.border_title = Content(visible_line(entry.path))
            frame.border_subtitle = f"{entry.size:,} bytes \N{MIDDLE DOT} escape closes"
            yield TextArea(
                self.member.shown or visible_lines(self.member.text), read_only=True,
                show_line_numbers=True, soft_wrap=False,
                id="member-text",
            )  # fmt: skip

    def action_close(self) -> None:
        self.dismiss()


__all__ = ["TEXT_LIMIT", "MemberText", "MemberTextScreen", "is_text_member", "read_text_member"]
