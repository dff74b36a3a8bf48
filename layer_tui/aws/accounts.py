"""Which accounts to scan, each with a session of its own: several profiles, or an organization.

``--profile a --profile b``: one session per profile, named after it. ``--org``: the caller's
AWS Organization (organizations ListAccounts, from the management or a delegated-admin
account), narrowed by ``--accounts`` / ``--exclude-accounts``, and a role assumed in every
active member (``--role-name``); the caller's own account keeps its own credentials. Assumed
credentials are refreshable (botocore refreshes them before they expire) and live in memory
only: nothing here writes a credential anywhere.

An account that cannot be used (its role cannot be assumed, it is suspended, its profile's SSO
session expired) becomes an ``AccountSummary`` with ``error``, never an exception: the other
accounts are scanned all the same. Only when no account at all can be reached does resolving
raise (as a single account always has).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial

from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, RefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    SSOError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from layer_tui.aws.errors import AwsError, describe, error_code, redact
from layer_tui.aws.guards import arn_account
from layer_tui.aws.models import AccountSummary, RegionError
from layer_tui.aws.session import HOME_REGION, AwsSession, SessionConfig

#: Accounts whose first role assumption (or identity call) runs at once.
RESOLVE_WORKERS = 16
#: How long assumed credentials last; botocore refreshes them ahead of expiry.
ROLE_SESSION_SECONDS = 3600
ROLE_SESSION_NAME = "layer-tui"

#: botocore logs a failed refresh at WARNING with its traceback; with no logging set up, Python
#: would print that to stderr. The failure itself reaches us as an exception, phrased once.
logging.getLogger("botocore.credentials").addHandler(logging.NullHandler())

_SSO_ERRORS = (SSOError, SSOTokenLoadError, TokenRetrievalError, UnauthorizedSSOTokenError)
#: The codes those (and STS's own expiry) carry once ``describe`` has turned them into lines.
_EXPIRED_CODES = frozenset({cls.__name__ for cls in _SSO_ERRORS} | {
    "ExpiredToken", "ExpiredTokenException",
})


class OrganizationUnavailable(AwsError):
    """The organization could not be listed (not in use, or not allowed to the caller)."""


@dataclass(frozen=True)
class _Resolved:
    summary: AccountSummary
    session: AwsSession | None


class AccountSessions:
    """Every account to scan and its session; iterating gives the reachable ones, in order.

    ``home`` is the caller's own session (the one account of a plain run). ``multi_account``
    says whether the user asked for several (``--org`` or several ``--profile``): only then do
    scans and outputs take the several-accounts shape. ``problem`` is the one line on why the
    organization itself could not be listed, when it could not (the home account is then
    scanned alone), or on an ``--exclude-accounts`` id it does not have.
    """

    def __init__(
        self,
        home: AwsSession,
        resolved: Sequence[tuple[AccountSummary, AwsSession | None]],
        *,
        multi_account: bool,
        problem: RegionError | None = None,
    ) -> None:
        self.home = home
        self.multi_account = multi_account
        self.problem = problem
        self._summaries = tuple(summary for summary, _ in resolved)
        self._sessions: dict[str, AwsSession] = {
            summary.account: session
            for summary, session in resolved
            if session is not None and summary.error is None
        }

    def get(self, account_id: str) -> AwsSession | None:
        return self._sessions.get(account_id)

    def for_arn(self, arn: str) -> AwsSession | None:
        """The session of the account an ARN names; None for another account or no account."""
        return self.get(arn_account(arn) or "")

    def summaries(self) -> tuple[AccountSummary, ...]:
        return self._summaries

    def name_of(self, account_id: str) -> str:
        summary = next((s for s in self._summaries if s.account == account_id), None)
        return summary.name if summary is not None and summary.name else account_id

    def __iter__(self) -> Iterator[tuple[str, AwsSession]]:
        return iter(list(self._sessions.items()))

    def __len__(self) -> int:
        return len(self._sessions)


def resolve_accounts(config: SessionConfig) -> AccountSessions:
    """The accounts ``config`` asks for, each with its session (see the module's docstring).

    Raises ``AwsError`` only when the caller's own account cannot be reached (with ``--org``)
    or no profile can (with several ``--profile``): with nothing to scan, that is the error.
    """
    if config.org:
        return _organization(config)
    if len(config.profiles) > 1:
        return _profiles(config)
    home = AwsSession(config)
    account = _caller_account(home)
    return AccountSessions(
        home, [(AccountSummary(account, source="caller"), home)], multi_account=False
    )


# -- several profiles --------------------------------------------------------------------------


def _profiles(config: SessionConfig) -> AccountSessions:
    with ThreadPoolExecutor(min(RESOLVE_WORKERS, len(config.profiles)), "profiles") as pool:
        resolved = list(pool.map(partial(_profile_account, config), config.profiles))
    reachable = [r for r in resolved if r.session is not None]
    if not reachable:
        first = resolved[0].summary.error
        assert first is not None
        raise AwsError(first.code, first.message)
    seen: set[str] = set()
    kept: list[tuple[AccountSummary, AwsSession | None]] = []
    for item in resolved:
        account = item.summary.account
        if item.session is not None and account in seen:
            continue  # two profiles of one account: it is scanned once, under the first name
        seen.add(account)
        kept.append((item.summary, item.session))
    home = reachable[0].session
    assert home is not None
    return AccountSessions(home, kept, multi_account=True)


def _profile_account(config: SessionConfig, profile: str) -> _Resolved:
    source = f"profile {profile}"
    try:
        session = AwsSession(replace(config, profile=profile, profiles=()))
        account = session.account_id()
    except (AwsError, BotoCoreError, ClientError) as exc:
        return _Resolved(
            AccountSummary("", profile, source, _failure(exc, f"profile {profile}", profile)),
            None,
        )
    return _Resolved(AccountSummary(account, profile, source), session)


# -- an organization ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    account: str
    name: str
    state: str


def _organization(config: SessionConfig) -> AccountSessions:
    home = AwsSession(replace(config, profiles=()))
    caller = _caller_account(home)  # unreachable caller: raised, as with one account
    try:
        members = _list_members(home)
    except OrganizationUnavailable as exc:
        alone = [(AccountSummary(caller, source="caller"), home)]
        return AccountSessions(home, alone, multi_account=True,
                               problem=RegionError(exc.code, exc.message))
    chosen = _narrowed(members, config, caller)
    def resolve(member: _Member) -> _Resolved:
        return _member_account(home, config, member, caller)

    with ThreadPoolExecutor(max(1, min(RESOLVE_WORKERS, len(chosen))), "assume-role") as pool:
        resolved = list(pool.map(resolve, chosen))
    return AccountSessions(home, [(r.summary, r.session) for r in resolved], multi_account=True,
                           problem=_unknown_exclusions(members, config, caller))


def _unknown_exclusions(
    members: Sequence[_Member], config: SessionConfig, caller: str
) -> RegionError | None:
    """An ``--exclude-accounts`` id the organization does not have: a typo that would leave the
    account the user meant in the scan, said once (the organization is still listed)."""
    known = {m.account for m in members} | {caller}
    unknown = [a for a in config.exclude_accounts if a not in known]
    if not unknown:
        return None
    ids = ", ".join(unknown)
    return RegionError(
        "NotAMember",
        f"--exclude-accounts {ids}: not {'an account' if len(unknown) == 1 else 'accounts'} "
        "of the organization, so nothing was left out for it; check the id (layer-tui --org "
        "inventory lists the accounts)",
    )


def _list_members(home: AwsSession) -> list[_Member]:
    """Every account of the organization, in the order Organizations lists them."""
    try:
        client = home.client("organizations", HOME_REGION)
        members: list[_Member] = []
        for page in client.get_paginator("list_accounts").paginate():
            for item in page.get("Accounts", []):
                # "State" is the newer field (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED);
                # "Status" the older one, still sent.
                state = str(item.get("State") or item.get("Status") or "ACTIVE")
                members.append(_Member(str(item["Id"]), str(item.get("Name") or ""), state))
        return members
    except (BotoCoreError, ClientError) as exc:
        code = error_code(exc)
        if code == "AWSOrganizationsNotInUseException":
            raise OrganizationUnavailable(
                code,
                f"--org: account {home.account_id()} is not in an AWS Organization; showing "
                "it alone (use several --profile to scan accounts outside an organization)",
            ) from exc
        if code in ("AccessDeniedException", "AccessDenied"):
            raise OrganizationUnavailable(
                code,
                f"--org: account {home.account_id()} may not list the organization's accounts "
                "(organizations:ListAccounts is allowed to the management account and a "
                "delegated administrator); showing it alone: run from one of those, or use "
                "several --profile",
            ) from exc
        failure = describe(exc, "--org: listing the organization's accounts")
        raise OrganizationUnavailable(failure.code, failure.message + "; showing the "
                                      "caller's account alone") from exc


def _narrowed(members: Sequence[_Member], config: SessionConfig, caller: str) -> list[_Member]:
    """``--accounts`` / ``--exclude-accounts`` applied; an asked-for id that is not a member
    is kept, so it gets its own row saying so."""
    by_id: Mapping[str, _Member] = {m.account: m for m in members}
    if config.accounts:
        chosen = [by_id.get(a) or _Member(a, "", "NOT_A_MEMBER") for a in config.accounts]
    else:
        chosen = list(members)
        if caller not in by_id:
            # A delegated administrator is listed too; a caller outside (a mis-set profile)
            # still sees its own account first.
            chosen.insert(0, _Member(caller, "", "ACTIVE"))
    excluded = set(config.exclude_accounts)
    return [m for m in chosen if m.account not in excluded]


def _member_account(
    home: AwsSession, config: SessionConfig, member: _Member, caller: str
) -> _Resolved:
    if member.account == caller:
        return _Resolved(AccountSummary(caller, member.name, "caller"), home)
    named = f"account {member.account}" + (f" ({member.name})" if member.name else "")
    if member.state == "NOT_A_MEMBER":
        return _Resolved(AccountSummary(member.account, "", "organization", RegionError(
            "NotInOrganization",
            f"{named} is not an account of the organization; check the id given to --accounts",
        )), None)
    if member.state != "ACTIVE":
        return _Resolved(AccountSummary(member.account, member.name, "organization", RegionError(
            "AccountSuspended",
            f"{named} is {member.state.lower().replace('_', ' ')} in the organization, so "
            f"nothing can be read there; leave it out with --exclude-accounts {member.account}",
        )), None)
    role_arn = f"arn:aws:iam::{member.account}:role/{config.role_name}"
    try:
        # The first AssumeRole now: a role that cannot be assumed is known before any scan.
        credentials = assumed_role_credentials(home, role_arn)
        session = AwsSession(replace(config, profiles=()), credentials=credentials,
                             account=member.account)
    except (AwsError, BotoCoreError, ClientError) as exc:
        # AWS's own words when it refused (they name the principal and the role); the generic
        # description's advice is about the caller's policy, which is rarely the cause here.
        if isinstance(exc, ClientError):
            said = redact(f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message')}")
        else:
            reason = describe(exc)
            said = f"{reason.code}: {reason.message}"
        return _Resolved(AccountSummary(member.account, member.name, "organization", RegionError(
            "AssumeRoleFailed",
            f"{named}: could not assume {role_arn} ({said}); check "
            f"that the role exists there and trusts account {caller}, pass the right "
            f"--role-name, or leave it out with --exclude-accounts {member.account}",
        )), None)
    return _Resolved(AccountSummary(member.account, member.name, "organization"), session)


def assumed_role_credentials(source: AwsSession, role_arn: str) -> RefreshableCredentials:
    """Credentials of ``role_arn``, assumed now with ``source``'s and refreshed by botocore
    before they expire (raises what AssumeRole raised, when it is refused).

    The STS client is made from ``source``'s botocore session with its endpoint, so the guards
    travel with it (AssumeRole is allowed read-only: it changes nothing). The fetcher's cache
    is a plain dict: the keys stay in this process's memory, never in a file.
    """
    botocore_session = source.botocore_session()
    config = source.config
    creator = partial(
        botocore_session.create_client,
        region_name=config.regions[0] if config.regions else HOME_REGION,
        endpoint_url=config.endpoint_url,
        # The session's own timeouts and retries: an account whose AssumeRole hangs holds up
        # the start no longer than any other call would.
        config=Config(
            retries={"mode": "standard", "max_attempts": config.max_attempts},
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
        ),
    )
    fetcher = AssumeRoleCredentialFetcher(
        creator,
        botocore_session.get_credentials(),
        role_arn,
        extra_args={"RoleSessionName": ROLE_SESSION_NAME,
                    "DurationSeconds": ROLE_SESSION_SECONDS},
        cache={},
    )
    return RefreshableCredentials.create_from_metadata(
        fetcher.fetch_credentials(), fetcher.fetch_credentials, "assume-role"
    )


def _caller_account(home: AwsSession) -> str:
    """The caller's account; an expired SSO session says what to run, not botocore's words."""
    try:
        return home.account_id()
    except AwsError as exc:
        if exc.code in _EXPIRED_CODES:
            failure = _failure(exc, "the caller's profile", home.profile_label)
            raise AwsError(failure.code, failure.message) from exc
        raise


def _failure(exc: BaseException, what: str, profile: str) -> RegionError:
    """One line for an account that could not be reached; expired SSO says what to run."""
    if isinstance(exc, _SSO_ERRORS) or error_code(exc) in _EXPIRED_CODES:
        return RegionError(
            "ExpiredCredentials",
            f"{what}: its credentials (SSO session) have expired or are not signed in; run "
            f"'aws sso login --profile {profile}' and start again",
        )
    reason = describe(exc)
    return RegionError(reason.code, f"{what}: {reason.message}")
