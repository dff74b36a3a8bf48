"""Copying an ARN so that it reaches the user's own clipboard, even over SSH and tmux.

OSC 52 asks the terminal emulator (on the user's machine) to set its clipboard, so it is
always sent. pyperclip reaches the clipboard of the machine the app runs on, which is what a
local user wants and what fails on a bastion with no display: try it, and say which worked.
The toast says it in one line ("copied arn:…:layer:geo:3 (OSC 52)"): pyperclip's own error
is a paragraph about installing xclip, and a whole ARN wraps a toast at 80 columns.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
#: What a toast leaves for its text: Textual's toast is 60 cells wide (app.tcss lifts its
#: half-the-screen limit), less its padding and border.
TOAST_WIDTH, TOAST_FRAME = 60, 4


def copy_with_pyperclip(value: str) -> str | None:
    """Copy with pyperclip; None when it worked, else why not (in a few words)."""
    try:
        import pyperclip

        pyperclip.copy(value)
    except Exception as error:  # PyperclipException, or the helper tool failing
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None


def shorten_middle(arn: str, budget: int) -> str:
    """``arn:…:layer:geo:3``: the ARN's head and as many whole trailing fields as fit in
    ``budget`` cells; a last field too long itself keeps its start and end around ``…``."""
    if len(arn) <= budget:
        return arn
    head, fields = "arn:" + ELLIPSIS, arn.split(":")
    tail = ""
    for field in reversed(fields[1:]):
        longer = f":{field}{tail}"
        if len(head) + len(longer) > budget:
            break
        tail = longer
    if tail:
        return head + tail
    keep = max(budget - 1, 2)
    return arn[: keep // 2] + ELLIPSIS + arn[len(arn) - (keep - keep // 2):]


def copy_report(value: str, pyperclip_error: str | None, screen_width: int = 80) -> str:
    """The toast's one line: what was copied (shortened to fit) and by which way."""
    how = "(OSC 52)" if pyperclip_error is not None else "(OSC 52 and system clipboard)"
    width = min(TOAST_WIDTH, screen_width) - TOAST_FRAME
    return f"copied {shorten_middle(value, width - len('copied ') - len(how) - 1)} {how}"


def copy_arn(app: App[Any], arn: str) -> None:
    """Copy ``arn`` both ways and say in a toast which worked."""
    # OSC 52 first and always: it is what reaches the user's terminal over SSH and tmux.
    app.copy_to_clipboard(arn)

    def with_pyperclip() -> None:  # in a thread: pyperclip may shell out to xclip and wait
        report = copy_report(arn, copy_with_pyperclip(arn), app.size.width)
        app.call_from_thread(app.notify, report)

    app.run_worker(with_pyperclip, thread=True, group="clipboard", description="clipboard",
                   exit_on_error=False)
