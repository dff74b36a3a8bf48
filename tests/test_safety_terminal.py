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

import json
import sys
import unicodedata
from collections.abc import Iterator

import pytest

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
    """A sandbox with the hostile layer published in eu-west-1 (tests here only read it)."""
    with Sandbox(regions=(REGION,)) as sandbox:
        yield sandbox, publish_hostile_layer(sandbox.client("lambda", REGION))


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
    assert layer["versions"][0]["description"] == DESCRIPTION


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


