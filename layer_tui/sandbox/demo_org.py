"""The demo's organization: the demo account as management, beside it a platform account that
publishes shared layers and workload accounts that pin them.

Plain ``--demo`` shows the demo account alone, exactly as before: the organization lives in
other accounts, which only ``--demo --org`` (ListAccounts, then AssumeRole into each) reaches.
Members are seeded in-process like the demo account (about 20 ms), and only when first needed:
the first Organizations, Config or STS AssumeRole call, or a taped change of a member to replay.
Plain ``--demo`` never makes one, so it starts exactly as fast as it did.

- ``platform`` publishes ``otel``, ``auth`` and ``py-common`` in eu-west-1 and us-east-1, each
  version granted on its own (AWS's permissions are per version): ``otel`` to the organization
  id, ``auth``'s older versions to named accounts and its newest to the organization,
  ``py-common``'s oldest to ``archive`` only;
- ``payments``, ``checkout``, ``analytics`` run functions that pin platform's versions (some
  behind, some with published versions and a ``live`` alias);
- ``archive`` still runs functions on ``py-common:1``, but its OrganizationAccountAccessRole is
  gone: it is the account a scan reports it cannot enter.

Only ``checkout`` shares the demo account's opt-in still in progress (ap-southeast-5); the other
members never asked for it, so ListRegions does not list it for them.

Deterministic (seeded random, dates at ``DEMO_NOW``), so the demo tape replays onto it.
"""

from __future__ import annotations

import random
import threading
import weakref
from dataclasses import dataclass
from datetime import timedelta

from layer_tui.sandbox.archives import ArchiveBuilder
from layer_tui.sandbox.backends import (
    create_alias,
    create_function,
    publish_function_version,
    publish_layer_version,
)
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor
from layer_tui.sandbox.config_query import put_organization_aggregator
from layer_tui.sandbox.org_estate import grant
from layer_tui.sandbox.organization import SandboxOrganization
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.sandbox.server import Sandbox

DEMO_MEMBERS = ("platform", "payments", "checkout", "analytics", "archive")
#: The member whose role is missing.
UNREACHABLE_MEMBER = "archive"
#: The member whose opt-in region is still enabling, as the demo account's is.
OPTING_IN_MEMBER = "checkout"
SHARED_REGIONS = ("eu-west-1", "us-east-1")


@dataclass(frozen=True)
class SharedLayer:
    name: str
    versions: int
    description: str
    runtimes: tuple[str, ...]


SHARED_LAYERS = (
    SharedLayer("otel", 4, "OpenTelemetry collector extension", ("python3.12", "nodejs22.x")),
    SharedLayer("auth", 3, "Platform auth client", ("python3.12", "python3.11")),
    SharedLayer("py-common", 5, "Platform Python commons", ("python3.12", "python3.11")),
)

#: member → {region: number of functions}.
WORKLOADS = {
    "payments": {"eu-west-1": 9, "us-east-1": 3},
    "checkout": {"eu-west-1": 5, "us-east-1": 6},
    "analytics": {"us-east-1": 7},
    "archive": {"eu-west-1": 3},
}
_ROLES = ("api", "worker", "ledger", "refunds", "sync", "webhook", "reports", "export", "cron")


def _layer_archive(layer: SharedLayer, version: int) -> bytes:
    builder = ArchiveBuilder()
    package = layer.name.replace("-", "_")
    if layer.name == "otel":
        builder.add("extensions/otel-collector", b"#!/bin/sh\nexec /opt/otel/collector\n",
                    executable=True)
        builder.add("otel/config.yaml", f"receivers: {{otlp: {{}}}}\n# build {version}\n")
    for module in ("__init__", "client", "config"):
        builder.add(f"python/{package}/{module}.py", f"VERSION = '{version}.0'  # {module}\n")
    builder.add(f"python/{package}-{version}.0.dist-info/METADATA",
                f"Metadata-Version: 2.1\nName: {layer.name}\nVersion: {version}.0\n")
    return builder.build()


def _grant_version(
    layer_version: object, layer: SharedLayer, version: int, org: SandboxOrganization
) -> None:
    """Per-version grants as a platform team leaves them: some to accounts, most to the org."""
    if layer.name == "auth" and version < layer.versions:
        for member in ("payments", "checkout", *(("analytics",) if version > 1 else ())):
            grant(layer_version, f"{member}-read", org.account(member))
    elif layer.name == "py-common" and version == 1:
        grant(layer_version, "archive-read", org.account("archive"))
    else:
        grant(layer_version, "organization-read", "*", organization=org.id)


def seed_demo_organization(sandbox: Sandbox) -> SandboxOrganization:
    """Creates the organization and seeds its members (see the module's docstring)."""
    org = sandbox.create_organization(DEMO_MEMBERS)
    for member in DEMO_MEMBERS:
        if member != OPTING_IN_MEMBER:
            sandbox.set_regions_of(org.account(member), sandbox.regions.enabled)
    platform = org.account("platform")
    arns: dict[tuple[str, str], list[str]] = {}
    for region in SHARED_REGIONS:
        backend = sandbox.lambda_backend(region, platform)
        for index, layer in enumerate(SHARED_LAYERS):
            published = []
            for version in range(1, layer.versions + 1):
                created = DEMO_NOW - timedelta(days=(layer.versions - version) * 31 + index * 4 + 3)
                layer_version = publish_layer_version(
                    backend, layer.name, _layer_archive(layer, version), created=created,
                    runtimes=layer.runtimes, architectures=("x86_64", "arm64"),
                    description=f"{layer.description} (build {version})", license_info="MIT",
                )  # fmt: skip
                _grant_version(layer_version, layer, version, org)
                published.append(layer_version.arn)
            arns[(region, layer.name)] = published
    for member, regions in WORKLOADS.items():
        account = org.account(member)
        rng = random.Random(f"layer-tui demo organization {member}")
        for region, count in regions.items():
            _seed_workload(sandbox, org, account, member, region, count, rng, arns)
    org.remove_role(UNREACHABLE_MEMBER)
    # --demo --index config:demo-org: the organization's functions through AWS Config.
    put_organization_aggregator(sandbox.account_id, sandbox.regions.enabled)
    return org


def _pinnable(member: str, layer: SharedLayer, version: int) -> bool:
    """Whether ``member`` may pin this version (what its grant allows)."""
    if layer.name == "auth" and version < layer.versions:
        return member in ("payments", "checkout") or (member == "analytics" and version > 1)
    if layer.name == "py-common" and version == 1:
        return member == "archive"
    return True


def _seed_workload(
    sandbox: Sandbox, org: SandboxOrganization, account: str, member: str, region: str,
    count: int, rng: random.Random, arns: dict[tuple[str, str], list[str]],
) -> None:  # fmt: skip
    backend = sandbox.lambda_backend(region, account)
    for number in range(count):
        name = f"{member}-{_ROLES[number % len(_ROLES)]}" + (f"-{number}" if number >= 9 else "")
        layers = []
        for layer in SHARED_LAYERS:
            if member == "archive":
                allowed = [1] if layer.name == "py-common" else []
            else:
                allowed = [v for v in range(1, layer.versions + 1) if _pinnable(member, layer, v)]
                allowed = allowed[-3:] if rng.random() < 0.7 else []
            if allowed:
                layers.append(arns[(region, layer.name)][rng.choice(allowed) - 1])
        create_function(
            backend, name, runtime=rng.choice(("python3.12", "python3.11")),
            role_arn=Sandbox.execution_role_arn_for(account), layers=layers,
            last_modified=DEMO_NOW - timedelta(days=rng.randint(1, 200)),
            description=f"{member} {name.split('-', 1)[1]} ({region})",
        )  # fmt: skip
        if rng.random() < 0.3:
            version = publish_function_version(backend, name, DEMO_NOW - timedelta(days=40))
            if version is not None:
                create_alias(backend, name, "live", str(version.version))


#: Calls that can reach (or list) the members: the organization must exist before they run.
_ORGANIZATION_SERVICES = frozenset({"organizations", "config"})


class LazyDemoOrganization(Interceptor):
    """Seeds the demo organization on the first call that could see it (see the module)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._lock = threading.Lock()
        self._organization: SandboxOrganization | None = None

    def ensure(self) -> SandboxOrganization:
        with self._lock:
            if self._organization is None:
                self._organization = seed_demo_organization(self._sandbox)
            return self._organization

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service in _ORGANIZATION_SERVICES or (
            call.service == "sts" and call.operation.startswith("AssumeRole")
        ):
            self.ensure()
        return None


_installed: weakref.WeakKeyDictionary[Sandbox, LazyDemoOrganization] = (
    weakref.WeakKeyDictionary()
)


def install_demo_organization(sandbox: Sandbox) -> LazyDemoOrganization:
    """Makes the started demo sandbox seed its organization when first needed."""
    lazy = LazyDemoOrganization(sandbox)
    sandbox.add_interceptor(lazy, first=True)
    _installed[sandbox] = lazy
    return lazy


def demo_organization(sandbox: Sandbox) -> SandboxOrganization:
    """The demo sandbox's organization, seeded now if nothing asked for it yet."""
    lazy = _installed.get(sandbox)
    if lazy is None:
        raise RuntimeError("this sandbox is not the demo: it has no demo organization")
    return lazy.ensure()
