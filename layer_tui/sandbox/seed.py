"""The demo account: a believable estate, seeded in-process in well under a second.

Deterministic: the same code seeds the same layers, the same CodeSha256s, the same functions
with the same layer lists and dates on every run (dates are anchored at ``DEMO_NOW``, not at
the wall clock, so screenshots do not age).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from moto.awslambda.models import LambdaBackend, lambda_backends

from layer_tui.sandbox.backends import (
    create_alias,
    create_function,
    grant_public_read,
    publish_function_version,
    publish_layer_version,
    set_function_layers,
)
from layer_tui.sandbox.demo_layers import (
    DATADOG,
    DEMO_LAYERS,
    INSIGHTS,
    INSIGHTS_ARM64,
    ArchiveMaker,
    DemoLayer,
    VendorLayer,
)
from layer_tui.sandbox.server import DEMO_ACCOUNT_ID, Sandbox

DEMO_REGIONS = ("eu-north-1", "eu-west-1", "us-east-1")
#: Listed by ListRegions (opt-in still ENABLING) but refusing calls, like a fresh opt-in.
DEMO_DISABLED_REGION = "ap-southeast-5"
DEMO_NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FUNCTIONS_PER_REGION = {"eu-west-1": 84, "eu-north-1": 46, "us-east-1": 36}

#: (runtime, weight): mostly current runtimes, with the deprecated tail real accounts carry.
RUNTIME_MIX = (
    ("python3.12", 40),
    ("python3.11", 12),
    ("python3.9", 6),
    ("python3.8", 5),
    ("nodejs20.x", 14),
    ("nodejs18.x", 6),
    ("nodejs16.x", 5),
    ("provided.al2023", 5),
    ("java21", 3),
    ("java8.al2", 2),
    ("ruby3.2", 2),
)
_SERVICES = (
    "orders", "payments", "billing", "search", "catalog", "inventory", "auth", "notify",
    "reports", "geo", "media", "audit", "ledger", "profile", "checkout", "shipping", "pricing",
    "returns", "loyalty", "fraud",
)  # fmt: skip
_ROLES = ("api", "worker", "ingest", "sync", "cron", "webhook", "etl", "export", "stream", "dlq")


@dataclass(frozen=True)
class SeedSummary:
    """What a seed created, for tests and for the demo's own sanity checks."""

    layers: int
    layer_versions: int
    deleted_versions: int
    functions: int
    function_versions: int


def demo_sandbox() -> Sandbox:
    """An unstarted sandbox shaped like the demo account (its regions, its account id)."""
    return Sandbox(
        account_id=DEMO_ACCOUNT_ID,
        regions=DEMO_REGIONS,
        disabled_regions=(DEMO_DISABLED_REGION,),
    )


def start_demo(tape: Path | None = None, sandbox: Sandbox | None = None) -> Sandbox:
    """What ``--demo`` runs: start the demo sandbox and seed it; with ``tape``, replay the
    changes of earlier runs onto the seed and record this run's (``sandbox.tape``).
    ``sandbox``: an unstarted one to seed instead of the demo account's (tests run beside the
    session's demo)."""
    from layer_tui.sandbox.demo_org import install_demo_organization
    from layer_tui.sandbox.tape import DemoTape, replay

    sandbox = sandbox or demo_sandbox()
    sandbox.start()
    try:
        seed_demo(sandbox)
        # Other accounts: plain --demo never looks at them, --demo --org does (seeded then).
        install_demo_organization(sandbox)
        if tape is not None:
            replay(sandbox.endpoint_url, tape, functools.partial(_replay_key, sandbox))
            # First, so it sees every reply last, as the client will.
            sandbox.add_interceptor(DemoTape(tape), first=True)
    except BaseException:
        sandbox.stop()
        raise
    return sandbox


def _replay_key(sandbox: Sandbox, account: str) -> str | None:
    """The access key a taped change of ``account`` is replayed with (None: not served now)."""
    from layer_tui.sandbox.demo_org import demo_organization

    if account == sandbox.account_id:
        return "demo"
    demo_organization(sandbox)  # a member's change: the members must exist first
    if not sandbox.credentials.serves(account):
        return None
    return sandbox.credentials_for(account)[0]


@functools.cache
def _archive(make: ArchiveMaker, version: int) -> bytes:
    # The same build of a layer is published in several regions: build it once.
    return make(version)


def _created(layer_index: int, version: int, versions: int) -> datetime:
    age = timedelta(days=(versions - version) * 23 + layer_index * 3 + 2, hours=layer_index)
    return DEMO_NOW - age


def _vendor_arn(sandbox: Sandbox, vendor: VendorLayer, region: str, when: datetime) -> str:
    backend = lambda_backends[vendor.account_id][region]
    layer_version = publish_layer_version(
        backend,
        vendor.name,
        _archive(vendor.make, vendor.version),
        created=when,
        runtimes=vendor.runtimes,
        architectures=vendor.architectures,
        description=f"{vendor.name} (vendor)",
        license_info="Apache-2.0",
        version=vendor.version,
    )
    grant_public_read(layer_version)
    return layer_version.arn


def seed_demo(sandbox: Sandbox) -> SeedSummary:
    """Fills the sandbox's demo regions with layers, functions and vendor layers."""
    totals = [0, 0, 0, 0, 0]
    for region in DEMO_REGIONS:
        counts = _seed_region(sandbox, region, random.Random(f"layer-tui demo {region}"))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return SeedSummary(*totals)


def _seed_region(sandbox: Sandbox, region: str, rng: random.Random) -> list[int]:
    backend = sandbox.lambda_backend(region)
    layers = [layer for layer in DEMO_LAYERS if region in layer.regions]
    arns: dict[str, list[str]] = {}
    for index, layer in enumerate(DEMO_LAYERS):
        if layer not in layers:
            continue
        arns[layer.name] = [
            publish_layer_version(
                backend,
                layer.name,
                _archive(layer.make, version),
                created=_created(index, version, layer.versions),
                runtimes=layer.runtimes,
                architectures=layer.architectures,
                description=f"{layer.description} (build {version})",
                license_info=layer.license_info,
            ).arn
            for version in range(1, layer.versions + 1)
        ]
    vendor = {
        v.name: _vendor_arn(sandbox, v, region, DEMO_NOW - timedelta(days=40))
        for v in (DATADOG, INSIGHTS, INSIGHTS_ARM64)
    }
    functions = _seed_functions(sandbox, backend, region, rng, layers, arns, vendor)
    published = _publish_and_drift(backend, rng, functions, arns)
    deleted = 0
    for layer in layers:
        for version in layer.deleted:
            backend.delete_layer_version(layer.name, str(version))
            deleted += 1
    versions = sum(layer.versions for layer in layers) - deleted
    return [len(layers), versions, deleted, len(functions), published]


def _pick_version(rng: random.Random, count: int) -> int:
    roll = rng.random()
    if roll < 0.55 or count == 1:
        return count
    if roll < 0.85:
        return count - 1
    return rng.randint(1, count)


def _seed_functions(
    sandbox: Sandbox,
    backend: LambdaBackend,
    region: str,
    rng: random.Random,
    layers: list[DemoLayer],
    arns: dict[str, list[str]],
    vendor: dict[str, str],
) -> dict[str, tuple[str, str]]:
    """Creates the region's functions; returns name -> (runtime, primary layer name)."""
    created: dict[str, tuple[str, str]] = {}
    runtimes = [runtime for runtime, _ in RUNTIME_MIX]
    weights = [weight for _, weight in RUNTIME_MIX]
    if "ml-models" in arns:
        # The big layer's consumers, each with three layers.
        for name in ("sentiment-api", "sentiment-batch"):
            three = [arns["py-common"][-1], arns["ml-models"][0], vendor[DATADOG.name]]
            when = DEMO_NOW - timedelta(days=5 + len(created))
            create_function(
                backend,
                name,
                runtime="python3.12",
                role_arn=sandbox.execution_role_arn,
                layers=three,
                last_modified=when,
                memory_size=3008,
            )
            created[name] = ("python3.12", "py-common")
    while len(created) < FUNCTIONS_PER_REGION[region]:
        name = f"{rng.choice(_SERVICES)}-{rng.choice(_ROLES)}"
        if name in created:
            name = f"{name}-{rng.randint(2, 9)}"
            if name in created:
                continue
        runtime = rng.choices(runtimes, weights)[0]
        candidates = [
            layer for layer in layers
            if runtime in layer.runtimes and layer.name != "ml-models"
        ]  # fmt: skip
        chosen: list[str] = []
        architecture = "arm64" if rng.random() < 0.15 else "x86_64"
        primary = ""
        if candidates and rng.random() < 0.92:
            layer = rng.choice(candidates)
            primary = layer.name
            if layer.architectures == ("arm64",):
                architecture = "arm64"
            chosen.append(arns[layer.name][_pick_version(rng, layer.versions) - 1])
        if runtime == "python3.12" and architecture == "x86_64" and rng.random() < 0.3:
            chosen.append(vendor[DATADOG.name])
        if "otel-extension" in arns and architecture == "x86_64" and rng.random() < 0.12:
            chosen.append(arns["otel-extension"][-1])
        if rng.random() < 0.15:
            insights = INSIGHTS_ARM64 if architecture == "arm64" else INSIGHTS
            chosen.append(vendor[insights.name])
        when = DEMO_NOW - timedelta(days=rng.randint(1, 420), minutes=rng.randint(0, 1439))
        create_function(
            backend,
            name,
            runtime=runtime,
            role_arn=sandbox.execution_role_arn,
            layers=chosen,
            last_modified=when,
            architecture=architecture,
            memory_size=rng.choice((128, 256, 512, 1024)),
            description=f"{name.replace('-', ' ')} ({region})",
        )
        created[name] = (runtime, primary)
    return created


def _publish_and_drift(
    backend: LambdaBackend,
    rng: random.Random,
    functions: dict[str, tuple[str, str]],
    arns: dict[str, list[str]],
) -> int:
    """Publishes numbered versions of some functions, then repins some $LATESTs forward.

    The published versions keep the old layer versions, so older layer versions stay in use
    by published function versions only (what ``--latest-only`` would not see), and each such
    function's newest published version is what its alias ``prod`` points at.
    """
    published = 0
    for name, (_runtime, primary) in functions.items():
        if rng.random() >= 0.25:
            continue
        when = DEMO_NOW - timedelta(days=rng.randint(30, 200))
        last_published = None
        for _ in range(rng.randint(1, 3)):
            last_published = publish_function_version(backend, name, when) or last_published
            published += 1
            when += timedelta(days=rng.randint(1, 20))
        if last_published is not None:
            # No random draw here: the rest of the estate stays as it was seeded before.
            create_alias(backend, name, "prod", str(last_published.version))
        if primary and rng.random() < 0.6:
            current = [layer["Arn"] for layer in backend.get_function(name).layers]
            newest = arns[primary][-1]
            repinned = [
                newest if arn.rsplit(":", 1)[0] == newest.rsplit(":", 1)[0] else arn
                for arn in current
            ]
            if repinned != current:
                set_function_layers(backend, name, repinned, when)
    return published
