"""What every mutating dialog shares: the frame, escape, the one-line error, the busy state.

A dialog's AWS calls run in thread workers owned by the dialog. ``Worker.StateChanged`` does
not bubble, so the dialog itself turns a failed worker into one line (never a traceback) and
the app's own handler never sees it. Threads only hand results back through
``call_from_thread``; they never touch a widget.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from layer_tui.aws.errors import describe
from layer_tui.aws.operations import LayerOperations
from layer_tui.safe_text import visible_line
from layer_tui.ui.formatting import CellStyles, LayerVersionArn

#: Terminals with fewer rows get the compact form (no field borders, no gaps).
SHORT_TERMINAL = 32


class StatusLine(Static):
    """One line under the form: an error (``$text-error``), a warning or plain progress."""

    DEFAULT_CSS = """
    StatusLine {
        height: auto;
        margin-top: 1;
        color: $foreground;
        &.-error { color: $text-error; }
        &.-warning { color: $text-warning; }
        &.-success { color: $text-success; }
        &.-empty { display: none; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content(""), id=id, classes="-empty")

    def say(self, message: str, level: str = "") -> None:
        """Show ``message`` as plain text (never markup); ``level``: error/warning/success.

        Messages quote AWS errors, names and paths: every control or bidi character in them is
        shown as an escape. Only the line breaks a dialog puts between its lines stay."""
        self.update(Content("\n".join(visible_line(line) for line in message.split("\n"))))
        self.set_classes(f"-{level}" if level else "")
        self.set_class(not message, "-empty")


class OperationDialog(ModalScreen[bool]):
    """A modal that changes AWS; dismisses with True once something changed."""

    DEFAULT_CSS = """
    OperationDialog {
        align: center middle;
        background: $background 60%;
    }
    OperationDialog > #frame {
        width: 100;
        max-width: 96%;
        height: auto;
        max-height: 94%;
        padding: 0 2 1 2;
        border: round $primary;
        border-title-color: $foreground;
        border-title-style: bold;
        background: $surface;
        /* Taller than the terminal: the form scrolls, the outcome (progress, status line,
           buttons) stays docked at the bottom, so what ctrl+s did is always in sight. */
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    OperationDialog #frame > .outcome {
        dock: bottom;
        height: auto;
        background: $surface;
    }
    OperationDialog.-destructive > #frame {
        border: round $error;
    }
    OperationDialog .muted { color: $text-muted; }
    OperationDialog .warning { color: $text-warning; }
    OperationDialog .danger { color: $text-error; text-style: bold; }
    OperationDialog .field-label { color: $text-muted; margin-top: 1; }
    OperationDialog Input { margin: 0; width: 1fr; }
    OperationDialog VerticalScroll { height: auto; max-height: 14; }
    /* 100%, not auto: a wide table scrolls inside the frame instead of widening it. */
    OperationDialog DataTable { height: auto; max-height: 14; width: 100%; }
    /* A short terminal (80x24): fields lose their borders and gaps so the preview still
       shows between the form and the docked outcome. */
    OperationDialog.-short .field-label { margin-top: 0; }
    OperationDialog.-short .buttons { margin-top: 0; }
    OperationDialog.-short SelectionList { max-height: 5; }
    OperationDialog.-short VerticalScroll { max-height: 8; }
    OperationDialog.-short DataTable { max-height: 6; }
    OperationDialog.-short .plan-label { display: none; }
    OperationDialog .buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    OperationDialog .buttons Button { margin-left: 2; }
    OperationDialog ProgressBar { margin-top: 1; }
    OperationDialog ProgressBar.-idle { display: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, ops: LayerOperations) -> None:
        super().__init__()
        self.ops = ops
        #: Whether anything in AWS changed through this dialog (what it dismisses with).
        self.changed = False
        #: Set by escape while work runs; long work checks it between steps.
        self.cancel_requested = threading.Event()
        self.busy = False

    def on_resize(self) -> None:
        short = self.app.size.height < SHORT_TERMINAL
        self.set_class(short, "-short")
        for widget in self.query("Select, SelectionList, Button, Input"):
            widget.compact = short  # type: ignore[attr-defined]

    def status(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    def say(self, message: str, level: str = "") -> None:
        self.status().say(message, level)

    def action_cancel(self) -> None:
        if self.busy:
            self.cancel_requested.set()
            self.say(self.cancel_message(), "warning")
            return
        self.dismiss(self.changed)

    def cancel_message(self) -> str:
        return "stopping after the step in flight\N{HORIZONTAL ELLIPSIS}"

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.SUCCESS:
            self.busy = False
            self.worker_done(worker.group, worker.result)
        elif event.state is WorkerState.ERROR:
            self.busy = False
            error = describe(worker.error) if worker.error is not None else None
            self.worker_failed(worker.group, str(error) if error else "failed")
        elif event.state is WorkerState.CANCELLED:
            self.busy = False

    def worker_done(self, group: str, result: object) -> None:
        """A worker of this dialog returned ``result``."""

    def worker_failed(self, group: str, message: str) -> None:
        """A worker of this dialog raised; ``message`` is already one line."""
        self.say(message, "error")


def version_label(arn: str) -> str:
    """``geo:3`` for a layer version ARN (what the user types and reads)."""
    return LayerVersionArn.parse(arn).label


def layer_list(arns: Sequence[str], highlight: str | None = None,
               style: Style | str = "") -> Text:
    """``geo:3, pandas:1`` (a table cell) with ``highlight`` (an ARN) in ``style``."""
    cell = Text(no_wrap=True, overflow="ellipsis")
    for index, arn in enumerate(arns):
        if index:
            cell.append(", ")
        cell.append(visible_line(version_label(arn)), style if arn == highlight else "")
    if not arns:
        cell.append("(no layers)", "dim")
    return cell


def styles_of(screen: DOMNode) -> CellStyles:
    """Rich styles from the current theme, for DataTable cells."""
    return CellStyles.from_variables(screen.app.theme_variables)
