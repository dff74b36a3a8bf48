"""Large synthetic estates for benchmarks: many regions, functions, layers and versions.

Content is deliberately small (one tiny zip per layer version): benchmarks measure the app's
scanning and indexing, not zip building. Seeded, so two runs build the same estate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from moto.awslambda.models import LambdaBackend

from layer_tui.sandbox.archives import ArchiveBuilder
from layer_tui.sandbox.backends import (
    create_alias,
    create_function,
    publish_function_version,
    publish_layer_version,
    set_function_layers,
)
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.sandbox.server import Sandbox

#: Enough real region names for the largest benchmark estate (all enabled by default).
ESTATE_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-south-1", "ca-central-1", "sa-east-1",
)  # fmt: skip

_RUNTIMES = ("python3.12", "python3.11", "nodejs20.x", "nodejs18.x", "python3.9")


@dataclass(frozen=True)
class EstateSummary:
    regions: tuple[str, ...]
    layers: int
    layer_versions: int
    functions: int


def estate_sandbox(regions: int = 8) -> Sandbox:
    """An unstarted sandbox whose enabled regions are the first ``regions`` of ESTATE_REGIONS."""
    if not 1 <= regions <= len(ESTATE_REGIONS):
        raise ValueError(f"regions must be between 1 and {len(ESTATE_REGIONS)}")
    return Sandbox(regions=ESTATE_REGIONS[:regions])


def _layer_archive(region: str, layer: str, version: int) -> bytes:
    return (
        ArchiveBuilder()
        .add(f"python/{layer.replace('-', '_')}/__init__.py", f"VERSION = {version}\n")
        .add(f"python/{layer.replace('-', '_')}/REGION", region)
        .build()
    )


def seed_estate(
    sandbox: Sandbox,
    regions: int | None = None,
    functions_per_region: int = 200,
    layers_per_region: int = 10,
    versions_per_layer: int = 5,
    seed: int = 0,
    published: float = 0.0,
) -> EstateSummary:
    """Seeds the first ``regions`` enabled regions of ``sandbox`` (all of them by default).

    Each function uses one or two of its region's layers at a random version (so most
    versions have consumers and a few have none). A ``published`` share of the functions also
    get one or two published versions, alias ``prod`` on the newest, and then a $LATEST moved
    to other layer versions: what ``--latest-only`` does not see, and what aliases cost.
    """
    enabled = sandbox.regions.enabled
    count = len(enabled) if regions is None else regions
    if count > len(enabled):
        raise ValueError(f"the sandbox has {len(enabled)} enabled regions, not {count}")
    chosen_regions = enabled[:count]
    for region in chosen_regions:
        rng = random.Random(f"estate {seed} {region}")
        # Its own stream: an estate with published versions has the same functions as one
        # without.
        publishing = random.Random(f"estate {seed} {region} published")
        backend = sandbox.lambda_backend(region)
        arns: list[list[str]] = []
        for index in range(layers_per_region):
            name = f"layer-{index:03d}"
            arns.append(
                [
                    publish_layer_version(
                        backend,
                        name,
                        _layer_archive(region, name, version),
                        created=DEMO_NOW - timedelta(days=versions_per_layer - version),
                        runtimes=("python3.12", "python3.11"),
                        architectures=("x86_64",),
                        description=f"{name} build {version}",
                    ).arn
                    for version in range(1, versions_per_layer + 1)
                ]
            )
        for index in range(functions_per_region):
            layers: list[str] = []
            if arns:
                for layer_arns in rng.sample(arns, k=min(len(arns), rng.choice((1, 1, 2)))):
                    layers.append(rng.choice(layer_arns))
            name = f"fn-{index:05d}"
            when = DEMO_NOW - timedelta(minutes=index)
            create_function(
                backend,
                name,
                runtime=rng.choice(_RUNTIMES),
                role_arn=sandbox.execution_role_arn,
                layers=layers,
                last_modified=when,
            )
            if published and layers and publishing.random() < published:
                _publish_some(backend, name, publishing, arns, when)
    return EstateSummary(
        regions=chosen_regions,
        layers=count * layers_per_region,
        layer_versions=count * layers_per_region * versions_per_layer,
        functions=count * functions_per_region,
    )


def _publish_some(
    backend: LambdaBackend, name: str, rng: random.Random, arns: list[list[str]], when: datetime
) -> None:
    last = None
    for _ in range(rng.choice((1, 2))):
        last = publish_function_version(backend, name, when) or last
    if last is not None:
        create_alias(backend, name, "prod", str(last.version))
    # $LATEST moves on; the published versions keep the layer versions they had.
    moved = [rng.choice(layer_arns) for layer_arns in rng.sample(arns, k=1)]
    set_function_layers(backend, name, moved, when)
