"""Keys as a terminal delivers them: one read of raw bytes, parsed and posted all at once.

``pilot.press`` waits for the app to go idle after every key, which hides any race between a
key that opens an input and the keys right behind it. A real terminal read (a paste, a fast
typist, tmux sending a word) hands the app several keys before it has handled the first; this
does the same, through textual's own xterm parser, the way the Linux driver feeds it.
"""

from __future__ import annotations

from textual._xterm_parser import XTermParser
from textual.app import App

#: What a terminal sends around a paste once bracketed paste is on.
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


def burst(app: App[object], data: str) -> int:
    """Post every event ``data`` parses to, back to back, before the app handles any."""
    parser = XTermParser()
    events = [*parser.feed(data), *parser.feed("")]
    for event in events:
        app.post_message(event)
    return len(events)


def paste(app: App[object], text: str) -> int:
    return burst(app, f"{PASTE_START}{text}{PASTE_END}")
