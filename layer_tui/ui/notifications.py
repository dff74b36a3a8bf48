"""Every notification the app shows, made safe: plain text, control characters as escapes.

Notifications say what AWS answered (its error messages), which file could not be opened
(a zip's entry name) and which region failed: text someone else wrote. Textual parses a
notification as markup by default, so a ``[`` in an entry name garbles it (or raises), and
writes its characters as they are, so an ESC in one would drive the user's terminal. Widgets'
and screens' ``notify`` all end in ``App.notify``: this one funnel covers them all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from textual.app import App

from layer_tui.aws.errors import redact
from layer_tui.safe_text import visible_line


def _visible_lines(message: str) -> str:
    # A toast wraps its lines: line breaks may stay, nothing else raw.
    return "\n".join(visible_line(line) for line in message.split("\n"))


#: How many notifications ``said`` keeps.
SAID_KEPT = 200


@dataclass(frozen=True)
class Said:
    """One notification as shown: plain text, after escaping and redaction."""

    message: str
    title: str
    severity: str


class SafeNotifications(App[Any]):
    """Mixed into the App ahead of ``textual.app.App`` (typed as one: ``super().notify`` is
    Textual's)."""

    _said: deque[Said] | None = None

    @property
    def said(self) -> list[Said]:
        """What the app has said, oldest first (the last ``SAID_KEPT``). A toast expires on a
        clock and Textual keeps its list private; this record stays, so it can be read back."""
        return list(self._said or ())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """``App.notify``, except that ``message`` and ``title`` are plain text (``markup`` only
        when a caller asks for it and wrote the markup itself) shown with escapes."""
        # redact: a message may quote an exception that names a presigned content URL.
        message, title = _visible_lines(redact(str(message))), visible_line(str(title))
        options: dict[str, Any] = {"title": title, "severity": severity, "markup": markup}
        if timeout is not None:
            options["timeout"] = timeout
        if self._said is None:
            self._said = deque(maxlen=SAID_KEPT)
        self._said.append(Said(message, title, str(severity)))
        super().notify(message, **options)


__all__ = ["SAID_KEPT", "SafeNotifications", "Said"]
