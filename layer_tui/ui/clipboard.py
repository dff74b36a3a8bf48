"""Copying an ARN so that it reaches the user's own clipboard, even over SSH and tmux.

OSC 52 asks the terminal emulator (on the user's machine) to set its clipboard, so it is
always sent. pyperclip reaches the clipboard of the machine the app runs on, which is what a
local user wants and what fails on a bastion with no display: try it, and say which worked.
"""

from __future__ import annotations


def copy_with_pyperclip(value: str) -> str | None:
    """Copy with pyperclip; None when it worked, else why not (in a few words)."""
    try:
        import pyperclip

        pyperclip.copy(value)
    except Exception as error:  # PyperclipException, or the helper tool failing
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None


def copy_report(value: str, pyperclip_error: str | None) -> str:
    if pyperclip_error is None:
        return f"Copied to the clipboard (and via OSC 52 to your terminal):\n{value}"
    return (
        "Copied via OSC 52 to your terminal's clipboard (no system clipboard here: "
        f"{pyperclip_error[:60]}):\n{value}"
    )
