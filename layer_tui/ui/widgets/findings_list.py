"""The findings about a layer version, worst first, one line each, coloured by level."""

from __future__ import annotations

from collections.abc import Sequence

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


def finding_label(finding: Finding) -> Content:
    """``⚠ warning layout``: the part that lines up in a column."""
    style = LEVEL_STYLES.get(finding.level, "bold")
    mark = LEVEL_MARKS.get(finding.level, "\N{BULLET}")
    return Content.assemble(
        (f"{mark} {finding.level:<7}", style), " ", (f"{finding.code:<8}", "$text-muted")
    )


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
            width: 20;
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
        self.mount_all(
            Horizontal(
                Static(finding_label(f), classes="finding-label"),
                # Content(...) is plain text: a "[" in a path stays a "["; messages quote entry
                # names, so their control characters are shown as escapes.
                Static(Content(visible_line(f.message)), classes="finding-message"),
            )
            for f in findings
        )


__all__ = ["LEVEL_STYLES", "FindingsList", "finding_label"]
