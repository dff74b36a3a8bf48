"""ConfigIndex: consumers of a layer version across accounts, from an AWS Config aggregator.

Promises: consumers in other accounts come back with their account (from the result, not the
caller's); the answer says when it is "as of"; a missing aggregator and a region it lacks are
one clear line (the aggregator read once); pages are followed and the reading is bounded;
LIKE's wildcard in a layer name never adds another layer's consumers; an ARN that would break
out of the query's quotes is refused before anything is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from config_estate import (
    REGION,
    SEEDED_AT,
    add_function,
    publish_layer,
    put_aggregator,
    serve_config,
)

from layer_tui.aws import config_index
from layer_tui.aws.config_index import ConfigIndex, ConfigIndexError
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.index_option import parse_index_option
from layer_tui.sandbox import ApiCall, ApiReply, Interceptor, Sandbox
from layer_tui.sandbox.calls import error_reply

ASKED_AT = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def _index(sandbox: Sandbox, name: str = "org-lambda") -> ConfigIndex:
    serve_config(sandbox)
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,)))
    return ConfigIndex(session, name)


def test_consumers_in_other_accounts_carry_their_account_and_the_time(
    sandbox: Sandbox, second_account: str
) -> None:
    """Attack: the version's only other user lives in another account. Promise: it is a
    consumer, its ARN names its own account, and the answer is as of Config's capture time."""
    old, new = publish_layer(sandbox)
    add_function(sandbox.account_id, "home-fn", [new])
    add_function(second_account, "workload-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    answer = _index(sandbox).consumers_of(old)
    assert [(f.account, f.function, f.version) for f in answer.consumers] == [
        (second_account, "workload-fn", "$LATEST")
    ]
    workload_fn = f"arn:aws:lambda:{REGION}:{second_account}:function:workload-fn"
    assert answer.consumers[0].arn == workload_fn
    assert answer.consumers[0].layers == (old,)
    assert answer.as_of == SEEDED_AT
    assert answer.source == "from AWS Config, as of 2026-11-20 09:00 UTC"


@pytest.mark.frozen_clock(ASKED_AT)
def test_an_empty_answer_is_as_of_the_query(sandbox: Sandbox) -> None:
    """Attack: nobody uses it. Promise: "as of" is when we asked, not some stale moment."""
    (old,) = publish_layer(sandbox, versions=1)
    put_aggregator(sandbox, [sandbox.account_id])
    answer = _index(sandbox).consumers_of(old)
    assert answer.consumers == () and answer.as_of == ASKED_AT


def test_a_missing_aggregator_is_one_line_and_read_once(sandbox: Sandbox) -> None:
    """Attack: --index names an aggregator that does not exist. Promise: one line naming it and
    the region and what to do, and no query is sent."""
    (old,) = publish_layer(sandbox, versions=1)
    index = _index(sandbox, "no-such")
    with pytest.raises(ConfigIndexError) as refused:
        index.consumers_of(old)
    line = str(refused.value)
    assert "\n" not in line and "'no-such'" in line and REGION in line and "--index" in line
    assert sandbox.stats.calls("SelectAggregateResourceConfig") == 0


def test_the_aggregator_is_read_once_for_many_questions(sandbox: Sandbox) -> None:
    """Attack: a hundred questions. Promise: one DescribeConfigurationAggregators."""
    old, new = publish_layer(sandbox)
    put_aggregator(sandbox, [sandbox.account_id])
    index = _index(sandbox)
    for arn in (old, new, old):
        index.consumers_of(arn)
    assert sandbox.stats.calls("DescribeConfigurationAggregators") == 1
    assert sandbox.stats.calls("SelectAggregateResourceConfig") == 3


def test_a_region_the_aggregator_lacks_is_one_line(sandbox: Sandbox) -> None:
    """Attack: the aggregator collects eu-north-1 only; the version is in eu-west-1. Promise:
    one line saying so (never "no consumers"), and no query sent."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id], regions=["eu-north-1"])
    with pytest.raises(ConfigIndexError) as refused:
        _index(sandbox).consumers_of(old)
    line = str(refused.value)
    assert "does not collect eu-west-1" in line and "eu-north-1" in line and "\n" not in line
    assert sandbox.stats.calls("SelectAggregateResourceConfig") == 0


def test_a_long_answer_is_read_whole_in_slices_and_bounded(
    sandbox: Sandbox, second_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: 230 consumers in two accounts (more than two pages). Promise: every one read,
    in slices by account id read side by side; with a bound too small for them, the answer
    says it holds only the first ones instead of passing for the whole truth."""
    (old,) = publish_layer(sandbox, versions=1)
    for number in range(130):
        add_function(sandbox.account_id, f"fn-{number:03d}", [old])
    for number in range(100):
        add_function(second_account, f"wl-{number:03d}", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    index = _index(sandbox)
    answer = index.consumers_of(old)
    assert len(answer.consumers) == 230 and answer.complete
    assert {f.account for f in answer.consumers} == {sandbox.account_id, second_account}
    monkeypatch.setattr(config_index, "MAX_PAGES", 10)  # one page a slice
    bounded = index.consumers_of(old)
    assert len(bounded.consumers) < 230 and not bounded.complete
    assert bounded.source.endswith(f"(first {len(bounded.consumers)} only)")


class _RefuseSlices(Interceptor):
    """A Config that does not take LIKE on accountId."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation == "SelectAggregateResourceConfig" and b"accountId LIKE" in call.body:
            return error_reply(call, 400, "InvalidExpressionException", "not here")
        return None


def test_a_config_refusing_slices_is_paged_one_by_one(sandbox: Sandbox) -> None:
    """Attack: Config refuses the sliced form. Promise: the pages are followed in turn, every
    consumer still found, and no error reaches the user."""
    (old,) = publish_layer(sandbox, versions=1)
    for number in range(230):
        add_function(sandbox.account_id, f"fn-{number:03d}", [old])
    put_aggregator(sandbox, [sandbox.account_id])
    index = _index(sandbox)
    sandbox.add_interceptor(_RefuseSlices(), first=True)
    assert len(index.consumers_of(old).consumers) == 230


def test_like_wildcards_in_a_layer_name_add_no_other_layer(sandbox: Sandbox) -> None:
    """Attack: layer ``a_b`` and layer ``aXb`` (LIKE's ``_`` matches any character). Promise:
    every version of ``a_b`` is found, ``aXb``'s consumer is not."""
    one, two = publish_layer(sandbox, "a_b")
    (lookalike,) = publish_layer(sandbox, "aXb", versions=1)
    add_function(sandbox.account_id, "uses-one", [one])
    add_function(sandbox.account_id, "uses-two", [two])
    add_function(sandbox.account_id, "uses-lookalike", [lookalike])
    put_aggregator(sandbox, [sandbox.account_id])
    answer = _index(sandbox).consumers_of_layer(one.rsplit(":", 1)[0])
    assert [f.function for f in answer.consumers] == ["uses-one", "uses-two"]


def test_an_arn_that_would_break_the_query_is_refused_before_sending(sandbox: Sandbox) -> None:
    """Attack: a quote in the "ARN" (``... = 'x' OR ...``). Promise: refused, nothing sent."""
    put_aggregator(sandbox, [sandbox.account_id])
    index = _index(sandbox)
    hostile = f"arn:aws:lambda:{REGION}:{sandbox.account_id}:layer:x:1' OR resourceName = 'y"
    with pytest.raises(ConfigIndexError):
        index.consumers_of(hostile)
    assert sandbox.stats.calls("SelectAggregateResourceConfig") == 0


@pytest.mark.parametrize(
    ("option", "parsed"),
    [("config:org-lambda", ("org-lambda", None)),
     ("config:org_1@eu-central-1", ("org_1", "eu-central-1"))],
)
def test_the_index_option_is_parsed(option: str, parsed: tuple[str, str | None]) -> None:
    assert parse_index_option(option) == parsed


@pytest.mark.parametrize("option", ["config:", "dynamo:x", "config:a b", "config:x@nowhere"])
def test_a_bad_index_option_is_one_line(option: str) -> None:
    """Attack: an index the app does not know. Promise: one line saying the form to give."""
    with pytest.raises(ValueError, match="config:AGGREGATOR_NAME"):
        parse_index_option(option)
