"""The user's keymap (``$XDG_CONFIG_HOME/layer-tui/keymap.toml``) moves keys, and only keys.

Pilot tests on the in-memory account with a keymap file in the test's own config folder: the
moved key works, the footer and ``?`` name it, and every entry that cannot work is one line on
screen while the rest of the file applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from on_screen import footer_keys, said
from ui_fixtures import NOW, make_app, pilot_test
from waiting import settle, wait_until

from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.keymap import binding_scopes, check_keymap, normalize_key
from layer_tui.ui.screens.help import HelpScreen
from layer_tui.ui.screens.regions import RegionsScreen

SIZE = (120, 40)
WriteKeymap = Callable[[str], Path]

pytestmark = pytest.mark.frozen_clock(NOW)


def keymap_lines(app: LayerTuiApp) -> list[str]:
    return [line for line in said(app) if line.startswith("keymap")]


def bound_action(app: LayerTuiApp, key: str) -> str | None:
    """The action the screen on top runs for ``key`` now (public: the footer reads the same)."""
    active = app.screen.active_bindings.get(key)
    return active.binding.action if active is not None else None


@pilot_test
async def test_a_moved_key_runs_its_action_and_the_footer_and_help_name_it(
    write_keymap: WriteKeymap,
) -> None:
    """Attack: the user moves help to F1 and refresh to R in keymap.toml; the app ignored the
    file (no binding had an id it could find), or moved the key but the footer and ``?`` went on
    naming the old one, so the screen teaches keys that no longer work.
    Promise: F1 opens help, R refreshes, the old keys do nothing of theirs; the footer names R
    for Refresh, and the help lists R and F1, not r and ?. Nothing is said about the file."""
    write_keymap('[keys]\n"app.help" = "f1"\nbrowse.refresh = "R"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RegionsScreen)
        assert bound_action(app, "R") == "refresh"
        assert bound_action(app, "r") is None
        assert bound_action(app, "question_mark") is None
        await wait_until(pilot, lambda: footer_keys(app).get("Refresh") == "R",
                         what="the footer naming R for Refresh")
        assert footer_keys(app)["Help"] == "f1"
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help on F1")
        listed = {description: keys for keys, description in app.screen.entries}
        assert listed.get("Refresh") == "R" and listed.get("Help") == "f1"
        assert keymap_lines(app) == []


@pilot_test
async def test_each_entry_that_cannot_work_is_one_line_and_the_rest_applies(
    write_keymap: WriteKeymap,
) -> None:
    """Attack: a keymap with a misspelt id, a key Textual cannot name, a key that another binding
    of the same screen answers (q for quit moved onto r, refresh's key) and one good entry. A
    traceback, a silently ignored file, or quit taking r away from refresh.
    Promise: one line for each bad entry, naming it and saying what to do; the good entry (V
    shows or hides the details) applies; r still refreshes and q still quits."""
    write_keymap(
        "[keys]\n"
        '"browse.fliter" = "x"\n'
        '"app.help" = "ctrl++"\n'
        '"app.quit" = "r"\n'
        '"browse.details" = "V"\n'
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = keymap_lines(app)
        assert len(lines) == 3, lines
        fliter, plus, clash = lines
        assert '"browse.fliter" is no binding\'s id' in fliter and "README" in fliter
        assert '"ctrl++" for app.help is not a key name' in plus
        assert '"r" for app.quit is already ' in clash and "'s key on the same screen" in clash
        assert "app.quit keeps its own key" in clash
        assert bound_action(app, "V") == "toggle_details"
        assert bound_action(app, "v") is None
        assert bound_action(app, "r") == "refresh"
        assert bound_action(app, "q") == "quit"
        assert bound_action(app, "question_mark") == "help"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[keys\n", "is not TOML"),
        ('"app.quit" = "Q"\n', "has no [keys] table"),
        ("[keys]\n\"app.quit\" = 7\n", "needs a string of keys"),
    ],
)
@pilot_test
async def test_a_file_that_cannot_be_read_says_so_once_and_keeps_the_default_keys(
    text: str, reason: str, write_keymap: WriteKeymap,
) -> None:
    """Attack: a keymap that is not TOML, has no [keys] table, or gives a number for a key.
    A traceback at start, or a start with no word about why the keys did not move.
    Promise: the app starts on its regions with one line naming the file's fault; q quits."""
    write_keymap(text)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RegionsScreen)
        lines = keymap_lines(app)
        assert len(lines) == 1 and reason in lines[0], lines
        assert bound_action(app, "q") == "quit"


def test_keys_are_read_the_way_textual_names_them() -> None:
    """Promise: the keys a user writes ("?", "ctrl+s", "f2", "[") become Textual's names;
    what no key is called (empty, a doubled modifier, an unknown word, a space) is refused."""
    assert normalize_key("?") == "question_mark"
    assert normalize_key(" ctrl+s ") == "ctrl+s"
    assert normalize_key("f2") == "f2"
    assert normalize_key("[") == "left_square_bracket"
    assert normalize_key("shift+pageup") == "shift+pageup"
    assert normalize_key("K") == "K"
    for bad in ("", "ctrl+", "ctrl+ctrl+s", "hyperspace", "cmd+s", " ", "a b"):
        assert normalize_key(bad) is None, bad


def test_a_key_asked_twice_goes_to_the_first_a_swap_applies_each_screen_is_checked() -> None:
    """Attack: two ids moved onto one key (F for both help and the command line); a swap (the
    functions key onto g while the region key moves onto f); and filter moved onto r, which
    the function screen answers with reload (the browsing screens' refresh moved away, the
    function screen's own r did not).
    Promise: the first entry keeps F, the second is one line and keeps its own key; the swap
    applies whole, as neither key is left answering two bindings; filter onto r is one line
    naming function.reload, the screen where the two would meet."""
    scopes = binding_scopes(LayerTuiApp)
    checked = check_keymap(
        [("app.help", "F"), ("app.command-line", "F"),
         ("app.functions", "g"), ("app.switch-region", "f"),
         ("browse.refresh", "R"), ("browse.filter", "r")],
        scopes,
    )
    assert checked.keys == {"app.help": "F", "app.functions": "g", "app.switch-region": "f",
                            "browse.refresh": "R"}
    assert len(checked.problems) == 2, checked.problems
    assert '"F" for app.command-line is already app.help\'s key' in checked.problems[0]
    assert '"r" for browse.filter is already function.reload\'s key' in checked.problems[1]


def test_readme_names_every_binding_id_a_keymap_can_move() -> None:
    """Attack: a binding added (or renamed) without the README's Keys saying its id, so a user
    writing keymap.toml cannot find it, or is told an id that no longer exists.
    Promise: the ids README's "Your own keys" lists are exactly the app's binding ids."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own keys", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z-]+\.[a-z-]+)`", section))
    ids = {b.id for scope in binding_scopes(LayerTuiApp) for b in scope if b.id}
    assert listed == ids, (sorted(ids - listed), sorted(listed - ids))
