"""Who else may use a layer version: its policy read, grants and revokes, and their undo.

A layer version's policy is the one way another account (or a whole organization, or anyone)
gets to use it, and AWS lets a version grant exactly one action, ``lambda:GetLayerVersion``.
The statements are parsed by ``delete_check.grants_in_policy`` (one parser for what a delete
warns about and what this screen shows). Every grant and revoke goes through
``LayerOperations.mutate`` (read-only refusal, account check, journal before and after); a
revoke journals the statement it removes, so that undo can add it back as it was, and a grant's
undo removes the statement it added, but only while it is still the one we added.

The journal is a file anyone with the account's shell can edit. Undo therefore never acts on a
journal line alone: it re-reads the live policy, and an undo that would grant something is a
``GrantPlan`` like any other, shown and confirmed the same way (everyone needs the typed name).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from layer_tui.aws.delete_check import Grant, grants_in_policy
from layer_tui.aws.errors import AwsError, error_code
from layer_tui.aws.findings import Finding
from layer_tui.aws.journal_entry import JournalEntry
from layer_tui.aws.operations import LayerOperations

#: The only action a layer version policy can grant.
GET_LAYER_VERSION = "lambda:GetLayerVersion"
GRANT_ACTION = "AddLayerVersionPermission"
REVOKE_ACTION = "RemoveLayerVersionPermission"

_ACCOUNT = re.compile(r"^\d{12}$")
_ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")
_VERSION_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:"
                          r"([a-zA-Z0-9-_]+):(\d+)$")


class PermissionInputError(ValueError):
    """A grant the user typed that AWS would refuse (or that names nobody): one line."""


@dataclass(frozen=True)
class VersionRef:
    """The parts of a layer version ARN a permission call needs."""

    arn: str
    region: str
    account: str
    layer_name: str
    version: int

    @property
    def label(self) -> str:
        return f"{self.layer_name}:{self.version}"

    @classmethod
    def parse(cls, arn: str) -> VersionRef:
        match = _VERSION_ARN.match(arn)
        if match is None:
            raise PermissionInputError(f"not a layer version ARN: {arn!r}")
        region, account, name, version = match.groups()
        return cls(arn, region, account, name, int(version))


@dataclass(frozen=True)
class PolicyStatement:
    """One statement of a version's policy, and whom it grants (None: only this account)."""

    sid: str
    grant: Grant | None
    document: dict[str, Any]

    @property
    def organization(self) -> str | None:
        return self.grant.principal if self.grant and self.grant.kind == "organization" else None

    @property
    def principal(self) -> str:
        """What AddLayerVersionPermission's Principal was: an account id or ``*``."""
        if self.grant is None:
            return ""
        return self.grant.principal if self.grant.kind == "account" else "*"


@dataclass(frozen=True)
class VersionPolicy:
    """A layer version's policy as read at one moment."""

    version: VersionRef
    statements: tuple[PolicyStatement, ...] = ()
    revision_id: str = ""

    @property
    def grants(self) -> tuple[Grant, ...]:
        return tuple(s.grant for s in self.statements if s.grant is not None)

    @property
    def public(self) -> bool:
        return any(g.kind == "everyone" for g in self.grants)

    def statement(self, sid: str) -> PolicyStatement | None:
        return next((s for s in self.statements if s.sid == sid), None)

    def findings(self) -> list[Finding]:
        """A version readable by everyone is a finding: any account can pull its code."""
        if not self.public:
            return []
        return [Finding("warning", "public", f"{self.version.label} is readable by everyone (*): "
                        "any AWS account can download its code; revoke the grant unless it is "
                        "meant to be public")]


def read_policy(client: Any, version: VersionRef, own_account: str) -> VersionPolicy:
    """GetLayerVersionPolicy, parsed; a version nobody was granted has no policy (404)."""
    try:
        response = client.get_layer_version_policy(
            LayerName=version.layer_name, VersionNumber=version.version)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return VersionPolicy(version)
        raise
    try:
        document = json.loads(response.get("Policy") or "{}")
    except ValueError as exc:
        raise AwsError("MalformedPolicy", f"the policy of {version.label} is not JSON; check "
                       "it with get-layer-version-policy") from exc
    raw = document.get("Statement") if isinstance(document, dict) else None
    statements = []
    for item in raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []:
        if not isinstance(item, dict):
            continue
        found = grants_in_policy({"Statement": [item]}, own_account)
        statements.append(PolicyStatement(str(item.get("Sid", "")), found[0] if found else None,
                                          item))
    return VersionPolicy(version, tuple(statements), str(response.get("RevisionId", "")))


@dataclass(frozen=True)
class GrantPlan:
    """One AddLayerVersionPermission, as previewed: whom, and under which statement id."""

    version: VersionRef
    principal: str
    organization_id: str | None = None
    statement_id: str = ""

    @property
    def grant(self) -> Grant:
        if self.organization_id:
            return Grant("organization", self.organization_id)
        if self.principal == "*":
            return Grant("everyone", "*")
        return Grant("account", self.principal)

    @property
    def everyone(self) -> bool:
        """Granting ``*`` with no organization lets any AWS account read the code."""
        return self.grant.kind == "everyone"

    def describe(self) -> str:
        return f"grant {GET_LAYER_VERSION} on {self.version.label} to {self.grant.describe()}"


def plan_grant(version: VersionRef, who: str, own_account: str,
               statement_id: str | None = None) -> GrantPlan:
    """A grant from what the user typed: an account id, an organization id (o-…) or ``*``."""
    who = who.strip()
    if not who:
        raise PermissionInputError("say whom to grant: an account id (12 digits), an "
                                   "organization id (o-…) or * for everyone")
    if _ORGANIZATION.match(who):
        principal, organization = "*", who
    elif _ACCOUNT.match(who):
        if who == own_account:
            raise PermissionInputError(f"{who} is this account: it can use its own layers "
                                       "already; give another account's id")
        principal, organization = who, None
    elif who == "*":
        principal, organization = "*", None
    else:
        raise PermissionInputError(f"{who!r} is neither an account id (12 digits), an "
                                   "organization id (o- and 10 to 32 letters or digits) nor *")
    sid = statement_id or _statement_id(organization or ("public" if principal == "*"
                                                         else principal))
    return GrantPlan(version, principal, organization, sid)


def _statement_id(who: str) -> str:
    return f"layer-tui-{who}-{uuid.uuid4().hex[:8]}"


def _summary(statement: dict[str, Any]) -> str:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"))


def grant_permission(ops: LayerOperations, plan: GrantPlan, *,
                     undoes: str | None = None) -> dict[str, Any]:
    """AddLayerVersionPermission for ``plan``, journaled; the statement AWS stored."""
    version = plan.version
    args: dict[str, Any] = {"LayerName": version.layer_name, "VersionNumber": version.version,
                            "StatementId": plan.statement_id, "Action": GET_LAYER_VERSION,
                            "Principal": plan.principal}
    if plan.organization_id:
        args["OrganizationId"] = plan.organization_id
    client = ops.session.client("lambda", version.region)
    extra: dict[str, Any] = {"arn": version.arn, "kind": "undo" if undoes else "grant",
                             "principal": plan.principal}
    if plan.organization_id:
        extra["organization"] = plan.organization_id
    if undoes:
        extra["undoes"] = undoes
    response = ops.mutate(version.region, GRANT_ACTION, args,
                          lambda: client.add_layer_version_permission(**args),
                          extra=extra, describe_as=plan.describe(), target_arn=version.arn)
    try:
        stored: dict[str, Any] = json.loads(response.get("Statement") or "{}")
    except ValueError:
        stored = {}
    return stored


def revoke_permission(ops: LayerOperations, version: VersionRef, sid: str, *,
                      undoes: str | None = None) -> PolicyStatement:
    """RemoveLayerVersionPermission of one statement, read live first and journaled whole (so
    its undo can add it back); the statement removed."""
    client = ops.session.client("lambda", version.region)
    policy = read_policy(client, version, ops.session.account_id())
    statement = policy.statement(sid)
    if statement is None:
        raise AwsError("NoSuchStatement", f"{version.label} has no statement {sid!r} (revoked "
                       "meanwhile?); nothing was changed — refresh to see the policy now")
    args = {"LayerName": version.layer_name, "VersionNumber": version.version,
            "StatementId": sid}
    extra: dict[str, Any] = {"arn": version.arn, "kind": "undo" if undoes else "revoke",
                             "principal": statement.principal,
                             "statement": _summary(statement.document)}
    if statement.organization:
        extra["organization"] = statement.organization
    if undoes:
        extra["undoes"] = undoes
    whom = statement.grant.describe() if statement.grant else "this account"
    ops.mutate(version.region, REVOKE_ACTION, args,
               lambda: client.remove_layer_version_permission(**args), extra=extra,
               describe_as=f"revoking {sid} ({whom}) on {version.label}", target_arn=version.arn)
    return statement


# -- undo -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermissionChange:
    """A grant or revoke from the journal, not undone yet."""

    entry: JournalEntry
    version: VersionRef

    @property
    def kind(self) -> str:
        return "grant" if self.entry.action == GRANT_ACTION else "revoke"

    @property
    def statement_id(self) -> str:
        return str(self.entry.args.get("StatementId", ""))

    def undo_plan(self) -> GrantPlan | None:
        """For a revoke, the grant that puts the statement back (confirmed like any grant)."""
        if self.kind != "revoke":
            return None
        organization = self.entry.extra.get("organization")
        principal = "*" if organization else str(self.entry.extra.get("principal", ""))
        return GrantPlan(self.version, principal, organization or None, self.statement_id)

    def describe_undo(self) -> str:
        plan = self.undo_plan()
        if plan is not None:
            return f"put back statement {self.statement_id}: {plan.describe()}"
        return f"remove statement {self.statement_id} from {self.version.label} (our grant)"


def _changes(entries: Iterable[JournalEntry], account: str) -> list[PermissionChange]:
    undone: set[str] = set()
    found: list[PermissionChange] = []
    for entry in entries:
        if not entry.ok or entry.action not in (GRANT_ACTION, REVOKE_ACTION):
            continue
        if entry.account != account:
            continue
        if entry.extra.get("kind") == "undo":
            undone.add(str(entry.extra.get("undoes", "")))
            continue
        try:
            version = VersionRef.parse(str(entry.extra.get("arn", "")))
        except PermissionInputError:
            continue  # a line that names no version: nothing undo could act on
        found.append(PermissionChange(entry, version))
    return [c for c in found if c.entry.id not in undone]


def last_permission_change(ops: LayerOperations,
                           version_arn: str | None = None) -> PermissionChange | None:
    """The newest grant or revoke of this account (of one version, if named) not undone.

    Only the journal's current file is read: a change older than its last rotation (over a
    megabyte of later calls) is no longer offered.
    """
    changes = _changes(ops.journal.entries(), ops.session.account_id())
    if version_arn is not None:
        changes = [c for c in changes if c.version.arn == version_arn]
    return changes[-1] if changes else None


def undo_permission_change(ops: LayerOperations, change: PermissionChange) -> str:
    """Undo one grant or revoke after checking the live policy; one line saying what it did."""
    client = ops.session.client("lambda", change.version.region)
    policy = read_policy(client, change.version, ops.session.account_id())
    sid = change.statement_id
    if change.kind == "grant":
        statement = policy.statement(sid)
        if statement is None:
            raise AwsError("NothingToUndo", f"{change.version.label} no longer has statement "
                           f"{sid} (revoked meanwhile); nothing to undo")
        revoke_permission(ops, change.version, sid, undoes=change.entry.id)
        return f"undone: statement {sid} removed from {change.version.label}"
    if policy.statement(sid) is not None:
        raise AwsError("NothingToUndo", f"{change.version.label} has statement {sid} again "
                       "(added back meanwhile); nothing to undo")
    plan = change.undo_plan()
    assert plan is not None
    grant_permission(ops, plan, undoes=change.entry.id)
    return f"undone: statement {sid} put back on {change.version.label}"
