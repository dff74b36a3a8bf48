"""The sandbox answers AWS Config's SelectAggregateResourceConfig as Config does, over real HTTP.

Promises: every account the aggregator covers is answered (not only the caller's), in the
regions it covers only; at most 100 results a page with a NextToken that resumes; results are
JSON strings nested as Config nests them; an unknown aggregator, an unserved expression, a
limit past 100 and a forged token are refused with Config's error codes; a frozen index lags.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from config_estate import (
    AGGREGATOR,
    REGION,
    add_function,
    publish_layer,
    put_aggregator,
    serve_config,
)

from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.config_query import ConfigQuery


def _query(layer_arn: str, op: str = "=") -> str:
    return (
        "SELECT accountId, awsRegion, configuration.functionName, configuration.layers "
        f"WHERE resourceType = 'AWS::Lambda::Function' AND configuration.layers.arn {op} "
        f"'{layer_arn}'"
    )


def _select_all(config: Any, expression: str, limit: int = 100) -> tuple[list[dict], int]:
    results, pages, token = [], 0, None
    while True:
        extra = {"NextToken": token} if token else {}
        page = config.select_aggregate_resource_config(
            ConfigurationAggregatorName=AGGREGATOR, Expression=expression, Limit=limit, **extra
        )
        pages += 1
        assert len(page["Results"]) <= limit
        results.extend(json.loads(r) for r in page["Results"])
        token = page.get("NextToken")
        if not token:
            return results, pages


@pytest.fixture
def config_query(sandbox: Sandbox) -> ConfigQuery:
    return serve_config(sandbox)


def test_every_covered_account_answers_nested_as_config_sends_it(
    sandbox: Sandbox, config_query: ConfigQuery, second_account: str
) -> None:
    """Attack: a consumer in another account. Promise: the aggregator query finds it too, with
    its account, and the result is a JSON string of the selected properties, nested."""
    old, new = publish_layer(sandbox)
    add_function(sandbox.account_id, "home-fn", [old])
    add_function(second_account, "workload-fn", [old, new])
    add_function(second_account, "elsewhere", [new])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    config = sandbox.client("config", REGION)
    page = config.select_aggregate_resource_config(
        ConfigurationAggregatorName=AGGREGATOR, Expression=_query(old), Limit=100
    )
    assert [f["Name"] for f in page["QueryInfo"]["SelectFields"]] == [
        "accountId", "awsRegion", "configuration.functionName", "configuration.layers"
    ]
    found = sorted((json.loads(r) for r in page["Results"]), key=lambda r: r["accountId"])
    by_account = {r["accountId"]: r for r in found}
    assert set(by_account) == {sandbox.account_id, second_account}
    assert by_account[second_account]["configuration"]["functionName"] == "workload-fn"
    layers = by_account[second_account]["configuration"]["layers"]
    assert [layer["arn"] for layer in layers] == [old, new]
    assert by_account[second_account]["awsRegion"] == REGION
    assert "resourceType" not in by_account[second_account]  # not selected, not sent


def test_accounts_outside_the_aggregator_are_not_answered(
    sandbox: Sandbox, config_query: ConfigQuery, second_account: str
) -> None:
    """Attack: a function in an account the aggregator does not cover. Promise: unseen."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(second_account, "not-aggregated", [old])
    add_function(sandbox.account_id, "home-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id])
    results, _ = _select_all(sandbox.client("config", REGION), _query(old))
    assert [r["configuration"]["functionName"] for r in results] == ["home-fn"]


def test_regions_outside_the_aggregator_are_not_answered(
    sandbox: Sandbox, config_query: ConfigQuery
) -> None:
    """Attack: a function in a region the aggregator lacks. Promise: unseen."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "in-region", [old])
    add_function(sandbox.account_id, "far-away", [], region="eu-north-1")
    put_aggregator(sandbox, [sandbox.account_id], regions=[REGION])
    results, _ = _select_all(sandbox.client("config", REGION), "SELECT resourceName WHERE "
                             "resourceType = 'AWS::Lambda::Function'")
    assert [r["resourceName"] for r in results] == ["in-region"]


def test_pages_hold_at_most_100_and_the_token_resumes(
    sandbox: Sandbox, config_query: ConfigQuery
) -> None:
    """Attack: 230 consumers. Promise: pages of 100, 100, 30, every one seen exactly once."""
    (old,) = publish_layer(sandbox, versions=1)
    for index in range(230):
        add_function(sandbox.account_id, f"fn-{index:03d}", [old])
    put_aggregator(sandbox, [sandbox.account_id])
    config = sandbox.client("config", REGION)
    results, pages = _select_all(config, _query(old))
    assert pages == 3
    names = [r["configuration"]["functionName"] for r in results]
    assert sorted(names) == [f"fn-{index:03d}" for index in range(230)]
    with pytest.raises(ClientError) as refused:
        config.select_aggregate_resource_config(
            ConfigurationAggregatorName=AGGREGATOR, Expression=_query(old), Limit=101
        )
    assert refused.value.response["Error"]["Code"] == "InvalidLimitException"
    with pytest.raises(ClientError) as forged:
        config.select_aggregate_resource_config(
            ConfigurationAggregatorName=AGGREGATOR, Expression=_query(old), NextToken="abc"
        )
    assert forged.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_like_finds_every_version_of_a_layer(sandbox: Sandbox, config_query: ConfigQuery) -> None:
    """Attack: consumers of different versions. Promise: LIKE 'layer:%' finds them all and no
    other layer's (the prefix is not matched as a regular expression)."""
    old, new = publish_layer(sandbox, "otel")
    (other,) = publish_layer(sandbox, "otel-extra", versions=1)
    add_function(sandbox.account_id, "uses-old", [old])
    add_function(sandbox.account_id, "uses-new", [new])
    add_function(sandbox.account_id, "uses-other", [other])
    put_aggregator(sandbox, [sandbox.account_id])
    layer_arn = old.rsplit(":", 1)[0]
    results, _ = _select_all(sandbox.client("config", REGION), _query(f"{layer_arn}:%", "LIKE"))
    assert sorted(r["configuration"]["functionName"] for r in results) == ["uses-new", "uses-old"]


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("SELECT accountId WHERE resourceType = 'a' OR resourceType = 'b'", "OR"),
        ("SELECT * WHERE resourceType = 'AWS::Lambda::Function'", "'*'"),
        ("SELECT COUNT(*) WHERE resourceType = 'AWS::Lambda::Function'", "COUNT"),
        ("SELECT accountId WHERE resourceType != 'x'", "'!='"),
        ("SELECT secrets WHERE resourceType = 'AWS::Lambda::Function'", "'secrets'"),
    ],
)
def test_an_unserved_expression_is_refused_naming_what(
    sandbox: Sandbox, config_query: ConfigQuery, expression: str, named: str
) -> None:
    """Attack: a query the sandbox does not understand. Promise: InvalidExpressionException
    naming the part, never an answer that could be wrong."""
    put_aggregator(sandbox, [sandbox.account_id])
    with pytest.raises(ClientError) as refused:
        sandbox.client("config", REGION).select_aggregate_resource_config(
            ConfigurationAggregatorName=AGGREGATOR, Expression=expression
        )
    assert refused.value.response["Error"]["Code"] == "InvalidExpressionException"
    assert named in refused.value.response["Error"]["Message"]


def test_an_unknown_aggregator_is_refused(sandbox: Sandbox, config_query: ConfigQuery) -> None:
    """Attack: a name no aggregator has. Promise: NoSuchConfigurationAggregatorException."""
    with pytest.raises(ClientError) as refused:
        sandbox.client("config", REGION).select_aggregate_resource_config(
            ConfigurationAggregatorName="nope", Expression=_query("x")
        )
    assert refused.value.response["Error"]["Code"] == "NoSuchConfigurationAggregatorException"


def test_a_frozen_index_lags_until_thawed(sandbox: Sandbox, config_query: ConfigQuery) -> None:
    """Attack: a consumer added after Config's last recording. Promise: the frozen index does
    not see it (as Config lags), the thawed one does."""
    (old,) = publish_layer(sandbox, versions=1)
    put_aggregator(sandbox, [sandbox.account_id])
    config = sandbox.client("config", REGION)
    config_query.freeze()
    add_function(sandbox.account_id, "added-later", [old])
    assert _select_all(config, _query(old))[0] == []
    config_query.thaw()
    results, _ = _select_all(config, _query(old))
    assert [r["configuration"]["functionName"] for r in results] == ["added-later"]
