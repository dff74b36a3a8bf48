"""``:history``: the journal as a table — who (profile, account), when, what, and how it ended.

One row per call (its "before" and "after" lines joined by id), newest first; a call with no
"after" line is one whose outcome the journal does not know (the app stopped mid-call, or it
is still running). Lines are read through ``Journal.history``, which skips unreadable ones and
says so once. Everything in a row is text someone else could have written (an edited journal,
an AWS error message): cells show it with escapes, the export keeps the real strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from layer_tui.aws.journal import Journal
from layer_tui.aws.journal_entry import BATCH_ACTION, ROTATED_ACTION, JournalEntry
from layer_tui.aws.models import Inventory
from layer_tui.aws.recovery import target_of
from layer_tui.ui.account_names import account_label
from layer_tui.ui.formatting import CellStyles, ago, parse_aws_time, text, timestamp
from layer_tui.ui.screens.account_column import findable_by_account
from layer_tui.ui.screens.base import BrowseScreen
from layer_tui.ui.widgets import Column, TableRow

UNKNOWN = "outcome unknown (no closing line)"


@dataclass(frozen=True)
class HistoryItem:
    """One journaled call, as the history shows and exports it."""

    id: str
    at: str
    profile: str
    account: str
    region: str
    action: str
    target: str
    result: str
    batch: str
    kind: str


def _target(entry: JournalEntry) -> str:
    arn = entry.extra.get("arn")
    if entry.action == BATCH_ACTION:
        targets = entry.args.get("targets") or []
        return f"{len(targets)} target{'s' if len(targets) != 1 else ''}"
    if isinstance(arn, str) and arn:
        return arn
    return target_of(entry)


def _result(after: JournalEntry | None) -> str:
    if after is None:
        return UNKNOWN
    if after.error is not None:
        return f"failed: {after.error.get('code', '')}: {after.error.get('message', '')}"
    recovered = after.extra.get("recovered")
    return f"ok ({recovered})" if recovered else "ok"


def history_items(journal: Journal) -> list[HistoryItem]:
    """Every call the journal holds, newest first (carried copies of rotated lines once)."""
    befores: dict[str, JournalEntry] = {}
    afters: dict[str, JournalEntry] = {}
    for entry in journal.history():
        if entry.action == ROTATED_ACTION:
            continue
        (befores if entry.phase == "before" else afters).setdefault(entry.id, entry)
    items = []
    for identity, before in befores.items():
        after = afters.get(identity)
        action = before.action
        kind = str(before.extra.get("kind") or before.args.get("kind") or "")
        if action == BATCH_ACTION:
            action = f"Batch ({kind})" if kind else action
        items.append(HistoryItem(
            id=identity, at=before.at, profile=before.profile, account=before.account,
            region=before.region, action=action, target=_target(before), result=_result(after),
            batch=before.batch or "", kind=kind,
        ))  # fmt: skip
    items.sort(key=lambda item: item.at, reverse=True)
    return items


class HistoryScreen(BrowseScreen):
    """Every change layer-tui made (or tried), from the journal."""

    COLUMNS = (
        Column("when", "When", max_width=16),
        Column("profile", "Profile", max_width=16),
        Column("account", "Account", width=12),
        Column("region", "Region", max_width=16),
        Column("what", "What", max_width=30),
        Column("target", "Target", max_width=60, keep=True),
        Column("result", "Result", max_width=48),
    )
    EMPTY_TEXT = "the journal holds no change yet"
    CAN_OPEN = False
    COPIES_ARN = False

    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal or Journal()
        super().__init__()

    def on_mount(self) -> None:
        # Newest first, like any log; the rows sort on the exact time.
        self.table.set_reactive(type(self.table).sort_reverse, True)

    def crumbs(self) -> list[str]:
        return ["history", str(self.journal.path.parent)]

    def build_rows(self, inventory: Inventory | None, styles: CellStyles) -> list[TableRow]:
        items = history_items(self.journal)
        if warning := self.journal.take_warning():
            self.app.call_from_thread(self.notify, warning, title="Journal", severity="warning")
        rows = []
        for item in items:
            moment = parse_aws_time(item.at)
            style = (styles.success if item.result.startswith("ok")
                     else styles.warning if item.result == UNKNOWN else styles.error)
            # With several accounts in view a change is named by its account's name (the
            # filter still finds the id); one account's history shows ids as it always did.
            whose = account_label(inventory, item.account) if inventory else item.account
            cells = [text(ago(moment) or item.at), text(item.profile), text(whose),
                     text(item.region), text(item.action), text(item.target),
                     text(item.result, style)]
            sort_values = [item.at, item.profile, item.account, item.region, item.action,
                           item.target, item.result]
            row = TableRow.build(item.id, cells, sort_values, item=item)
            rows.append(findable_by_account(row, item.account))
        return rows

    def details(self, row: TableRow) -> list[tuple[str, str]]:
        item: HistoryItem = row.item
        return [("When", timestamp(item.at) or item.at), ("Who", f"{item.profile} "
                f"({item.account})"), ("What", item.action), ("Target", item.target),
                ("Result", item.result), *((("Batch", item.batch),) if item.batch else ())]

    def action_refresh(self) -> None:
        self.rebuild()  # the journal is on disk: nothing to ask AWS
        self.notify("history re-read from the journal", timeout=4)


__all__ = ["HistoryItem", "HistoryScreen", "history_items"]
