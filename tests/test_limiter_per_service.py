"""Each AWS service gets its own request budget per account and region, as AWS counts them.

Attack: the client-side limiter was one bucket per (account, region) for every service, so the
Config index's queries (or STS, or S3 reads) spent the tokens Lambda's ListFunctions chain
waits for: `--index config:…` slowed the scan it only completes. Promise: a Config call takes
a token from Config's bucket and leaves Lambda's full.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from layer_tui.aws.session import AwsSession, SessionConfig, limiter_for
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"
#: One token per 20 s: a shared bucket would be empty for the rest of the test.
RATE = 0.05


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        yield started


def test_config_calls_leave_lambdas_tokens_alone(box: Sandbox) -> None:
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=RATE))
    session.client("config", REGION).describe_configuration_aggregators()
    account = session.account_id()
    config_bucket = limiter_for(account, REGION, RATE, "config")
    lambda_bucket = limiter_for(account, REGION, RATE, "lambda")
    assert config_bucket is not lambda_bucket
    assert config_bucket._tokens < 0.5  # the Config call was counted, in Config's bucket
    assert lambda_bucket._tokens > 0.9  # and Lambda's is still full
