"""The consumers screen's question to the Config index (``--index``): who else uses a version.

Asked once when the screen opens (and again on ``r``), in a thread: the answer adds the
functions Config knows in accounts no session here reads, each shown "from AWS Config, as of
…", and the crumb says when the index is as of. A failed question (no such aggregator, a region
it lacks) is one line in the crumb and a notification; the scan's consumers stay as they are.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from layer_tui.aws.config_index import ConfigIndex, IndexAnswer
from layer_tui.aws.errors import AwsError, describe
from layer_tui.aws.index_consumers import IndexedConsumer, index_only, version_with_index
from layer_tui.aws.models import FunctionRef, Inventory, LayerVersion
from layer_tui.aws.session import AwsSession


@dataclass(frozen=True)
class IndexLookup:
    """What the index said about one version, or why it said nothing."""

    version_arn: str
    answer: IndexAnswer | None = None
    problem: str | None = None

    def completed(self, version: LayerVersion, inventory: Inventory | None) -> LayerVersion:
        if self.answer is None or version.arn != self.version_arn:
            return version
        return version_with_index(version, self.answer, scanned_accounts(inventory))

    def crumb(self, crumb: str, versions: Iterable[LayerVersion]) -> str:
        """``v3 consumers, 2 more from AWS Config, as of …`` (or why the index did not say)."""
        if self.problem is not None:
            return f"{crumb} (AWS Config did not answer)"
        if self.answer is None:
            return f"{crumb} (asking AWS Config\N{HORIZONTAL ELLIPSIS})"
        added = sum(len(index_only(v.consumers)) for v in versions)
        return f"{crumb}, {added} more {self.answer.source}"


def scanned_accounts(inventory: Inventory | None) -> set[str]:
    """The accounts read now: their functions are the scan's, never the index's."""
    if inventory is None:
        return set()
    read = {summary.account for summary in inventory.accounts if summary.error is None}
    return read or {inventory.account}


_indexes: weakref.WeakKeyDictionary[AwsSession, dict[str, ConfigIndex]] = (
    weakref.WeakKeyDictionary()
)
_indexes_lock = threading.Lock()


def _index(session: AwsSession, option: str) -> ConfigIndex:
    # One per session: the aggregator is checked once, not on every screen opened.
    with _indexes_lock:
        by_option = _indexes.setdefault(session, {})
        if option not in by_option:
            by_option[option] = ConfigIndex.from_option(session, option)
        return by_option[option]


def look_up(session: AwsSession, option: str, version_arn: str) -> IndexLookup:
    """The question, asked now (in a worker thread); never raises."""
    try:
        answer = _index(session, option).consumers_of(version_arn)
    except ValueError as exc:
        return IndexLookup(version_arn, problem=str(exc))
    except AwsError as exc:
        return IndexLookup(version_arn, problem=str(exc))
    except Exception as exc:  # botocore's own, or a dropped connection: still one line
        return IndexLookup(version_arn, problem=str(describe(exc, "asking AWS Config")))
    return IndexLookup(version_arn, answer=answer)


def marked(label: Text, function: FunctionRef, style: str | Style) -> Text:
    """A consumer's label, with `` from AWS Config, as of …`` when it is the index's."""
    if isinstance(function, IndexedConsumer):
        label.append_text(Text(f" {function.seen}", style=style))
    return label
