"""The sandbox as an AWS Organization: its own account the management, members beside it.

Built through moto's Organizations (CreateOrganization, CreateAccount), so ListAccounts,
DescribeOrganization and the organization id a layer grant names are moto's own answers. Each
member gets the role AWS creates for an account made by the organization,
``OrganizationAccountAccessRole``, trusting the management account, and is served by the
sandbox (``Sandbox.credentials_for``, AssumeRole into that role). Member ids and the
organization id are derived from the management account (and the member's name), so a demo
restarted (or a test rerun) sees the same accounts and grants; moto's random ids would make
every cache and tape stale.

Knobs for tests: a member's role removed (AssumeRole then refused as AWS refuses it), a member
suspended (ListAccounts says SUSPENDED, nothing can be assumed there), a region disabled for
one member only.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from moto.core.base_backend import backend_lock
from moto.iam.models import iam_backends

if TYPE_CHECKING:
    from layer_tui.sandbox.server import Sandbox

ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
#: Organizations is a global service that answers in us-east-1.
ORGANIZATION_REGION = "us-east-1"
SUSPENDED = "SUSPENDED"
#: What ListAccounts names the management account (moto says "master", AWS's old word).
MANAGEMENT_NAME = "management"


def member_account_id(management: str, name: str) -> str:
    """A 12-digit id for member ``name`` of ``management``'s organization, the same every run."""
    digest = int(hashlib.sha256(f"{management}/{name}".encode()).hexdigest(), 16)
    candidate = str(10**11 + digest % (9 * 10**11))
    return candidate if candidate != management else str(10**11 + (digest + 1) % (9 * 10**11))


def organization_id(management: str) -> str:
    """``o-`` and 10 lower-case letters or digits, the same every run for one management
    account: a grant to the organization (taped, cached) must name it again after a restart."""
    digest = hashlib.sha256(f"organization/{management}".encode()).hexdigest()
    return f"o-{digest[:10]}"


def _settle_organization_id(backend: Any, wanted: str) -> None:
    """moto draws a random id: give the organization, and what it made with it, the stable one."""
    organization = backend.org
    drawn = organization.id
    organization.id = wanted
    for made in (*backend.accounts, *backend.ou, *backend.policies):
        if getattr(made, "organization_id", None) == drawn:
            made.organization_id = wanted


def trust_management(management: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


class SandboxOrganization:
    """One organization of a sandbox: ``id`` (``o-...``), ``management`` (the sandbox's own
    account), ``members`` (name → account id, in the order created)."""

    def __init__(self, sandbox: Sandbox, organization_id: str, members: dict[str, str]) -> None:
        self._sandbox = sandbox
        self.id = organization_id
        self.management = sandbox.account_id
        self.members = members

    def account(self, member: str) -> str:
        """A member's account id, from its name or its id."""
        if member in self.members:
            return self.members[member]
        if member in self.members.values():
            return member
        raise KeyError(f"{member!r} is not a member of organization {self.id}")

    def role_arn(self, member: str, role_name: str = ORGANIZATION_ROLE) -> str:
        return f"arn:aws:iam::{self.account(member)}:role/{role_name}"

    def assumed_client(
        self, member: str, service: str, region: str, role_name: str = ORGANIZATION_ROLE
    ) -> Any:
        """A boto3 client with the keys STS AssumeRole hands the management account for the
        member's role (what ``--org`` does): served as the member's account."""
        sts = self._sandbox.client("sts", region)
        keys = sts.assume_role(
            RoleArn=self.role_arn(member, role_name), RoleSessionName="layer-tui-sandbox"
        )["Credentials"]
        return self._sandbox.client(
            service,
            region,
            credentials=(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"]),
        )

    def remove_role(self, member: str, role_name: str = ORGANIZATION_ROLE) -> None:
        """Deletes the member's role: AssumeRole into it is refused from now on."""
        iam_backends[self.account(member)]["aws"].delete_role(role_name)

    def suspend(self, member: str) -> None:
        """The member is suspended: ListAccounts says SUSPENDED; its role cannot be assumed."""
        account = _organization_account(self.management, self.account(member))
        if account is not None:
            account.status = SUSPENDED
            account.state = SUSPENDED

    def disable_region(self, member: str, region: str) -> None:
        """``region`` is not enabled for this member only (see ``Sandbox.disable_region``)."""
        self._sandbox.disable_region(self.account(member), region)


def create_organization(sandbox: Sandbox, members: Sequence[str]) -> SandboxOrganization:
    """The sandbox's organization with ``members`` added (created once; idempotent by name)."""
    from moto.organizations.models import organizations_backends

    management = sandbox.account_id
    backend = organizations_backends[management]["aws"]
    if backend.org is None:
        backend.create_organization(region=ORGANIZATION_REGION, FeatureSet="ALL")
        _settle_organization_id(backend, organization_id(management))
        for management_account in backend.accounts:
            if management_account.id == management:
                management_account.name = MANAGEMENT_NAME
    organization = backend.org
    assert organization is not None  # just created
    known = {account.name: account for account in backend.accounts}
    created: dict[str, str] = {}
    for name in dict.fromkeys(members):
        member = known.get(name)
        if member is None:
            member = _create_member(backend, management, name)
            known[name] = member
        created[name] = member.id
    for account_id in created.values():
        sandbox.credentials_for(account_id)  # claims it: served by this sandbox only
        iam = iam_backends[account_id]["aws"]
        if not any(role.name == ORGANIZATION_ROLE for role in iam.get_roles()):
            iam.create_role(
                role_name=ORGANIZATION_ROLE,
                assume_role_policy_document=trust_management(management),
                path="/",
                permissions_boundary=None,
                description="Created by the organization for its management account",
                tags=[],
                max_session_duration="3600",
            )
    every = {a.name: a.id for a in backend.accounts if a.id != management and a.name in known}
    return SandboxOrganization(sandbox, organization.id, every)


def _create_member(backend: Any, management: str, name: str) -> Any:
    """moto's CreateAccount, then the account moved to its stable id (moto picks a random one,
    and creates the access role there: that stray account is forgotten at once)."""
    from moto.organizations.models import organizations_backends

    backend.create_account(AccountName=name, Email=f"{name}@example.com")
    account = backend.accounts[-1]
    stray, wanted = account.id, member_account_id(management, name)
    account.id = wanted
    index = organizations_backends.master_accounts
    index[wanted] = index.pop(stray, (management, "aws"))
    with backend_lock:
        iam_backends.pop(stray, None)
    return account


def _organization_account(management: str, account_id: str) -> Any:
    organizations = sys.modules.get("moto.organizations.models")
    if organizations is None or management not in organizations.organizations_backends:
        return None
    backend = organizations.organizations_backends[management]["aws"]
    return next((a for a in backend.accounts if a.id == account_id), None)


def is_suspended(management: str, account_id: str) -> bool:
    """Whether ``management``'s organization has suspended ``account_id``."""
    account = _organization_account(management, account_id)
    return account is not None and account.status == SUSPENDED
