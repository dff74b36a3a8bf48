"""What a check says, and the data files the checks read.

Kept apart from ``checks`` so that ``native`` (ELF headers) and ``checks`` can both use them
without importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from layer_tui.aws.zipformat import ZipEntry

Level = Literal["error", "warning", "info"]
#: Reads the first N bytes of a member's content (``RemoteZip.read_member_head``).
ReadHead = Callable[[ZipEntry, int], bytes]


@dataclass(frozen=True)
class Finding:
    """One thing worth telling the user about a layer version."""

    level: Level
    code: str
    message: str
    path: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code, "message": self.message}


def load_data(name: str) -> dict[str, Any]:
    text = resources.files("layer_tui").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``1 arm64 binary``, ``3 arm64 binaries``: the count and the word that agrees with it."""
    if count == 1:
        return f"{count} {singular}"
    if many is None:
        y_to_ies = singular.endswith("y") and singular[-2:-1] not in ("a", "e", "o", "u")
        many = singular[:-1] + "ies" if y_to_ies else singular + "s"
    return f"{count} {many}"


@cache
def layer_layout() -> dict[str, Any]:
    """Where runtimes look under /opt: ``{"source", "as_of", "search_paths": [...]}``."""
    return load_data("layer_layout.json")


__all__ = ["Finding", "Level", "ReadHead", "layer_layout", "load_data", "plural"]
