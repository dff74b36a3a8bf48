"""A layer built to attack the terminal that shows it: escape sequences in names and contents.

Anyone who can publish a layer version (or share one from another account) chooses its entry
names, its files' contents and its description. These are the attacks a terminal falls for:
OSC 0 retitles the window, CSI 2J clears the screen, OSC 52 writes the user's clipboard, an
8-bit CSI (0x9b) does the same as ESC [ on terminals that honour C1 controls, a right-to-left
override turns ``gpj.py`` into something that reads ``yp.jpg``, a zero-width space makes two
different names look alike, and a newline in a name forges an extra line of output.
"""

from __future__ import annotations

from typing import Any

from layer_tui.sandbox.archives import ArchiveBuilder

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
#: "pwned" base64-encoded into the clipboard selection "c".
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
C1_CLEAR = "\x9b2J"
RIGHT_TO_LEFT = "\u202e"
ZERO_WIDTH = "\u200b"

SITE = "python/lib/python3.12/site-packages/hostile"
#: Every entry name of the archive; the first is at the top level, so the layout finding
#: quotes it in its message.
ENTRY_NAMES = (
    f"{TITLE}top.py",
    f"{SITE}/{TITLE}title.py",
    f"{SITE}/{CLEAR}clear.py",
    f"{SITE}/{CLIPBOARD}clip.py",
    f"{SITE}/{C1_CLEAR}c1.py",
    f"{SITE}/invoice{RIGHT_TO_LEFT}gpj.py",
    f"{SITE}/same{ZERO_WIDTH}name.py",
    f"{SITE}/two\nlines.py",
    #: Not text: opening it says so in a notification that quotes the name.
    f"{SITE}/{CLIPBOARD}native.so",
    f"{SITE}/README.txt",
)
#: A text file the viewer opens: ordinary lines, tabs and CRLF, and every attack above.
README_TEXT = (
    "hostile: a layer that attacks the terminal showing it\r\n"
    "\tindented with a tab\n"
    f"title {TITLE} clear {CLEAR} clipboard {CLIPBOARD}\n"
    f"c1 {C1_CLEAR} bidi {RIGHT_TO_LEFT}txt.exe zero{ZERO_WIDTH}width bell \x07 back\x08space\n"
    "a lone CR\rends here\n"
)
DESCRIPTION = f"hostile {TITLE}{CLEAR}{CLIPBOARD} {RIGHT_TO_LEFT}txt.exe"
LAYER_NAME = "hostile-names"


def hostile_archive(revision: int = 1) -> bytes:
    """Every file but the README changes with ``revision``: a diff of two lists each name."""
    builder = ArchiveBuilder()
    for name in ENTRY_NAMES:
        if name.endswith("README.txt"):
            builder.add(name, README_TEXT)
        else:
            builder.add(name, f"# {name!r}\nVALUE = {revision}\n")
    return builder.build()


def publish_hostile_layer(lambda_client: Any, *, name: str = LAYER_NAME, revision: int = 1) -> str:
    """Publishes the hostile layer through ``lambda_client`` (over HTTP, as a user would);
    returns its version ARN."""
    response = lambda_client.publish_layer_version(
        LayerName=name,
        Description=DESCRIPTION,
        Content={"ZipFile": hostile_archive(revision)},
        CompatibleRuntimes=["python3.12"],
    )
    return str(response["LayerVersionArn"])


__all__ = [
    "CLEAR",
    "CLIPBOARD",
    "DESCRIPTION",
    "ENTRY_NAMES",
    "LAYER_NAME",
    "README_TEXT",
    "TITLE",
    "hostile_archive",
    "publish_hostile_layer",
]
