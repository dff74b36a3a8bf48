"""The accounts a change may touch, each through its own session.

Every ``AwsSession`` is one account: its guards refuse a change aimed at another account's ARN,
and a plain function name sent through it means *its* account's function of that name. So a
change to a function in account B must go through B's session, never the caller's. This is
the little the safety code needs of the scanned accounts (``accounts.AccountSessions``
provides it): the accounts scanned, with their names and why one could not be reached, and
each reachable account's session.
"""

from __future__ import annotations

from typing import Protocol

from layer_tui.aws.models import AccountSummary
from layer_tui.aws.session import AwsSession


class AccountReach(Protocol):
    """Sessions by account (``accounts.AccountSessions`` is one)."""

    def get(self, account_id: str) -> AwsSession | None:
        """The session of ``account_id``, or None when it cannot be reached."""
        ...

    def summaries(self) -> tuple[AccountSummary, ...]:
        """Every account scanned, those that could not be reached included (with ``error``)."""
        ...


def arn_account(arn: str) -> str:
    """The account field of an ARN, or "" when it has none (a plain name)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 and parts[0] == "arn" else ""


def account_label(account: str, name: str = "") -> str:
    """``account 222233334444 (workload-a)``: how a dialog names an account."""
    return f"account {account} ({name})" if name and name != account else f"account {account}"


def session_for(
    session: AwsSession, accounts: AccountReach | None, account: str
) -> AwsSession | None:
    """``session`` when it is ``account``'s (or no account is named), else that account's own
    session from ``accounts``; None when no session reaches ``account``."""
    if not account or account == session.account_id():
        return session
    return accounts.get(account) if accounts is not None else None


def names_of(accounts: AccountReach | None) -> dict[str, str]:
    """Account id → name, for the accounts scanned (empty with one account)."""
    if accounts is None:
        return {}
    return {summary.account: summary.name for summary in accounts.summaries()}
