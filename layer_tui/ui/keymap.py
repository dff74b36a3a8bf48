"""The user's keys: ``$XDG_CONFIG_HOME/layer-tui/keymap.toml``, checked at start.

The file holds one ``[keys]`` table of binding id = "key[,key]" (``"app.quit" = "ctrl+x"``;
a bare dotted id such as ``app.quit = "Q"`` reads the same). Every binding of the app is
declared with an ``id``, so the checked table goes whole to Textual's ``App.set_keymap``, and the
footer, ``?`` and the palette read the user's keys from the bindings themselves.

An entry that cannot work is left out, with one line saying why, and the rest applies: an id no
binding has, a key Textual cannot name, or a key another binding on the same screen already
answers (Textual would quietly drop that other binding, so ``d`` mapped to quit would take
delete's key away, not share it). A keymap only moves keys: which action may run is still
decided by ``check_action`` and, for changes to AWS, by the read-only gate below the UI.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

from layer_tui.safe_text import visible_line

KEYMAP_FILE = "keymap.toml"

#: Where the app's screens, dialogs and widgets live: each one's bindings, with the app's, are
#: the keys that can be answered together on one screen.
_BOUND_PACKAGES = ("layer_tui.ui.screens", "layer_tui.ui.dialogs", "layer_tui.ui.widgets")

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Keys named by a word: Textual's key names, without their modifiers.
NAMED_KEYS = frozenset(key.value.rsplit("+", 1)[-1] for key in Keys) | {
    "space", "enter", "tab", "escape", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
}

#: Longest id or key quoted back in a message (a file is text someone may have pasted into).
_QUOTED = 40


def keymap_path() -> Path:
    """``$XDG_CONFIG_HOME/layer-tui/keymap.toml`` (``~/.config`` when the variable is unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "layer-tui" / KEYMAP_FILE


@dataclass(frozen=True)
class UserKeymap:
    """What the file asked for, as far as it can work."""

    keys: dict[str, str] = field(default_factory=dict)
    """Binding id -> Textual's comma-separated key names, ready for ``App.set_keymap``."""
    problems: list[str] = field(default_factory=list)
    """One line per entry left out (or for a file that could not be read at all)."""


def _quoted(text: object) -> str:
    shown = visible_line(str(text))
    return f'"{shown[:_QUOTED]}\N{HORIZONTAL ELLIPSIS}"' if len(shown) > _QUOTED else f'"{shown}"'


def _character_key(character: str) -> str | None:
    """Textual's name for the key that types ``character`` ("?" -> "question_mark")."""
    if not character.isprintable() or character.isspace():
        return None
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return None
    return KEY_NAME_REPLACEMENTS.get(name, name)


def normalize_key(text: str) -> str | None:
    """Textual's name for one key as a user writes it ("?", "ctrl+s", "f2"), None if none."""
    key = text.strip()
    if len(key) == 1:
        return _character_key(key)
    *modifiers, base = key.split("+")
    if not base or len(set(modifiers)) != len(modifiers) or not MODIFIERS.issuperset(modifiers):
        return None
    if len(base) == 1:
        named = _character_key(base)
        if named is None:
            return None
        base = named
    elif base not in NAMED_KEYS and key_to_character(base) is None:
        return None
    return "+".join([*modifiers, base])


def _entries(table: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    # TOML reads a bare dotted key (app.quit = "Q") as nested tables: join them back.
    for name, value in table.items():
        if isinstance(value, dict):
            yield from _entries(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def read_keymap_file(path: Path) -> tuple[list[tuple[str, object]], list[str]]:
    """(id, value) in file order, or a line saying why nothing in the file can be used."""
    where = f"keymap {visible_line(str(path))}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        return [], [f"{where} cannot be read ({reason}); the default keys are used"]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{where} is not TOML ({visible_line(str(exc))}); the default keys are used"]
    keys = document.get("keys")
    if not isinstance(keys, dict):
        return [], [f'{where} has no [keys] table (write [keys], then "binding.id" = "key"); '
                    "the default keys are used"]
    return list(_entries(keys)), []


def merged_bindings(node_class: type[DOMNode]) -> list[Binding]:
    """The bindings an instance of ``node_class`` answers, one per key, as Textual merges them
    (a subclass's binding for a key replaces its base's)."""
    by_key: dict[str, list[Binding]] = {}
    for base in reversed(node_class.__mro__):
        if isinstance(base, type) and issubclass(base, DOMNode):
            declared = BindingsMap(base.__dict__.get("BINDINGS", []))
            by_key.update(declared.key_to_bindings)
    return [binding for bindings in by_key.values() for binding in bindings]


def _own_node_classes() -> list[type[DOMNode]]:
    for package_name in _BOUND_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package_name}.{module.name}")
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__.startswith("layer_tui.") and subclass not in found:
                found.append(subclass)
            pending.append(subclass)
    # In a fixed order, so a clash names the same binding on every run.
    return sorted(found, key=lambda node: (node.__module__, node.__qualname__))


def binding_scopes(app_class: type[App[object]]) -> list[list[Binding]]:
    """The sets of bindings that answer keys together: the app's with each screen's, dialog's
    or widget's of this app (a widget's own, like a table's enter, reach the app through it)."""
    app_bindings = merged_bindings(app_class)
    scopes = [app_bindings]
    for node_class in _own_node_classes():
        if not issubclass(node_class, App):
            scopes.append([*merged_bindings(node_class), *app_bindings])
    return scopes


def check_keymap(entries: Sequence[tuple[str, object]],
                 scopes: Sequence[Sequence[Binding]]) -> UserKeymap:
    """The entries that can work; an earlier entry keeps a key a later one also asks for."""
    known = {binding.id for scope in scopes for binding in scope if binding.id}
    problems: list[str] = []
    wanted: dict[str, list[str]] = {}
    written: dict[tuple[str, str], str] = {}  # (id, key) -> as the user wrote it
    for binding_id, value in entries:
        if binding_id not in known:
            problems.append(f"keymap: {_quoted(binding_id)} is no binding's id (README, Keys, "
                            "lists them); that line is left out")
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f'keymap: {binding_id} needs a string of keys ("k" or "k,ctrl+k"), '
                            f"not {_quoted(value)}; it keeps its own key")
            continue
        keys = [normalize_key(key) for key in value.split(",")]
        if None in keys:
            bad = next(key for key, ok in zip(value.split(","), keys, strict=True) if ok is None)
            problems.append(f"keymap: {_quoted(bad.strip())} for {binding_id} is not a key name "
                            '(like "x", "X", "?", "ctrl+s", "f2", "pageup"); it keeps its own key')
            continue
        wanted[binding_id] = list(dict.fromkeys(key for key in keys if key is not None))
        for raw, key in zip(value.split(","), keys, strict=True):
            written.setdefault((binding_id, str(key)), raw.strip())

    accepted: dict[str, list[str]] = {}
    decided: set[str] = set()

    def keys_of(binding: Binding, key: str) -> list[str]:
        """Where ``binding`` will answer: its entry's keys if that entry can still work."""
        if binding.id in accepted:
            return accepted[binding.id]
        if binding.id in wanted and binding.id not in decided and key not in wanted[binding.id]:
            return wanted[binding.id]
        return [binding.key]

    for binding_id, wanted_keys in wanted.items():
        clash = _first_clash(binding_id, wanted_keys, scopes, keys_of)
        decided.add(binding_id)
        if clash is None:
            accepted[binding_id] = wanted_keys
            continue
        key, other = clash
        shown = written.get((binding_id, key), key)
        problems.append(f"keymap: {_quoted(shown)} for {binding_id} is already {other}'s key on "
                        f"the same screen (move {other} too, or pick another); {binding_id} "
                        "keeps its own key")
    return UserKeymap({binding_id: ",".join(keys) for binding_id, keys in accepted.items()},
                      problems)


def _first_clash(binding_id: str, keys: list[str], scopes: Sequence[Sequence[Binding]],
                 keys_of: Callable[[Binding, str], list[str]]) -> tuple[str, str] | None:
    for scope in scopes:
        own = [binding for binding in scope if binding.id == binding_id]
        if not own:
            continue
        defaults = {binding.key for binding in own}
        for other in scope:
            if other.id == binding_id:
                continue
            for key in keys:
                if key in defaults and other.key == key:
                    continue  # they shared it before the keymap: the app's own layering
                if key in keys_of(other, key):
                    return key, other.id or f"{other.action!r} ({other.description or 'built in'})"
    return None


def load_user_keymap(app_class: type[App[object]], path: Path | None = None) -> UserKeymap:
    """The user's keymap checked against ``app_class``'s bindings (nothing when no file)."""
    entries, problems = read_keymap_file(path or keymap_path())
    if not entries:
        return UserKeymap(problems=problems)
    checked = check_keymap(entries, binding_scopes(app_class))
    return UserKeymap(checked.keys, [*problems, *checked.problems])


def apply_user_keymap(app: App[object], path: Path | None = None) -> UserKeymap:
    """Load, check and apply the keymap; each entry left out is one warning on screen."""
    keymap = load_user_keymap(type(app), path)
    if keymap.keys:
        app.set_keymap(keymap.keys)
    for line in keymap.problems:
        app.notify(line, title="Keymap", severity="warning", timeout=20)
    return keymap
