"""Seeding straight into moto's in-process backends: no HTTP, no base64 round trips.

The demo must start in under 3 seconds with a 50 MB layer and 150 functions, so seeds build
moto's model objects directly and hand them their precomputed digests.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from moto.awslambda.models import LambdaBackend, LambdaFunction, Layer, LayerVersion

from layer_tui.sandbox.archives import ArchiveBuilder

_AWS_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"


def aws_timestamp(moment: datetime) -> str:
    """Lambda's timestamp format (CreatedDate, LastModified): ``2026-11-20T09:00:00.000+0000``."""
    return moment.astimezone(UTC).strftime(_AWS_TIME)


@functools.lru_cache(maxsize=64)
def _digests(archive: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(archive)
    return base64.b64encode(digest.digest()).decode(), digest.hexdigest()


def publish_layer_version(
    backend: LambdaBackend,
    name: str,
    archive: bytes,
    *,
    created: datetime,
    runtimes: Sequence[str] = (),
    architectures: Sequence[str] = (),
    description: str = "",
    license_info: str = "",
    version: int | None = None,
) -> LayerVersion:
    """Publishes ``archive`` as the next version of ``name`` (or exactly ``version``).

    With ``version`` given the call is idempotent: an existing version is returned as it is
    (vendors' layers live in accounts that several sandboxes in one process share).
    """
    storage = backend._layers
    existing = storage._layers.get(name)
    if version is not None and existing is not None and str(version) in existing.layer_versions:
        return existing.layer_versions[str(version)]
    spec = {
        "LayerName": name,
        "Content": {"ZipFile": ""},
        "Description": description,
        "CompatibleRuntimes": list(runtimes),
        "CompatibleArchitectures": list(architectures),
        "LicenseInfo": license_info,
    }
    layer_version = LayerVersion(  # type: ignore[abstract]  # moto's CloudFormation mixin
        spec, account_id=backend.account_id, region=backend.region_name
    )
    layer_version.code_bytes = archive
    layer_version.code_size = len(archive)
    layer_version.code_sha_256, layer_version.code_digest = _digests(archive)
    layer_version.created_date = aws_timestamp(created)
    if name not in storage._layers:
        storage._layers[name] = Layer(layer_version)
    layer = storage._layers[name]
    if version is not None:
        # Layer versions are numbered by AWS; a vendor's layer is far past version 1.
        layer._latest_version = max(layer._latest_version, version - 1)
    layer.attach_version(layer_version)
    return layer_version


def grant_public_read(layer_version: LayerVersion) -> None:
    """What vendors do: AddLayerVersionPermission for principal ``*``."""
    if layer_version.policy.statements:
        return
    layer_version.policy.statements.append(
        {
            "Sid": "public-read",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "lambda:GetLayerVersion",
            "Resource": layer_version.arn,
        }
    )


@functools.cache
def handler_archive(runtime: str) -> bytes:
    """The (tiny) function code every seeded function of a runtime family shares."""
    builder = ArchiveBuilder()
    if runtime.startswith("python"):
        builder.add("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    elif runtime.startswith("nodejs"):
        builder.add("index.mjs", "export const handler = async () => ({ ok: true });\n")
    else:
        builder.add("bootstrap", b"#!/bin/sh\nexec ./handler\n", executable=True)
    return builder.build()


def handler_name(runtime: str) -> str:
    if runtime.startswith("python"):
        return "app.handler"
    if runtime.startswith("nodejs"):
        return "index.handler"
    return "bootstrap"


def create_function(
    backend: LambdaBackend,
    name: str,
    *,
    runtime: str,
    role_arn: str,
    layers: Sequence[str],
    last_modified: datetime,
    architecture: str = "x86_64",
    memory_size: int = 256,
    description: str = "",
) -> LambdaFunction:
    code = base64.b64encode(handler_archive(runtime)).decode()
    function = backend.create_function(
        {
            "FunctionName": name,
            "Runtime": runtime,
            "Role": role_arn,
            "Handler": handler_name(runtime),
            "Code": {"ZipFile": code},
            "Layers": list(layers),
            "Architectures": [architecture],
            "MemorySize": memory_size,
            "Timeout": 30,
            "Description": description,
        }
    )
    function.last_modified = aws_timestamp(last_modified)
    return function


def publish_function_version(
    backend: LambdaBackend, name: str, published: datetime
) -> LambdaFunction | None:
    """Publishes $LATEST of ``name`` as a new numbered version (layers frozen with it)."""
    latest = backend.get_function(name)
    latest.code_or_config_updated = True
    version = backend.publish_version(name)
    if version is not None:
        version.last_modified = aws_timestamp(published)
    return version


def create_alias(
    backend: LambdaBackend,
    function_name: str,
    name: str,
    version: str,
    *,
    weights: dict[str, float] | None = None,
) -> None:
    """CreateAlias in-process; ``weights`` (version → share) is the alias's RoutingConfig."""
    routing = {"AdditionalVersionWeights": weights} if weights else None
    backend.create_alias(
        name=name,
        function_name=function_name,
        function_version=version,
        description="",
        routing_config=routing,  # type: ignore[arg-type]  # moto annotates it as str
    )


def set_function_layers(
    backend: LambdaBackend, name: str, layers: Sequence[str], updated: datetime
) -> None:
    """UpdateFunctionConfiguration(Layers=...) on $LATEST, in-process."""
    latest = backend.get_function(name)
    latest.update_configuration({"Layers": list(layers)})
    latest.last_modified = aws_timestamp(updated)
