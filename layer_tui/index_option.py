"""``--index config:NAME[@REGION]``, read without loading boto3 (usage errors answer at once)."""

from __future__ import annotations

import re

#: Aggregator names as Config allows them (``[\w-]+``, at most 256); ``@REGION`` names where it
#: lives, since aggregators are regional (default: the session's home region).
INDEX_OPTION = re.compile(
    r"^config:(?P<name>[\w-]{1,256})(?:@(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}))?$", re.ASCII
)
#: Commands that answer "who uses this version" and so can take an index.
INDEXED_COMMANDS = frozenset({None, "inventory"})


def parse_index_option(value: str) -> tuple[str, str | None]:
    """(aggregator, region or None) from ``config:NAME[@REGION]``; ValueError with one line."""
    match = INDEX_OPTION.match(value)
    if match is None:
        raise ValueError(
            f"--index {value!r} is not understood; give config:AGGREGATOR_NAME (letters, "
            "digits, - and _), optionally config:NAME@REGION for an aggregator in another region"
        )
    return match["name"], match["region"]


def index_problem(value: str | None, command: str | None) -> str | None:
    """Why ``--index value`` cannot be used with ``command``, in one line; None if it can."""
    if value is None:
        return None
    if command not in INDEXED_COMMANDS:
        return (f"--index answers who uses a version, for inventory and the TUI; {command} "
                "takes none, so leave it out")
    try:
        parse_index_option(value)
    except ValueError as exc:
        return str(exc)
    return None
