"""A tiny organization estate for tests: layers shared from a platform account, used elsewhere.

``seed_shared_layers(sandbox, org)`` seeds, in-process (no HTTP, a few milliseconds), in
``SHARED_REGION`` (us-east-1; layers are regional):

- member ``platform`` publishes ``otel`` 1 and 2 and ``auth`` 1:
  ``otel:1`` and ``auth:1`` are granted to the organization (principal ``*`` with
  ``aws:PrincipalOrgID``), ``otel:2`` to the ``orders`` account only;
- member ``orders``: ``orders-api`` uses ``otel:1`` + ``auth:1``; ``orders-worker`` uses
  ``otel:2`` and has a published version 1 with alias ``live`` on it;
- member ``billing``: ``billing-report`` uses ``otel:1``;
- member ``legacy``: ``legacy-cron`` uses ``auth:1``, and its OrganizationAccountAccessRole is
  removed (AssumeRole into it is refused, so a scan cannot see this consumer);
- the management account: ``audit`` uses no layer (it must never show up in a member).

So ``otel:1`` has consumers in two member accounts and none in its own, ``otel:2`` one in
``orders``, ``auth:1`` one visible (orders) and one hidden (legacy). ``org_sandbox`` (the
fixture) creates the organization with ``ESTATE_MEMBERS``; ``org_estate`` seeds this on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from layer_tui.sandbox.archives import ArchiveBuilder
from layer_tui.sandbox.backends import (
    create_alias,
    create_function,
    publish_function_version,
    publish_layer_version,
)
from layer_tui.sandbox.organization import SandboxOrganization
from layer_tui.sandbox.permissions import aws_statement
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.sandbox.server import Sandbox

SHARED_REGION = "us-east-1"
ESTATE_MEMBERS = ("platform", "orders", "billing", "legacy")


@dataclass(frozen=True)
class SharedLayers:
    """What ``seed_shared_layers`` made: ARNs by ``name:version`` and functions by account."""

    sandbox: Sandbox
    organization: SandboxOrganization
    region: str
    #: ``"otel:1"`` → its version ARN.
    layers: dict[str, str]
    #: account id → its function names.
    functions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def account(self, member: str) -> str:
        return self.organization.account(member)


def grant(layer_version: object, sid: str, principal: str, organization: str = "") -> None:
    """AddLayerVersionPermission as AWS stores it (see ``permissions.aws_statement``)."""
    statement: dict[str, object] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:GetLayerVersion",
        "Resource": layer_version.arn,  # type: ignore[attr-defined]
    }
    if organization:
        statement["OrganizationId"] = organization
    layer_version.policy.statements.append(aws_statement(statement))  # type: ignore[attr-defined]


def _layer_archive(name: str, version: int) -> bytes:
    builder = ArchiveBuilder()
    builder.add(f"python/{name}/__init__.py", f"VERSION = {version}\n")
    return builder.build()


def seed_shared_layers(
    sandbox: Sandbox, org: SandboxOrganization, region: str = SHARED_REGION
) -> SharedLayers:
    """Seeds the estate the module's docstring describes; ``org`` must have ESTATE_MEMBERS."""
    platform, orders, billing, legacy = (org.account(name) for name in ESTATE_MEMBERS)
    backend = sandbox.lambda_backend(region, platform)
    layers: dict[str, str] = {}
    for name, version, day in (("otel", 1, 30), ("otel", 2, 10), ("auth", 1, 20)):
        published = publish_layer_version(
            backend, name, _layer_archive(name, version),
            created=DEMO_NOW - timedelta(days=day), runtimes=["python3.12"],
        )  # fmt: skip
        layers[f"{name}:{version}"] = published.arn
        if (name, version) == ("otel", 2):
            grant(published, "orders-only", orders)
        else:
            grant(published, "organization", "*", organization=org.id)
    uses = {
        orders: (("orders-api", ("otel:1", "auth:1")), ("orders-worker", ("otel:2",))),
        billing: (("billing-report", ("otel:1",)),),
        legacy: (("legacy-cron", ("auth:1",)),),
        sandbox.account_id: (("audit", ()),),
    }
    functions: dict[str, tuple[str, ...]] = {}
    for account, owned in uses.items():
        member_backend = sandbox.lambda_backend(region, account)
        for function, pinned in owned:
            create_function(
                member_backend, function, runtime="python3.12",
                role_arn=Sandbox.execution_role_arn_for(account),
                layers=[layers[key] for key in pinned],
                last_modified=DEMO_NOW - timedelta(days=5),
            )  # fmt: skip
        functions[account] = tuple(function for function, _ in owned)
    orders_backend = sandbox.lambda_backend(region, orders)
    publish_function_version(orders_backend, "orders-worker", DEMO_NOW - timedelta(days=4))
    create_alias(orders_backend, "orders-worker", "live", "1")
    org.remove_role("legacy")
    return SharedLayers(sandbox, org, region, layers, functions)
