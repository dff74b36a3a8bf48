"""The Account column the tables gain when several accounts are in view.

Shown only with several accounts (``--org``, several ``--profile``): one account's tables stay
exactly as they were. The cell names the account (its name from the organization or profile,
else its id) and the filter matches both, so ``/workload-a`` and ``/222233334444`` find the
same rows. It is the first column to give way on a narrow terminal: it shrinks to its label
before the names, versions or flags lose a cell.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from layer_tui.aws.models import Inventory
from layer_tui.ui.account_names import account_label
from layer_tui.ui.formatting import CellStyles, text
from layer_tui.ui.widgets import Column, TableRow

#: Between the name people read rows by and the rest; gives way first (``Column.yields``).
ACCOUNT_COLUMN = Column("account", "Account", max_width=20, yields=True)


def account_columns(shown: bool) -> tuple[Column, ...]:
    return (ACCOUNT_COLUMN,) if shown else ()


def account_cells(
    shown: bool, inventory: Inventory | None, account: str, styles: CellStyles
) -> tuple[list[Text], list[str]]:
    """The account's cell and sort value, or nothing with one account."""
    if not shown:
        return [], []
    label = account_label(inventory, account)
    return [text(label, styles.muted)], [label.lower()]


def findable_by_account(row: TableRow, account: str) -> TableRow:
    """``row`` whose filter also matches the account's id (the cell shows its name)."""
    if not account or account in row.haystack:
        return row
    return replace(row, haystack=f"{row.haystack}\t{account}")


def account_field(inventory: Inventory | None, account: str) -> tuple[str, str]:
    """The details panel's line: ``workload-a (222233334444)``."""
    label = account_label(inventory, account)
    return ("Account", f"{label} ({account})" if label != account else account)


def account_crumbs(several: bool, inventory: Inventory | None, arn: str) -> list[str]:
    """The crumb naming whose layer or function a screen is about, with several accounts."""
    if not several:
        return []
    parts = arn.split(":", 5)
    return [account_label(inventory, parts[4])] if len(parts) > 4 else []
