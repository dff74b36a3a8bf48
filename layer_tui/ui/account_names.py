"""How screens name an account."""

from __future__ import annotations

from layer_tui.aws.models import Inventory


def account_label(inventory: Inventory | None, account: str) -> str:
    """How a screen names an account: its name when the organization (or profile) gave one,
    else its id."""
    if not account:
        return ""
    return inventory.account_name(account) if inventory is not None else account
