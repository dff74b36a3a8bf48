"""The demo as an organization: plain ``--demo`` unchanged, ``--demo --org`` sees the members.

Promises: the demo account's own view is exactly what it was (the members are other accounts,
seeded only when something asks for the organization); ListAccounts names the management
account and five members; the archive member's role is missing; platform's versions are shared
by per-version grants and pinned from the workload accounts; the demo tape keeps members'
changes across restarts, each replayed into its own account.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.awslambda.models import lambda_backends

from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.demo_org import DEMO_MEMBERS, demo_organization
from layer_tui.sandbox.seed import DEMO_DISABLED_REGION, DEMO_REGIONS, start_demo

REGION = "eu-west-1"


def demo_beside_the_session_demo(tape: Path | None = None, account: str | None = None) -> Sandbox:
    """The demo's seed and organization in an account of its own (the session's demo sandbox
    may be serving the demo account in this process)."""
    shaped = Sandbox(account_id=account, regions=DEMO_REGIONS,
                     disabled_regions=(DEMO_DISABLED_REGION,))
    return start_demo(tape, sandbox=shaped)


@pytest.fixture
def demo() -> Iterator[Sandbox]:
    started = demo_beside_the_session_demo()
    try:
        yield started
    finally:
        started.stop()


def own_view(sandbox: Sandbox) -> dict[str, Any]:
    """What the demo account lists in every region: functions with their layers, layers."""
    view: dict[str, Any] = {}
    for region in DEMO_REGIONS:
        lam = sandbox.client("lambda", region)
        functions = [
            (f["FunctionName"], f.get("Version"), [layer["Arn"] for layer in f.get("Layers", [])])
            for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL")
            for f in page["Functions"]
        ]
        layers = [
            layer["LayerArn"]
            for page in lam.get_paginator("list_layers").paginate()
            for layer in page["Layers"]
        ]
        view[region] = (sorted(functions), sorted(layers))
    return view


def test_plain_demo_shows_exactly_the_demo_account_and_seeds_no_member(demo: Sandbox) -> None:
    """Attack: the demo's members leak into what plain ``--demo`` shows (their functions or
    layers in the demo account, or start-up paying for them). Promise: until something asks
    for the organization no other account exists at all; once ListAccounts has been
    answered, the demo account's every listing is exactly what it was."""
    assert demo.credentials.served == (demo.account_id,)
    assert demo.organization is None
    before = own_view(demo)
    assert sum(len(functions) for functions, _ in before.values()) > 100

    accounts = demo.client("organizations", "us-east-1").list_accounts()["Accounts"]
    assert len(accounts) == 1 + len(DEMO_MEMBERS)
    assert own_view(demo) == before


def test_demo_org_has_a_platform_sharing_layers_with_workloads_and_an_unreachable_member(
    demo: Sandbox,
) -> None:
    """Attack: scan the demo as ``--demo --org`` would. Promise: ListAccounts names every
    member ACTIVE; archive's role cannot be assumed (AccessDenied); the workload members pin
    platform's layer versions, readable where the grant allows and refused where it does not
    (auth:1 is granted to payments and checkout, not to analytics); py-common:1 is used only
    by archive, the account no scan can enter; only checkout shares the demo account's opt-in
    region still enabling."""
    listed = demo.client("organizations", "us-east-1").list_accounts()["Accounts"]
    assert {a["Name"] for a in listed} == {"management", *DEMO_MEMBERS}
    assert {a["Status"] for a in listed} == {"ACTIVE"}
    org = demo_organization(demo)
    with pytest.raises(ClientError) as refused:
        org.assumed_client("archive", "lambda", REGION)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    platform = org.account("platform")
    payments = org.assumed_client("payments", "lambda", REGION)
    pinned = {
        layer["Arn"]
        for function in payments.list_functions()["Functions"]
        for layer in function.get("Layers", [])
    }
    assert pinned and all(f":{platform}:layer:" in arn for arn in pinned)
    auth_1 = f"arn:aws:lambda:{REGION}:{platform}:layer:auth:1"
    assert payments.get_layer_version_by_arn(Arn=auth_1)["Version"] == 1
    analytics = org.assumed_client("analytics", "lambda", "us-east-1")
    with pytest.raises(ClientError) as denied:
        analytics.get_layer_version_by_arn(Arn=auth_1.replace(REGION, "us-east-1"))
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"

    def regions(member: str) -> dict[str, str]:
        listed = org.assumed_client(member, "account", REGION).list_regions()["Regions"]
        return {r["RegionName"]: r["RegionOptStatus"] for r in listed}

    assert regions("checkout")[DEMO_DISABLED_REGION] == "ENABLING"
    assert DEMO_DISABLED_REGION not in regions("payments")
    assert set(regions("payments")) == set(DEMO_REGIONS)

    py_common_1 = f"arn:aws:lambda:{REGION}:{platform}:layer:py-common:1"
    users = {
        account
        for account in demo.credentials.served
        for group in lambda_backends[account][REGION]._lambdas._functions.values()
        if any(layer["Arn"] == py_common_1 for layer in group["latest"].layers)
    }
    assert users == {org.account("archive")}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/otel/__init__.py", "VERSION = 'taped'\n")
    return buffer.getvalue()


def test_the_demo_tape_keeps_members_changes_across_restarts(tmp_path: Path) -> None:
    """Attack: in ``--demo --org``, publish a layer version in platform, grant it to the
    organization and repin a payments function onto it, then restart the demo (taped changes
    were replayed into the demo account, where that layer and function do not exist).
    Promise: after the restart every change is back in its own account, and the demo
    account's view is as seeded."""
    tape, home = tmp_path / "tape.jsonl", "123123123123"
    first = demo_beside_the_session_demo(tape, home)
    try:
        seeded_view = own_view(first)
        org = demo_organization(first)
        platform = org.assumed_client("platform", "lambda", REGION)
        published = platform.publish_layer_version(
            LayerName="otel", Content={"ZipFile": _zip()}, CompatibleRuntimes=["python3.12"])
        new_arn = published["LayerVersionArn"]
        platform.add_layer_version_permission(
            LayerName="otel", VersionNumber=published["Version"], StatementId="organization",
            Action="lambda:GetLayerVersion", Principal="*", OrganizationId=org.id)
        payments = org.assumed_client("payments", "lambda", REGION)
        function = payments.list_functions()["Functions"][0]["FunctionName"]
        config = payments.get_function_configuration(FunctionName=function)
        payments.update_function_configuration(
            FunctionName=function, Layers=[new_arn], RevisionId=config["RevisionId"])
    finally:
        first.stop()

    second = demo_beside_the_session_demo(tape, home)
    try:
        org = demo_organization(second)
        platform = org.assumed_client("platform", "lambda", REGION)
        versions = platform.list_layer_versions(LayerName="otel")["LayerVersions"]
        assert published["Version"] in {v["Version"] for v in versions}
        payments = org.assumed_client("payments", "lambda", REGION)
        layers = payments.get_function_configuration(FunctionName=function)["Layers"]
        assert [layer["Arn"] for layer in layers] == [new_arn]
        assert own_view(second) == seeded_view
    finally:
        second.stop()
