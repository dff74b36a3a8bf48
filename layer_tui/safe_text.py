"""Untrusted text made safe for a terminal: every control or invisible character shown as an escape.

Zip entry names, file contents, layer descriptions and AWS error messages are written by
someone else. Printed raw, ``ESC ]0;…BEL`` retitles the user's terminal, ``ESC [2J`` clears
it, ``ESC ]52;c;…`` writes their clipboard, and a right-to-left override (U+202E) makes
``gpj.exe`` read as ``exe.jpg``. So every string from AWS or a zip passes through here before
it reaches the screen or text output, and each such character becomes the escape Python
would write for it (``\\x1b``, ``\\u202e``): visible, and still telling the user what is there.

What counts as unsafe is a Unicode category, not a hand-picked list: every control character
(Cc: C0, DEL, C1), every format character (Cf: bidi embeddings, overrides, isolates and marks,
zero-width space/joiners, the BOM, soft hyphen, tag characters), lone surrogates (Cs) and the
line/paragraph separators (Zl, Zp) that some terminals treat as line breaks. The ranges are
written out below (building them from ``unicodedata`` at import would cost a third of a second
on every start); a test checks them against the running Python's Unicode tables.

A backslash is left as it is: escaping it would double every backslash of every Windows path
and Python source file in the viewer, for a spoof (a file literally named ``\\x1b``) that
cannot touch the terminal.
"""

from __future__ import annotations

import re

#: Cf, Cs, Zl and Zp as of Unicode 14 (Python 3.11), as regex class ranges; Cc is added below.
_UNSAFE_RANGES = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff"  # lone surrogates (a str can hold them; no encoder will write them)
)
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_UNSAFE_RANGES}]")  # C0, DEL, C1 and the rest
#: In multi-line text (the file viewer) a line feed, a tab and a CR that ends a line (CRLF
#: files) are layout, not attacks: the viewer lays them out itself and never writes them raw.
_UNSAFE_IN_LINES = re.compile(f"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_UNSAFE_RANGES}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible_line(value: str) -> str:
    """One line of untrusted text (a name, a description, an error): nothing raw, not even a
    newline or a tab, so the line stays one line and columns stay columns."""
    # isprintable() runs in C and is true for nearly every string: most cost nothing here.
    if value.isprintable():
        return value
    return _UNSAFE.sub(_escape, value)


def visible_lines(value: str) -> str:
    """Untrusted multi-line text (a file's contents): newlines, tabs and CRLF stay layout,
    everything else unsafe is escaped like ``visible_line`` does."""
    return _UNSAFE_IN_LINES.sub(_escape, value)


def is_visible(value: str) -> bool:
    """Whether ``visible_line`` would leave ``value`` as it is."""
    return value.isprintable() or _UNSAFE.search(value) is None


__all__ = ["is_visible", "visible_line", "visible_lines"]
