"""The findings panel's layout: the code column never wraps, the message wraps beside it.

Checks name findings by codes longer than the panel's old fixed column ("architecture",
"contents", "storage"); a code column that wraps splits "architecture" over two lines and
pushes every message out of line.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static
from ui_fixtures import pilot_test

from layer_tui.aws.findings import Finding
from layer_tui.ui.widgets.findings_list import FindingsList

LONG = ("python/numpy/core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so is an x86_64 ELF "
        "binary, but this layer is declared for arm64 only: it cannot load there; rebuild it "
        "for aarch64 (manylinux2014_aarch64 wheels) or declare x86_64")
FINDINGS = [
    Finding("error", "architecture", LONG),
    Finding("warning", "storage", "kept in its owner's S3 bucket as s3://b/k: the version "
            "lives and dies with that object; deleting it breaks the layer"),
    Finding("info", "runtime", "python3.12 is fine"),
]


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FindingsList()

    def on_mount(self) -> None:
        self.query_one(FindingsList).show_findings(FINDINGS)


@pilot_test
async def test_the_code_column_never_wraps_at_80x24() -> None:
    """Attack: a finding code longer than the fixed 20-cell label column ("architecture")
    wraps inside it, so the label takes two lines and the column no longer lines up.
    Promise: at 80x24 every label is one line, the column is as wide as the longest code
    needs, every message starts at the same x beside it and the long one wraps there."""
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(FindingsList)
        labels = list(panel.query(".finding-label").results(Static))
        messages = list(panel.query(".finding-message").results(Static))
        assert len(labels) == len(messages) == len(FINDINGS)
        for label in labels:
            assert label.region.height == 1, (str(label.render()), label.region)
        shown = [str(label.render()).rstrip() for label in labels]
        assert any(text.endswith("architecture") for text in shown), shown
        widest = max(len(text) for text in shown)
        assert {label.region.width for label in labels} == {labels[0].region.width}
        assert labels[0].region.width > widest
        starts = {message.region.x for message in messages}
        assert starts == {labels[0].region.right}, starts
        assert messages[0].region.height > 1  # the long message wraps beside the label
        assert messages[0].region.right <= 80
