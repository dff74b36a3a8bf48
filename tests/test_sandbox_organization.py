"""The sandbox as an AWS Organization, over HTTP with the keys ``--org`` would use.

Promises: ListAccounts names every member with its status (a suspended one SUSPENDED); a
member's role assumed from the management account is that member's account and never shows
the management account's functions; a removed role or a suspended member refuses AssumeRole
as AWS does; a region disabled for one member refuses only that member; layers shared by
per-version grants (to an account, to the organization id) are readable and usable from the
members granted and refused to the others; stopping the sandbox forgets the organization.
"""

from __future__ import annotations

from typing import Any
from urllib.request import urlopen

import pytest
from botocore.exceptions import ClientError

from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.org_estate import ESTATE_MEMBERS, SHARED_REGION, SharedLayers

REGION = SHARED_REGION


def organization(sandbox: Sandbox) -> Any:
    assert sandbox.organization is not None
    return sandbox.organization


def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as error:
        call()
    return dict(error.value.response["Error"])


def listed_accounts(sandbox: Sandbox) -> dict[str, tuple[str, str]]:
    pages = sandbox.client("organizations", REGION).get_paginator("list_accounts").paginate()
    return {a["Id"]: (a["Name"], a["Status"]) for page in pages for a in page["Accounts"]}


def function_names(client: Any) -> set[str]:
    return {f["FunctionName"] for f in client.list_functions()["Functions"]}


def test_list_accounts_names_every_member_and_a_suspended_one_is_suspended(
    org_sandbox: Sandbox,
) -> None:
    """Attack: suspend a member, then list the organization and assume the member's role.
    Promise: ListAccounts names the management account and every member, each ACTIVE but the
    suspended one (SUSPENDED); its role can no longer be assumed (AccessDenied)."""
    org = organization(org_sandbox)
    org.suspend("billing")
    accounts = listed_accounts(org_sandbox)
    assert accounts[org_sandbox.account_id] == ("management", "ACTIVE")
    for name in ESTATE_MEMBERS:
        status = "SUSPENDED" if name == "billing" else "ACTIVE"
        assert accounts[org.members[name]] == (name, status)
    assert len(accounts) == 1 + len(ESTATE_MEMBERS)
    error = refused(lambda: org.assumed_client("billing", "lambda", REGION))
    assert error["Code"] == "AccessDenied"
    described = org_sandbox.client("organizations", REGION, account=org.members["orders"])
    assert described.describe_organization()["Organization"]["Id"] == org.id


def test_a_removed_role_is_refused_as_aws_refuses_it(org_sandbox: Sandbox) -> None:
    """Attack: remove a member's OrganizationAccountAccessRole and assume it (moto would hand
    out keys anyway). Promise: 403 AccessDenied in AWS's words, naming the role's ARN; the
    other members' roles still work."""
    org = organization(org_sandbox)
    org.remove_role("orders")
    sts = org_sandbox.client("sts", REGION)
    arn = org.role_arn("orders")
    error = refused(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="scan"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: arn:aws:iam::{org_sandbox.account_id}:user/sandbox is not authorized to "
        f"perform: sts:AssumeRole on resource: {arn}"
    )
    identity = org.assumed_client("platform", "sts", REGION).get_caller_identity()
    assert identity["Account"] == org.members["platform"]


def test_a_members_assumed_keys_never_see_the_management_accounts_functions(
    org_estate: SharedLayers,
) -> None:
    """Attack: scan each member with the keys its assumed role gives, and the management
    account with its own. Promise: each sees exactly its own functions, never another's."""
    sandbox, org = org_estate.sandbox, org_estate.organization
    assert function_names(sandbox.client("lambda", REGION)) == {"audit"}
    for name in ("orders", "billing", "platform"):
        seen = function_names(org.assumed_client(name, "lambda", REGION))
        assert seen == set(org_estate.functions.get(org.members[name], ()))
    assert function_names(org.assumed_client("orders", "lambda", REGION)) == {
        "orders-api", "orders-worker"}


def test_a_region_disabled_for_one_member_refuses_that_member_only(
    org_sandbox: Sandbox,
) -> None:
    """Attack: disable eu-west-1 for billing only, then call there as billing, as orders and
    as the management account. Promise: billing gets UnrecognizedClientException and its
    ListRegions says ENABLING; the others answer and list the region enabled."""
    org = organization(org_sandbox)
    org.disable_region("billing", "eu-west-1")
    error = refused(lambda: org.assumed_client("billing", "lambda", "eu-west-1").list_functions())
    assert error["Code"] == "UnrecognizedClientException"
    assert function_names(org.assumed_client("orders", "lambda", "eu-west-1")) == set()
    assert function_names(org_sandbox.client("lambda", "eu-west-1")) == set()

    def status(client: Any) -> str:
        regions = client.list_regions()["Regions"]
        return str(next(r["RegionOptStatus"] for r in regions if r["RegionName"] == "eu-west-1"))

    assert status(org.assumed_client("billing", "account", REGION)) == "ENABLING"
    assert status(org.assumed_client("orders", "account", REGION)) == "ENABLED_BY_DEFAULT"
    assert status(org_sandbox.client("account", REGION)) == "ENABLED_BY_DEFAULT"


def test_layers_shared_by_grants_work_for_the_granted_members_only(
    org_estate: SharedLayers,
) -> None:
    """Attack: read and use platform's layer versions from members with assumed keys, and
    from an account outside the organization. Promise: a version granted to the organization
    id (principal * + aws:PrincipalOrgID, seeded or added over HTTP with OrganizationId) is
    readable by every member, with a content URL that answers; one granted to orders only is
    refused to billing and to the outsider; a member's function can pin a granted version of
    another account's layer."""
    sandbox, org, layers = org_estate.sandbox, org_estate.organization, org_estate.layers
    orders = org.assumed_client("orders", "lambda", REGION)
    billing = org.assumed_client("billing", "lambda", REGION)
    read = orders.get_layer_version_by_arn(Arn=layers["otel:1"])
    with urlopen(read["Content"]["Location"]) as content:
        assert content.read()[:2] == b"PK"
    assert billing.get_layer_version_by_arn(Arn=layers["otel:1"])["Version"] == 1
    assert orders.get_layer_version_by_arn(Arn=layers["otel:2"])["Version"] == 2
    outsider = sandbox.client("lambda", REGION, account="555555555555")
    for client, arn in ((billing, layers["otel:2"]), (outsider, layers["otel:1"])):
        error = refused(lambda client=client, arn=arn: client.get_layer_version_by_arn(Arn=arn))
        assert error["Code"] == "AccessDeniedException"

    platform = org.assumed_client("platform", "lambda", REGION)
    fresh = platform.publish_layer_version(LayerName="otel", Content={"ZipFile": read_zip(
        platform, layers["otel:1"])})  # fmt: skip
    platform.add_layer_version_permission(
        LayerName="otel", VersionNumber=fresh["Version"], StatementId="organization",
        Action="lambda:GetLayerVersion", Principal="*", OrganizationId=org.id)  # fmt: skip
    assert billing.get_layer_version_by_arn(Arn=fresh["LayerVersionArn"])["Version"] == 3
    error = refused(lambda: outsider.get_layer_version_by_arn(Arn=fresh["LayerVersionArn"]))
    assert error["Code"] == "AccessDeniedException"

    orders.create_function(
        FunctionName="orders-new", Runtime="python3.12", Handler="app.handler",
        Role=Sandbox.execution_role_arn_for(org.members["orders"]),
        Code={"ZipFile": read_zip(orders, layers["auth:1"])}, Layers=[layers["auth:1"]],
    )  # fmt: skip
    pinned = orders.get_function_configuration(FunctionName="orders-new")["Layers"]
    assert [layer["Arn"] for layer in pinned] == [layers["auth:1"]]
    assert "orders-new" not in function_names(sandbox.client("lambda", REGION))


def read_zip(client: Any, arn: str) -> bytes:
    with urlopen(client.get_layer_version_by_arn(Arn=arn)["Content"]["Location"]) as content:
        return bytes(content.read())


def test_stop_forgets_the_organization_and_its_members() -> None:
    """Attack: a sandbox makes an organization with a member's function, stops, and a new
    sandbox with the same account makes it again. Promise: members get the same ids (a
    demo restarted sees the same accounts), and start empty: moto's process-wide member index
    forgot them (no AlreadyInOrganization), no function survives; the organization id is the
    same too."""
    home = "444444444444"
    with Sandbox(account_id=home, regions=(REGION,)) as first:
        org = first.create_organization(["platform"])
        platform = org.members["platform"]
        org.assumed_client("platform", "lambda", REGION).create_function(
            FunctionName="kept", Runtime="python3.12", Handler="app.handler",
            Role=Sandbox.execution_role_arn_for(platform),
            Code={"ZipFile": b"PK\x05\x06" + bytes(18)},
        )  # fmt: skip
    from moto.organizations.models import organizations_backends

    assert platform not in organizations_backends.master_accounts
    with Sandbox(account_id=home, regions=(REGION,)) as second:
        again = second.create_organization(["platform"])
        assert again.members == {"platform": platform}
        assert again.id == org.id  # a grant to the organization names it after a restart
        assert function_names(again.assumed_client("platform", "lambda", REGION)) == set()
        assert set(listed_accounts(second)) == {home, platform}


def test_a_layer_not_granted_to_the_callers_account_cannot_be_pinned(
    org_estate: SharedLayers,
) -> None:
    """Attack: billing creates a function on, and repins its function onto, platform's
    otel:2, which is granted to orders only (moto accepts any layer it can find). Promise:
    both are refused with AWS's 403 AccessDeniedException naming lambda:GetLayerVersion and
    the version, and billing's function keeps its layers; orders may pin it."""
    org, layers = org_estate.organization, org_estate.layers
    billing = org.assumed_client("billing", "lambda", REGION)
    otel_2 = layers["otel:2"]
    expected = (
        f"User: arn:aws:iam::{org.members['billing']}:user/sandbox is not authorized to "
        f"perform: lambda:GetLayerVersion on resource: {otel_2} because no resource-based "
        "policy allows the lambda:GetLayerVersion action"
    )
    created = refused(lambda: billing.create_function(
        FunctionName="billing-new", Runtime="python3.12", Handler="app.handler",
        Role=Sandbox.execution_role_arn_for(org.members["billing"]),
        Code={"ZipFile": read_zip(billing, layers["otel:1"])}, Layers=[otel_2]))
    assert (created["Code"], created["Message"]) == ("AccessDeniedException", expected)
    repinned = refused(lambda: billing.update_function_configuration(
        FunctionName="billing-report", Layers=[otel_2]))
    assert (repinned["Code"], repinned["Message"]) == ("AccessDeniedException", expected)
    kept = billing.get_function_configuration(FunctionName="billing-report")["Layers"]
    assert [layer["Arn"] for layer in kept] == [layers["otel:1"]]
    assert "billing-new" not in function_names(billing)

    orders = org.assumed_client("orders", "lambda", REGION)
    orders.update_function_configuration(FunctionName="orders-api", Layers=[otel_2])
    moved = orders.get_function_configuration(FunctionName="orders-api")["Layers"]
    assert [layer["Arn"] for layer in moved] == [otel_2]
