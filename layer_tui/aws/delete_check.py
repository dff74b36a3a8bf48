"""Whether a layer version may go: decided from AWS and the journal now, never from a cache.

Deleting a version breaks the next deploy of every function configuration that lists it, and
three kinds of dependant are easy to miss: function configurations listed since the cached
scan (or published versions, which a ``$LATEST``-only scan never sees), other accounts that the
version's policy lets use it (their functions are invisible from this account), and repin
batches not yet undone that moved functions away from it (their undo would put those functions
back on a version that no longer exists). ``assess_delete`` reads all three live and returns a
frozen ``DeleteAssessment``; the dialog shows it, and ``LayerOperations.delete_layer_version``
reads it again right before deleting and refuses if anything new appeared (``news_since``).

With several accounts scanned (``accounts``), consumers are read in every one of them, in the
version's region (layers are regional), each through its own session: a function in account B
that attached the version is named with its account. An account that cannot be read now (its
role is missing, it is suspended, the call failed) is an ``UncheckedAccount``: it may use the
version, so it asks for the typed name like a consumer — never taken as safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.account_consumers import (
    ConsumerReading,
    UncheckedAccount,
    consumers_across,
    ordered_consumers,
)
from layer_tui.aws.account_consumers import region_consumers as region_consumers  # re-exported
from layer_tui.aws.account_reach import AccountReach, account_label, arn_account, session_for
from layer_tui.aws.consumers import consumers_of
from layer_tui.aws.errors import AwsError, describe, error_code
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import FunctionRef, LayerVersion
from layer_tui.aws.session import AwsSession

GrantKind = Literal["account", "organization", "everyone"]


@dataclass(frozen=True)
class Grant:
    """Someone outside this account whom the version's policy lets use it."""

    kind: GrantKind
    #: The account id, the organization id, or ``*``.
    principal: str

    def describe(self, scanned: Mapping[str, str] | None = None) -> str:
        """Who, and what that means; ``scanned`` (account → name) when several accounts were
        read: their functions are listed, only accounts outside the scan are invisible."""
        if scanned:
            if self.kind == "account" and self.principal in scanned:
                return (f"{account_label(self.principal, scanned[self.principal])} — scanned: "
                        "its functions that use it are listed")
            who = ("account " + self.principal if self.kind == "account" else
                   f"organization {self.principal}" if self.kind == "organization" else
                   "everyone (*)")
            return f"{who} — accounts outside this scan are not checked and may use it"
        if self.kind == "account":
            return (f"account {self.principal} — its functions are invisible from this "
                    "account")
        if self.kind == "organization":
            return (f"organization {self.principal} — its accounts' functions are invisible "
                    "from this account")
        return "everyone (*) — any account's functions may use it, invisible from this account"


@dataclass(frozen=True)
class UndoDependency:
    """A repin batch, not yet undone, that moved functions away from the version."""

    batch: str
    functions: tuple[str, ...]

    def describe(self) -> str:
        names = ", ".join(self.functions)
        return (f"undo of repin batch {self.batch} will no longer be possible "
                f"(it would put {names} back on this version)")


def _consumer_key(ref: FunctionRef) -> tuple[str, tuple[str, ...]]:
    # A new alias on a known consumer is news too: "prod" now routes to it.
    return ref.qualified_arn, ref.aliases


@dataclass(frozen=True)
class DeleteAssessment:
    """Everything that depends on one layer version, as read at one moment."""

    arn: str
    consumers: tuple[FunctionRef, ...] = ()
    grants: tuple[Grant, ...] = ()
    undo_batches: tuple[UndoDependency, ...] = ()
    #: True once read from AWS and the journal; False for what the cache said.
    live: bool = False
    #: Consumers are ``$LATEST`` only (``--latest-only``): published versions were not asked.
    latest_only: bool = False
    #: Scanned accounts whose functions could not be read now (possible consumers).
    unchecked: tuple[UncheckedAccount, ...] = ()
    #: (account, name) of every account read, when several were: consumers are then named
    #: with their account. Empty with one account.
    accounts: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """``geo:3``: what the user types to confirm."""
        parts = self.arn.split(":")
        return f"{parts[6]}:{parts[7]}" if len(parts) == 8 else self.arn

    @property
    def needs_typed_name(self) -> bool:
        return bool(self.consumers or self.grants or self.undo_batches or self.unchecked)

    @property
    def is_empty(self) -> bool:
        return not self.needs_typed_name

    def news_since(self, shown: DeleteAssessment) -> DeleteAssessment:
        """What this reading has that ``shown`` (what the user confirmed) did not.

        Only additions count: a consumer gone since is less harm than the user accepted.
        """
        seen = {_consumer_key(ref) for ref in shown.consumers}
        batches = {dependency.batch for dependency in shown.undo_batches}
        # An account that could not be read was accepted as a possible consumer; one that the
        # user saw read (and found nothing in) and now cannot be read is news.
        accepted = {u.account for u in shown.unchecked}
        return DeleteAssessment(
            self.arn,
            tuple(ref for ref in self.consumers if _consumer_key(ref) not in seen),
            tuple(grant for grant in self.grants if grant not in shown.grants),
            tuple(d for d in self.undo_batches if d.batch not in batches),
            live=self.live,
            latest_only=self.latest_only,
            unchecked=tuple(u for u in self.unchecked if u.account not in accepted),
            accounts=self.accounts,
        )

    def consumer_label(self, ref: FunctionRef) -> str:
        """``billing ($LATEST)``; with several accounts read, ``billing ($LATEST) in account
        222233334444 (workload-a)``."""
        if not self.accounts:
            return ref.label
        account = arn_account(ref.arn)
        return f"{ref.label} in {account_label(account, dict(self.accounts).get(account, ''))}"

    def grant_label(self, grant: Grant) -> str:
        return grant.describe(dict(self.accounts))

    def reasons(self) -> list[str]:
        """One line per dependant, as the dialog and the refusal name them."""
        lines = [f"used by {self.consumer_label(ref)}" for ref in self.consumers]
        lines += [unchecked.describe() for unchecked in self.unchecked]
        lines += [f"granted to {self.grant_label(grant)}" for grant in self.grants]
        lines += [dependency.describe() for dependency in self.undo_batches]
        return lines

    @classmethod
    def from_cache(cls, version: LayerVersion) -> DeleteAssessment:
        """What the cached inventory says (consumers only): shown until the live read is in."""
        return cls(version.arn, tuple(version.consumers), live=False)


class DeleteCheckChanged(AwsError):
    """The confirm-time re-read found dependants the user was not shown: nothing was deleted."""

    def __init__(self, assessment: DeleteAssessment, news: DeleteAssessment) -> None:
        self.assessment = assessment
        self.news = news
        what = "; ".join(news.reasons())
        super().__init__(
            "ChangedSinceConfirmed",
            f"{assessment.label} was not deleted: the live check found what was not "
            f"confirmed: {what}; look again, and type {assessment.label} to delete it anyway",
        )


# -- the policy ---------------------------------------------------------------------------------


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal", "")
    if isinstance(principal, dict):
        principal = principal.get("AWS", "")
    if isinstance(principal, str):
        return [principal]
    return [str(p) for p in principal] if isinstance(principal, list) else []


def grants_in_policy(policy: dict[str, Any], own_account: str) -> tuple[Grant, ...]:
    """Who besides ``own_account`` a layer version policy document lets use the version."""
    found: list[Grant] = []
    statements = policy.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        conditions = statement.get("Condition") or {}
        equals = conditions.get("StringEquals") or {} if isinstance(conditions, dict) else {}
        organization = equals.get("aws:PrincipalOrgID") if isinstance(equals, dict) else None
        for principal in _principals(statement):
            if principal == "*":
                grant = (Grant("organization", str(organization)) if organization
                         else Grant("everyone", "*"))
            else:
                # arn:aws:iam::222233334444:root, or the bare id
                account = principal.split(":")[4] if principal.startswith("arn:") else principal
                if account == own_account:
                    continue
                grant = Grant("account", account)
            if grant not in found:
                found.append(grant)
    return tuple(found)


def read_grants(client: Any, version: LayerVersion, own_account: str) -> tuple[Grant, ...]:
    """GetLayerVersionPolicy, read; a version nobody was granted has no policy at all (404)."""
    try:
        response = client.get_layer_version_policy(
            LayerName=version.layer_name, VersionNumber=version.version
        )
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return ()
        raise
    try:
        document = json.loads(response.get("Policy") or "{}")
    except ValueError as exc:
        raise AwsError("MalformedPolicy",
                       f"the policy of {version.layer_name}:{version.version} is not JSON; "
                       "check it with get-layer-version-policy") from exc
    return grants_in_policy(document if isinstance(document, dict) else {}, own_account)


# -- the journal --------------------------------------------------------------------------------


def undo_dependencies(
    journal: Journal, account: str | None, arn: str
) -> tuple[UndoDependency, ...]:
    """Repin batches of ``account`` (None: of any account) whose undo would put functions
    back on ``arn``."""
    return undo_dependencies_of(journal, account, [arn])[arn]


def undo_dependencies_of(
    journal: Journal, account: str | None, arns: Iterable[str]
) -> dict[str, tuple[UndoDependency, ...]]:
    """``undo_dependencies`` for several versions in one reading of the journal.

    The journal's own ledger says which repin updates undo would still put back (per
    function, batches an undo ran through to its end excluded, rotated files included); a
    version counts for a batch when undo would put a function back on it. With several
    accounts (``account`` None) every account's batches count: a batch that moved account
    B's functions away from a platform version is undone in B, but needs the version.
    """
    wanted = set(arns)
    ledger = journal.undo_ledger(account, every=True)
    found: dict[str, list[UndoDependency]] = {arn: [] for arn in wanted}
    for batch in reversed(ledger.open_batches(account)):  # oldest first
        moved: dict[str, list[str]] = {}
        for update in ledger.remaining(batch):
            for arn in wanted.intersection(set(update.before) - set(update.after)):
                moved.setdefault(arn, []).append(update.function)
        for arn, functions in moved.items():
            found[arn].append(UndoDependency(batch, tuple(dict.fromkeys(functions))))
    return {arn: tuple(dependencies) for arn, dependencies in found.items()}


# -- reading it all ---------------------------------------------------------------------------

def _owner_session(
    session: AwsSession, accounts: AccountReach | None, version: LayerVersion
) -> AwsSession:
    """The session of the account that owns ``version`` (it reads the policy and, with
    several accounts, the functions of that account)."""
    owner = session_for(session, accounts, arn_account(version.arn))
    if owner is None:
        raise AwsError("NoSession", f"no session reaches {account_label(arn_account(version.arn))}"
                                    f", which owns {version.layer_name}:{version.version}; "
                                    "nothing can be checked or deleted there")
    return owner


def assess_delete(
    session: AwsSession,
    journal: Journal,
    version: LayerVersion,
    *,
    latest_only: bool = False,
    consumers: Sequence[FunctionRef] | None = None,
    undo: Sequence[UndoDependency] | None = None,
    accounts: AccountReach | None = None,
    reading: ConsumerReading | None = None,
) -> DeleteAssessment:
    """Read, now, everything that depends on ``version`` (``consumers`` and ``undo`` if
    already read for several versions at once; ``reading`` if read across ``accounts``)."""
    session = _owner_session(session, accounts, version)
    account = session.account_id()
    if reading is None and consumers is None:
        if accounts is None:
            consumers = consumers_of(session, version.region, version.arn,
                                     latest_only=latest_only)
        else:
            reading = consumers_across(session, version.region, [version.arn], accounts,
                                       latest_only=latest_only)
    if reading is None:
        reading = ConsumerReading({version.arn: tuple(consumers or ())},
                                  read=frozenset({account}))
    consumers = reading.consumers.get(version.arn, ())
    try:
        grants = read_grants(session.client("lambda", version.region), version, account)
    except (BotoCoreError, ClientError) as exc:
        raise describe(exc, f"reading who else may use {version.layer_name}:"
                            f"{version.version}") from exc
    if undo is None:
        undo = undo_dependencies(journal, account if accounts is None else None, version.arn)
    return DeleteAssessment(
        version.arn,
        ordered_consumers(consumers),
        grants,
        tuple(undo),
        live=True,
        latest_only=latest_only,
        # What the view listed in accounts not read now (the Config index's, mostly) stays a
        # possible consumer: a lagging or partial live reach never makes a version look free.
        unchecked=reading.unchecked + reading.unseen(version.consumers),
        accounts=reading.accounts,
    )


def assess_deletes(
    session: AwsSession,
    journal: Journal,
    versions: Sequence[LayerVersion],
    *,
    latest_only: bool = False,
    accounts: AccountReach | None = None,
) -> dict[str, DeleteAssessment]:
    """``assess_delete`` for several versions, one ListFunctions chain per account and region."""
    by_owner: dict[tuple[str, str], list[LayerVersion]] = {}
    for version in versions:
        by_owner.setdefault((arn_account(version.arn), version.region), []).append(version)
    undo = undo_dependencies_of(journal, session.account_id() if accounts is None else None,
                                [v.arn for v in versions])
    assessed: dict[str, DeleteAssessment] = {}
    for (_, region), members in by_owner.items():
        owner = _owner_session(session, accounts, members[0])
        reading = consumers_across(owner, region, [v.arn for v in members], accounts,
                                   latest_only=latest_only)
        for version in members:
            assessed[version.arn] = assess_delete(
                owner, journal, version, latest_only=latest_only, accounts=accounts,
                reading=reading, undo=undo[version.arn],
            )
    return assessed
