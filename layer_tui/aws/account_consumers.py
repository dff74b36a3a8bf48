"""Who uses layer versions of one region, read live in every scanned account.

Layers are regional, but a version may be attached by functions in any account its policy lets
use it (or that attached it while a grant stood: revoking a grant does not detach it). The
owner's account alone cannot see them; each other account is read through its own session.
An account that cannot be read now is ``UncheckedAccount``: its functions may use the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.account_reach import AccountReach, account_label, arn_account, session_for
from layer_tui.aws.consumers import list_function_configs, lookup_aliases, with_aliases
from layer_tui.aws.errors import AwsError, describe
from layer_tui.aws.models import LATEST, FunctionRef
from layer_tui.aws.session import AwsSession


@dataclass(frozen=True)
class UncheckedAccount:
    """A scanned account whose functions could not be read now: they may use the version."""

    account: str
    name: str
    why: str

    def describe(self) -> str:
        who = account_label(self.account, self.name)
        # The account's own failure line may name it already ("account … (name): could not
        # assume …"): said once.
        why = self.why.removeprefix(f"{who}: ").removeprefix(f"account {self.account}: ")
        return f"could not check {who} — its functions may use it: {why}"


#: Accounts read at once by one check: each has its own rate limiter per region, so the bound
#: is the threads here, not AWS.
_ACCOUNT_WORKERS = 8


def ordered_consumers(refs: Iterable[FunctionRef]) -> tuple[FunctionRef, ...]:
    """By account, then function, ``$LATEST`` first, then by version."""
    def key(ref: FunctionRef) -> tuple[str, str, int]:
        number = -1 if ref.version == LATEST else int(ref.version or 0)
        return arn_account(ref.arn), ref.function, number

    return tuple(sorted(refs, key=key))


def region_consumers(
    session: AwsSession, region: str, arns: Sequence[str], *, latest_only: bool = False
) -> dict[str, tuple[FunctionRef, ...]]:
    """The live consumers of several versions of one region from one ListFunctions chain."""
    wanted = set(arns)
    try:
        client = session.client("lambda", region)
        users = [ref for ref in list_function_configs(client, latest_only=latest_only)
                 if wanted.intersection(ref.layers)]
        if not latest_only:
            with ThreadPoolExecutor(4, "delete-check-aliases") as pool:
                futures = lookup_aliases(client, users, pool)
                users = with_aliases(users, {a: f.result() for a, f in futures.items()})
    except (BotoCoreError, ClientError) as exc:
        raise describe(exc, f"listing the functions of {region}") from exc
    return {arn: ordered_consumers(ref for ref in users if arn in ref.layers) for arn in arns}


@dataclass(frozen=True)
class ConsumerReading:
    """The live consumers of several versions of one region, in every account asked."""

    consumers: dict[str, tuple[FunctionRef, ...]]
    unchecked: tuple[UncheckedAccount, ...] = ()
    #: (account, name) of every scanned account, when several were asked.
    accounts: tuple[tuple[str, str], ...] = ()
    #: The accounts whose functions were read now (the owner's always).
    read: frozenset[str] = frozenset()

    def unseen(self, known: Iterable[FunctionRef]) -> tuple[UncheckedAccount, ...]:
        """Accounts that ``known`` (what the view listed: the scan, or the Config index of
        accounts no session reads) says use the version, but that were not read now: each
        is a possible consumer, never dropped because the live reading could not look."""
        accounted = self.read | {u.account for u in self.unchecked}
        names = dict(self.accounts)
        missed: dict[str, list[FunctionRef]] = {}
        for ref in known:
            if ref.account and ref.account not in accounted:
                missed.setdefault(ref.account, []).append(ref)
        return tuple(UncheckedAccount(account, names.get(account, ""), _listed(refs))
                     for account, refs in sorted(missed.items()))


def _listed(refs: Sequence[FunctionRef]) -> str:
    labels = ", ".join(dict.fromkeys(ref.label for ref in refs))
    as_of = next((str(getattr(ref, "as_of", "")) for ref in refs if getattr(ref, "as_of", "")),
                 "")
    source = f"AWS Config (as of {as_of})" if as_of else "the last listing"
    return f"{source} says {labels} there use it, and no session reaches it to check now"


def consumers_across(
    session: AwsSession,
    region: str,
    arns: Sequence[str],
    accounts: AccountReach | None = None,
    *,
    latest_only: bool = False,
) -> ConsumerReading:
    """``region_consumers`` in ``session``'s account and in every account of ``accounts``.

    ``session`` is the versions' owner: if it cannot be read the check fails (AwsError), as
    with one account. Any other account that cannot be read now is unchecked, never clean.
    """
    owner = session.account_id()
    summaries = [s for s in accounts.summaries() if s.account != owner] if accounts else []
    if accounts is None or not summaries:  # one account: exactly as it always was
        return ConsumerReading(region_consumers(session, region, arns, latest_only=latest_only),
                               read=frozenset({owner}))
    names = tuple((s.account, s.name) for s in accounts.summaries())
    if owner not in dict(names):
        names = ((owner, ""), *names)

    def read(account: str) -> dict[str, tuple[FunctionRef, ...]]:
        reach = session_for(session, accounts, account)
        if reach is None:
            raise AwsError("NoSession", "no session reaches it now")
        return region_consumers(reach, region, arns, latest_only=latest_only)

    unchecked: list[UncheckedAccount] = []
    were_read = {owner}
    found: dict[str, list[FunctionRef]] = {arn: [] for arn in arns}
    with ThreadPoolExecutor(_ACCOUNT_WORKERS, "delete-check-accounts") as pool:
        own = pool.submit(read, owner)
        others = {s.account: (s, pool.submit(read, s.account)) for s in summaries
                  if s.error is None}
        for summary in summaries:
            if summary.error is not None:
                unchecked.append(UncheckedAccount(summary.account, summary.name,
                                                  summary.error.message))
        for arn, refs in own.result().items():  # the owner's failure fails the check
            found[arn].extend(refs)
        for account, (summary, future) in others.items():
            try:
                users = future.result()
            except Exception as exc:  # any failure of one account: unchecked, named
                unchecked.append(UncheckedAccount(account, summary.name, str(describe(exc))))
                continue
            were_read.add(account)
            for arn, refs in users.items():
                found[arn].extend(refs)
    return ConsumerReading({arn: ordered_consumers(refs) for arn, refs in found.items()},
                           tuple(sorted(unchecked, key=lambda u: u.account)), names,
                           frozenset(were_read))
