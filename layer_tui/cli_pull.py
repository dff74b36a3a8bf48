"""``layer-tui pull NAME_OR_ARN --to DIR``: a function's /opt (or one version), to run locally.

stdout gets exactly one line, the ``docker run`` command; stderr says what happened on the
way (each version downloaded or taken from the cache, what the command leaves to fill in), so
``$(layer-tui pull …)`` is the command. Exit 2 for what the user asked (``PullRefused``), 1
for what AWS or the network did (``PullFailed``, ``AwsError``): each one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from layer_tui.aws.errors import redact
from layer_tui.aws.pull import PullFailed, PullProgress, PullRefused, pull, resolve_target
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.safe_text import visible_line

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _say(message: str) -> None:
    print(f"layer-tui: {visible_line(redact(message))}", file=sys.stderr)


class _ProgressLines:
    """One line per version as it is settled; on a terminal, a running byte count too."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.shown = 0

    def __call__(self, event: PullProgress) -> None:
        label = visible_line(event.label)
        if event.stage == "downloading" and self.live and event.total:
            sys.stderr.write(f"\r{label}: {event.received:,} of {event.total:,} bytes")
            sys.stderr.flush()
            return
        said = {"cached": f"{label}: from the cache ({event.total:,} bytes, checksum verified)",
                "downloaded": f"{label}: downloaded {event.total:,} bytes, checksum verified",
                "extracting": "extracting in merge order (later layers win)"}.get(event.stage)
        if said:
            sys.stderr.write(("\r\x1b[K" if self.live else "") + said + "\n")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def pull_command(args: argparse.Namespace, config: SessionConfig) -> int:
    session = AwsSession(config)
    try:
        target = resolve_target(session, args.target,
                                lambda: list(config.regions) or session.discover_regions())
        result = pull(session, target, Path(args.to), progress=_ProgressLines())
    except PullRefused as exc:
        _say(str(exc))
        return EXIT_USAGE
    except PullFailed as exc:
        _say(str(exc))
        return EXIT_FAILURE
    merge = result.merge
    _say(f"{target.label}: {_count(len(set(target.layers)), 'layer version')} merged into "
         f"{result.folder} ({_count(merge.files, 'file')}, {_count(merge.links, 'symlink')}, "
         f"{merge.bytes_written:,} bytes; {_count(merge.overwritten, 'path')} of earlier layers "
         f"overwritten by later ones); downloaded {result.downloaded:,} bytes")
    for note in result.run.notes:
        _say(note)
    for folder in result.swept:
        _say(f"removed {folder}: what a pull to this folder that was killed before it finished "
             "left behind")
    print(visible_line(result.run.command))
    return EXIT_OK
