"""The findings about a layer version, worst first, one line each, coloured by level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from layer_tui.aws.findings import Finding, Level
from layer_tui.safe_text import visible_line

LEVEL_STYLES: dict[Level, str] = {
    "error": "bold $error",
    "warning": "bold $warning",
    "info": "bold $primary",
}
LEVEL_MARKS: dict[Level, str] = {
    "error": "\N{HEAVY MULTIPLICATION X}",
    "warning": "\N{WARNING SIGN}",
    "info": "\N{INFORMATION SOURCE}",
}


def finding_label(finding: Finding, code_width: int = 8) -> Content:
    """``⚠ warning layout``: the part that lines up in a column, its code padded to
    ``code_width`` (the longest code shown)."""
    style = LEVEL_STYLES.get(finding.level, "bold")
    mark = LEVEL_MARKS.get(finding.level, "\N{BULLET}")
    return Content.assemble(
        (f"{mark} {finding.level:<7}", style), " ",
        (f"{finding.code:<{code_width}}", "$text-muted"),
    )  # fmt: skip


#: Codes are padded to at least this, and two cells part the label from its message: the
#: column is 20 cells wide unless a longer code needs more.
MIN_CODE_WIDTH = 8
_GAP = 2


def label_width(labels: Sequence[Content]) -> int:
    """The label column's width: the widest label and the gap before the message."""
    return max((label.cell_length for label in labels), default=0) + _GAP


class FindingsList(VerticalScroll, can_focus=False):
    """Every finding on its own row, the message wrapping under itself, worst first."""

    DEFAULT_CSS = """
    FindingsList {
        height: auto;
        max-height: 11;
        padding: 0 1;
        background: $surface;
        color: $foreground;
        border-top: solid $primary-muted;
        border-title-color: $text-primary;
        border-title-style: bold;
        scrollbar-size-vertical: 1;
        &.-hidden {
            display: none;
        }
        & > Horizontal {
            height: auto;
        }
        & .finding-label {
            /* The real width is set per list from its longest code (show_findings). */
            width: 20;
            text-wrap: nowrap;
            text-overflow: clip;
        }
        & .finding-message {
            width: 1fr;
        }
    }
    """

    def show_findings(self, findings: Sequence[Finding]) -> None:
        counts = {level: sum(1 for f in findings if f.level == level) for level in LEVEL_STYLES}
        self.border_title = (
            "Findings: "
            + ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items() if n)
            if findings
            else "Findings"
        )
        self.remove_children()
        if not findings:
            done = Content.assemble(("\N{CHECK MARK} no findings", "$text-success"))
            self.mount(Static(done))
            return
        # The code column never wraps: it is as wide as the longest code (checks add codes
        # such as "architecture"), and the message wraps beside it.
        code_width = max(MIN_CODE_WIDTH, *(len(visible_line(f.code)) for f in findings))
        labels = [finding_label(replace(f, code=visible_line(f.code)), code_width)
                  for f in findings]  # fmt: skip
        width = label_width(labels)
        rows = []
        for finding, label in zip(findings, labels, strict=True):
            shown = Static(label, classes="finding-label")
            shown.styles.width = width
            rows.append(Horizontal(
                shown,
                # Content(...) is plain text: a "[" in a path stays a "["; messages quote entry
                # names, so their control characters are shown as escapes.
                Static(Content(visible_line(finding.message)), classes="finding-message"),
            ))  # fmt: skip
        self.mount_all(rows)


__all__ = ["LEVEL_STYLES", "FindingsList", "finding_label", "label_width"]
