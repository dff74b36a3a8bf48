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


@cache
def layer_layout() -> dict[str, Any]:
    """Where runtimes look under /opt: ``{"source", "as_of", "search_paths": [...]}``."""
    return load_data("layer_layout.json")


__all__ = ["Finding", "Level", "ReadHead", "layer_layout", "load_data"]
