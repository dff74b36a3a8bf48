"""Test helpers for the Config index: functions in a second account, and an aggregator.

moto keeps its state per account for the whole process; the second account here is a random
one that ``forget`` wipes, so no other test ever sees it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.core.base_backend import BackendDict, backend_lock
from moto.iam.models import iam_backends

from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.archives import ArchiveBuilder
from layer_tui.sandbox.backends import create_function, publish_layer_version
from layer_tui.sandbox.config_query import ConfigQuery
from layer_tui.sandbox.server import EXECUTION_ROLE_NAME, random_account_id

REGION = "eu-west-1"
AGGREGATOR = "org-lambda"
SEEDED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def serve_config(sandbox: Sandbox) -> ConfigQuery:
    """The sandbox's Config query interceptor (every sandbox serves one)."""
    query: ConfigQuery = sandbox.config_index
    return query


def publish_layer(sandbox: Sandbox, name: str = "otel", versions: int = 2) -> list[str]:
    backend = sandbox.lambda_backend(REGION)
    archive = ArchiveBuilder().add(f"python/{name}/__init__.py", "X = 1\n").build()
    return [
        publish_layer_version(backend, name, archive, created=SEEDED_AT).arn
        for _ in range(versions)
    ]


def other_account() -> str:
    """A second account with the execution role its functions need."""
    account = random_account_id()
    iam_backends[account]["aws"].create_role(
        role_name=EXECUTION_ROLE_NAME, assume_role_policy_document=_TRUST, path="/",
        permissions_boundary=None, description="", tags=[], max_session_duration=None,
    )  # fmt: skip
    return account


def add_function(account: str, name: str, layers: list[str], region: str = REGION) -> None:
    backend = lambda_backends[account][region]
    create_function(
        backend, name, runtime="python3.12",
        role_arn=f"arn:aws:iam::{account}:role/{EXECUTION_ROLE_NAME}",
        layers=layers, last_modified=SEEDED_AT,
    )  # fmt: skip


def forget(account: str) -> None:
    with backend_lock:
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            backends.pop(account, None)


def put_aggregator(
    sandbox: Sandbox, accounts: list[str] | None = None, regions: list[str] | None = None,
    name: str = AGGREGATOR, region: str = REGION,
) -> None:
    """An aggregator over ``accounts`` (None: the organization), in ``regions`` (None: all)."""
    where: dict[str, Any] = {"AwsRegions": regions} if regions else {"AllAwsRegions": True}
    config = sandbox.client("config", region)
    if accounts is None:
        config.put_configuration_aggregator(
            ConfigurationAggregatorName=name,
            OrganizationAggregationSource={
                "RoleArn": f"arn:aws:iam::{sandbox.account_id}:role/config-aggregator", **where
            },
        )
    else:
        config.put_configuration_aggregator(
            ConfigurationAggregatorName=name,
            AccountAggregationSources=[{"AccountIds": accounts, **where}],
        )
