"""Terminal-safe text: what a layer's author writes never drives the user's terminal.

The attack: publish (or share) a layer version whose entry names, file contents and
description hold escape sequences: OSC 0 retitles the terminal, CSI 2J clears it, OSC 52
writes the user's clipboard, 0x9b is an 8-bit CSI, U+202E reverses what follows, a newline in
a name forges a line of output. The promise: every such string reaches the screen and text
output with those characters shown visibly (``\\x1b``, ``\\u202e``), and ``--json`` keeps the
exact strings, JSON-escaped, so a parser gets them back byte for byte.

The oracle for "nothing raw" is Python's Unicode tables (categories Cc, Cf, Cs, Zl, Zp), not
the code under test. The hostile layer is published over HTTP to the sandbox, as a user would.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from on_screen import composed_strips
from textual.app import App
from textual.widgets import Input
from textual.worker import WorkerFailed
from ui_fixtures import pilot_test
from waiting import wait_until

from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply
from layer_tui.sandbox.hostile import (
    CLIPBOARD,
    DESCRIPTION,
    ENTRY_NAMES,
    TITLE,
    publish_hostile_layer,
)

REGION = "eu-west-1"
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def raw_unsafe(text: str, *, allowed: str = "\n") -> list[str]:
    """Every character of ``text`` a terminal could act on or that hides text, by category."""
    return sorted({
        f"U+{ord(c):04X}" for c in text
        if c not in allowed and unicodedata.category(c) in UNSAFE_CATEGORIES
    })  # fmt: skip


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[Sandbox, str]]:
    """A sandbox with the hostile layer published in eu-west-1, twice (its versions differ in
    every file but the README); yields version 1's ARN. Tests here only read it."""
    with Sandbox(regions=(REGION,)) as sandbox:
        first = publish_hostile_layer(sandbox.client("lambda", REGION))
        publish_hostile_layer(sandbox.client("lambda", REGION), revision=2)
        yield sandbox, first


# -- the core function -----------------------------------------------------------------------


def test_every_unsafe_character_is_escaped_and_every_other_kept() -> None:
    """Attack: any control, format, surrogate or separator character the table forgot.
    Promise: visible_line escapes each of them and leaves every other character alone;
    visible_lines differs only in keeping a newline, a tab and a CR before a newline."""
    from layer_tui.safe_text import visible_line, visible_lines

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        unsafe = unicodedata.category(char) in UNSAFE_CATEGORIES
        shown = visible_line(f"a{char}b")
        if unsafe:
            assert not raw_unsafe(shown, allowed=""), (hex(code), shown)
            assert shown.startswith("a\\") and shown.endswith("b"), (hex(code), shown)
        else:
            assert shown == f"a{char}b", hex(code)
    assert visible_line("\x1b]0;t\x07") == "\\x1b]0;t\\x07"
    assert visible_line("\u202e\U000e0041\ud800") == "\\u202e\\U000e0041\\ud800"
    assert visible_line("a\tb\nc\rd") == "a\\tb\\nc\\rd"
    assert visible_lines("a\tb\r\nc\rd\n\x1b[2J") == "a\tb\r\nc\\rd\n\\x1b[2J"


# -- headless commands -----------------------------------------------------------------------


def test_inspect_text_output_shows_escapes_and_writes_none(
    hostile: tuple[Sandbox, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: `layer-tui inspect ARN` on the hostile layer, printed to a terminal.
    Promise: stdout holds no control, C1 or bidi character (only the line breaks of its own
    lines); each hostile name and the finding quoting one read with visible escapes, and a
    newline inside a name does not forge an extra line."""
    from layer_tui.cli import main

    sandbox, arn = hostile
    code = main(["inspect", arn, "--endpoint-url", sandbox.endpoint_url])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert raw_unsafe(captured.out) == []
    assert raw_unsafe(captured.err) == []
    out = captured.out
    assert "hostile/\\x1b]0;pwned\\x07title.py" in out
    assert "hostile/\\x1b[2Jclear.py" in out
    assert "hostile/\\x1b]52;c;cHduZWQ=\\x07clip.py" in out
    assert "hostile/\\x9b2Jc1.py" in out
    assert "hostile/invoice\\u202egpj.py" in out
    assert "hostile/same\\u200bname.py" in out
    assert "hostile/two\\nlines.py" in out
    assert "layout: \\x1b]0;pwned\\x07top.py is not on any runtime's path" in out
    # 2 summary lines, 1 finding, "largest files:" and one line per file: none forged.
    assert len(out.splitlines()) == 2 + 1 + 1 + len(ENTRY_NAMES)


def test_inspect_json_keeps_the_exact_names_and_writes_no_raw_byte(
    hostile: tuple[Sandbox, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the same layer through `inspect --json`, read by a person or piped to jq.
    Promise: json.loads gives back every entry name exactly as published, and the bytes
    written are printable ASCII (escapes like \\u001b, \\u202e), so nothing raw reaches a
    terminal that shows the JSON."""
    from layer_tui.cli import main

    sandbox, arn = hostile
    code = main(["inspect", arn, "--json", "--endpoint-url", sandbox.endpoint_url])
    out = capsys.readouterr().out
    assert code == 0
    assert raw_unsafe(out) == []
    assert out.isascii()
    entries = json.loads(out)["entries"]
    assert {e["path"] for e in entries if not e["is_dir"]} == set(ENTRY_NAMES)
    finding = json.loads(out)["findings"][0]["message"]
    assert finding.startswith(f"{TITLE}top.py is not on any runtime's path")


def test_inventory_json_keeps_the_exact_description(
    hostile: tuple[Sandbox, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: a layer description holding OSC 0, CSI 2J, OSC 52 and U+202E.
    Promise: `inventory --json` gives it back exactly, written as ASCII escapes."""
    from layer_tui.cli import main

    sandbox, _ = hostile
    code = main(["inventory", "--json", "--endpoint-url", sandbox.endpoint_url,
                 "--region", REGION])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert out.isascii() and raw_unsafe(out) == []
    (layer,) = json.loads(out)["regions"][0]["layers"]
    assert {v["description"] for v in layer["versions"]} == {DESCRIPTION}


class HostileErrors(Interceptor):
    """A proxy (or a compromised endpoint) answering ListLayers with an error whose message
    carries escape sequences: region errors are printed to stderr."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation == "ListLayers":
            return error_reply(call, 403, "AccessDeniedException",
                               f"denied {TITLE}{CLIPBOARD}\u202eok\nforged line")  # fmt: skip
        return None


def test_inventory_error_lines_on_stderr_show_escapes(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: an AWS error message with OSC 0, OSC 52, U+202E and a newline, for a region.
    Promise: the one stderr line that says so holds no raw control or bidi character and stays
    one line; the text table says which region failed."""
    from layer_tui.cli import main

    sandbox.add_interceptor(HostileErrors(), first=True)
    code = main(["inventory", "--endpoint-url", sandbox.endpoint_url, "--region", REGION])
    captured = capsys.readouterr()
    assert code == 1
    assert raw_unsafe(captured.out) == [] and raw_unsafe(captured.err) == []
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"layer-tui: {REGION}: access denied")
    quoted = "denied \\x1b]0;pwned\\x07\\x1b]52;c;cHduZWQ=\\x07\\u202eok"
    assert f"(AccessDeniedException: {quoted}" in lines[0]




# -- the TUI ---------------------------------------------------------------------------------

SIZE = (200, 50)
#: What Textual itself writes around cells: cursor moves and colours (CSI ... H / m).
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*[Hm]")


def terminal_bytes(app: App[Any]) -> str:
    """What Textual writes to the terminal to paint the whole screen as it is now."""
    return "\n".join(strip.render(app.console) for strip in composed_strips(app))


def screen_text(app: App[Any]) -> str:
    """The screen's characters, line by line (no styles)."""
    return "\n".join(strip.text for strip in composed_strips(app))


def assert_nothing_raw(app: App[Any]) -> None:
    painted = terminal_bytes(app)
    assert "\x1b" in painted  # the oracle sees Textual's own sequences...
    leftover = _OWN_SEQUENCES.sub("", painted)
    # ...and, those taken out, no ESC, BEL, C1, bidi or zero-width character of anyone else's.
    assert "\x1b" not in leftover, repr(leftover[leftover.index("\x1b") - 40:][:120])
    assert raw_unsafe(leftover) == []


def session_for(sandbox: Sandbox) -> Any:
    from layer_tui.aws.session import AwsSession, SessionConfig

    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0))  # fmt: skip


async def settle(app: App[Any], pilot: Any) -> None:
    for _ in range(3):
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()


async def open_hostile_contents(app: Any, pilot: Any, arn: str) -> Any:
    from layer_tui.ui.screens.contents import ContentsScreen

    await settle(app, pilot)
    screen = ContentsScreen(app.aws_session(), arn)
    await app.push_screen(screen)
    await wait_until(pilot, lambda: screen.report is not None, what="the contents listed")
    await settle(app, pilot)
    return screen


def contents_app(sandbox: Sandbox) -> Any:
    from layer_tui import clock
    from layer_tui.aws.models import Inventory
    from layer_tui.ui.app import LayerTuiApp

    session = session_for(sandbox)

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        return Inventory(session.account_id(), clock.now(), ())

    return LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)


@pilot_test
async def test_contents_tree_largest_files_and_findings_show_escapes(
    hostile: tuple[Sandbox, str],
) -> None:
    """Attack: `i` on the hostile version; its folder opened in the tree.
    Promise: the bytes painted hold no raw ESC, BEL, C1, bidi or zero-width character, and the
    tree, the largest-files table and the layout finding show the names with escapes."""
    sandbox, arn = hostile
    app = contents_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_hostile_contents(app, pilot, arn)
        assert screen.zip_tree.reveal(ENTRY_NAMES[1]) is not None
        await pilot.pause()
        assert_nothing_raw(app)
        shown = screen_text(app)
        assert "\\x1b]0;pwned\\x07top.py is not on any runtime's path" in shown  # finding
        for visible in ("\\x1b]0;pwned\\x07title.py", "\\x1b[2Jclear.py", "\\x9b2Jc1.py",
                        "invoice\\u202egpj.py", "same\\u200bname.py", "two\\nlines.py"):
            assert shown.count(visible) >= 2, visible  # in the tree and in the largest files


@pilot_test
async def test_entry_diff_shows_hostile_names_with_escapes(hostile: tuple[Sandbox, str]) -> None:
    """Attack: `c` on version 2, which changed every hostile file of version 1.
    Promise: the diff table paints no raw control character and names each file with escapes."""
    sandbox, first = hostile
    app = contents_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        # Version 2 of the same layer (replace(":1", ":2") also rewrote an account id
        # starting with 1, and the test then waited for a layer that is not there).
        screen = await open_hostile_contents(app, pilot, first.rsplit(":", 1)[0] + ":2")
        screen.compare_with(first)
        await settle(app, pilot)
        assert screen.mode == "contents-diff"
        assert len(screen.diff_view.table.shown_rows) == len(ENTRY_NAMES) - 1
        assert_nothing_raw(app)
        shown = screen_text(app)
        for visible in ("\\x1b]0;pwned\\x07top.py", "\\x1b[2Jclear.py", "\\x9b2Jc1.py",
                        "invoice\\u202egpj.py", "two\\nlines.py"):
            assert visible in shown, visible


def test_every_table_cell_is_escaped_however_it_was_built() -> None:
    """Attack: a screen that builds a cell as a raw rich Text (not through formatting.text),
    holding OSC 0 and U+202E. Promise: the table row shows it escaped, keeps its style, and the
    filter matches what is shown."""
    from rich.text import Text

    from layer_tui.ui.widgets.table_model import TableRow

    cell = Text("geo ", style="bold")
    # (rich itself drops BEL, BS and CR from a Text, but keeps ESC and bidi characters.)
    cell.append("\x1b]0;pwned\u202e", style="red")
    row = TableRow.build("arn", [cell, Text("plain")], ["geo", "plain"])
    assert row.cells[0].plain == "geo \\x1b]0;pwned\\u202e"
    assert row.cells[1].plain == "plain"
    assert row.haystack == "geo \\x1b]0;pwned\\u202e\tplain"
    red = [span for span in row.cells[0].spans if span.style == "red"]
    assert red and red[-1].end == len(row.cells[0].plain)


@pilot_test
async def test_viewer_shows_a_hostile_file_with_escapes_and_keeps_its_layout(
    hostile: tuple[Sandbox, str],
) -> None:
    """Attack: enter on a text file whose contents hold OSC 0, CSI 2J, OSC 52, 0x9b, U+202E,
    BEL, a backspace and a lone CR. Promise: none is painted raw, each reads as an escape, and
    the file's own lines, tabs and CRLF line ends stay layout (no "\\t", no "\\r" at a line end)."""
    from layer_tui.ui.widgets.member_text import MemberTextScreen

    sandbox, arn = hostile
    app = contents_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_hostile_contents(app, pilot, arn)
        readme = next(e for e in screen.report.entries if e.path.endswith("README.txt"))
        screen.open_entry(readme)
        await settle(app, pilot)
        assert isinstance(app.screen, MemberTextScreen)
        assert_nothing_raw(app)
        shown = screen_text(app)
        assert "title \\x1b]0;pwned\\x07 clear \\x1b[2J clipboard \\x1b]52;c;cHduZWQ=\\x07" in shown
        assert "c1 \\x9b2J bidi \\u202etxt.exe zero\\u200bwidth bell \\x07 back\\x08space" in shown
        assert "a lone CR\\rends here" in shown
        assert "layer that attacks the terminal showing it" in shown
        assert "\\r" not in shown.replace("CR\\rends", "")  # the CRLF stayed a line end
        assert "\\t" not in shown and "    indented with a tab" in shown


@pilot_test
async def test_a_notification_quoting_a_hostile_name_shows_escapes(
    hostile: tuple[Sandbox, str],
) -> None:
    """Attack: enter on a binary file named with OSC 52; the app says it cannot show it, in a
    notification that quotes the name. Promise: the toast paints no raw control character and
    reads the name with escapes (and a "[" in it would not be taken for markup)."""
    sandbox, arn = hostile
    app = contents_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_hostile_contents(app, pilot, arn)
        native = next(e for e in screen.report.entries if e.path.endswith("native.so"))
        screen.open_entry(native)
        await pilot.pause()
        assert_nothing_raw(app)
        assert "\\x1b]52;c;cHduZWQ=\\x07native.so" in screen_text(app)


@pilot_test
async def test_versions_table_and_details_show_a_hostile_description_with_escapes(
    hostile: tuple[Sandbox, str],
) -> None:
    """Attack: a layer description with OSC 0, CSI 2J, OSC 52 and U+202E, browsed to its
    versions table. Promise: neither the table cell nor the details panel paints it raw; both
    read it with escapes."""
    from layer_tui.ui.app import LayerTuiApp
    from layer_tui.ui.screens.versions import VersionsScreen
    from layer_tui.ui.widgets import ResourceTable

    sandbox, _ = hostile
    app = LayerTuiApp(session_for(sandbox).config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResourceTable)
        assert table.select_key(REGION)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, VersionsScreen)
        assert_nothing_raw(app)
        shown = screen_text(app)
        assert "hostile \\x1b]0;pwned\\x07" in shown  # the cell, cut to its column
        assert "hostile \\x1b]0;pwned\\x07\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07 \\u202etxt.exe" in shown


class HostilePublishError(Interceptor):
    """PublishLayerVersion refused with a message that carries escape sequences (what a proxy,
    or an endpoint quoting the layer's own description back, can send)."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation == "PublishLayerVersion":
            return error_reply(call, 400, "InvalidParameterValueException",
                               f"refused {TITLE}{CLIPBOARD}\u202eok")  # fmt: skip
        return None


class DialogHost(App[None]):
    def __init__(self, make_dialog: Any) -> None:
        super().__init__()
        self.make_dialog = make_dialog

    def on_mount(self) -> None:
        self.push_screen(self.make_dialog())


@pilot_test
async def test_a_dialog_error_line_shows_a_hostile_aws_message_with_escapes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Attack: the publish dialog's ctrl+s answered by an error whose message holds OSC 0,
    OSC 52 and U+202E. Promise: the dialog's one error line paints none of them raw and reads
    the message with escapes."""
    from layer_tui.aws.journal import Journal
    from layer_tui.aws.operations import LayerOperations
    from layer_tui.sandbox.hostile import hostile_archive
    from layer_tui.ui.dialogs.base import StatusLine
    from layer_tui.ui.dialogs.publish import PublishDialog

    sandbox.add_interceptor(HostilePublishError(), first=True)
    source = tmp_path / "layer.zip"
    source.write_bytes(hostile_archive())
    ops = LayerOperations(session_for(sandbox), Journal(tmp_path / "journal.jsonl"),
                          tmp_path / "backups")  # fmt: skip
    app = DialogHost(lambda: PublishDialog(ops, REGION, "geo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#source", Input).value = str(source)
        await pilot.pause(0.6)
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        status = app.screen.query_one("#status", StatusLine)
        assert status.has_class("-error")
        assert_nothing_raw(app)
        # The line wraps in the dialog's width: read it from the line itself.
        said = str(status.render())
        assert "refused \\x1b]0;pwned\\x07\\x1b]52;c;cHduZWQ=\\x07\\u202eok" in said, said
        assert "\\x1b]0;pwned\\x07\\x1b]52;c;cHduZWQ=\\x07\\u202eok" in screen_text(app)
