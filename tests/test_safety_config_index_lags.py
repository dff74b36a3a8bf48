"""The Config index completes what a scan shows, and never decides a change.

Promises: with ``--index``, a version's consumers include the functions Config knows in
accounts the scan did not read, each marked "from AWS Config" with its "as of" time; a function
of a scanned account is the scan's (Config's older recording of it is dropped); and when the
index lags and says "unused" while a live function uses the version, a delete confirmed
plainly is refused by the live re-check and the version stays.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from config_estate import (
    REGION,
    add_function,
    publish_layer,
    put_aggregator,
    serve_config,
)

from layer_tui.aws.config_index import ConfigIndex
from layer_tui.aws.delete_check import DeleteAssessment, DeleteCheckChanged, assess_delete
from layer_tui.aws.index_consumers import IndexedConsumer, region_answer, with_index
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import LayerVersion, RegionInventory
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox


def _session(sandbox: Sandbox) -> AwsSession:
    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0))


def _version(region: RegionInventory, arn: str) -> LayerVersion:
    return next(v for layer in region.layers for v in layer.versions if v.arn == arn)


def test_consumers_in_unscanned_accounts_are_shown_as_the_index_s(
    sandbox: Sandbox, second_account: str
) -> None:
    """Attack: the version's only user is in an account the scan does not read. Promise: it is
    listed among the consumers, marked from AWS Config with its time, in JSON too."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(second_account, "workload-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    serve_config(sandbox)
    session = _session(sandbox)
    scanned = scan_region(session, REGION)
    assert _version(scanned, old).consumers == ()
    index = ConfigIndex(session, "org-lambda")
    merged = with_index(scanned, region_answer(index, scanned, sandbox.account_id))
    (consumer,) = _version(merged, old).consumers
    assert isinstance(consumer, IndexedConsumer) and consumer.account == second_account
    shape = consumer.to_json()
    assert shape["from"] == "AWS Config" and shape["as_of"] == "2026-11-20T09:00:00Z"
    assert shape["arn"] == f"arn:aws:lambda:{REGION}:{second_account}:function:workload-fn"
    # A plain confirmation is not enough for a version someone may use.
    assert DeleteAssessment.from_cache(_version(merged, old)).needs_typed_name


def test_a_scanned_function_is_the_scan_s_not_the_index_s(sandbox: Sandbox) -> None:
    """Attack: Config recorded the function on v1; it has moved to v2 since. Promise: the scan
    (which read it now) decides: v1 is not shown as used by it."""
    old, new = publish_layer(sandbox)
    add_function(sandbox.account_id, "moved", [old])
    put_aggregator(sandbox, [sandbox.account_id])
    query = serve_config(sandbox)
    query.freeze()
    sandbox.lambda_backend(REGION).update_function_configuration(
        "moved", "$LATEST", {"Layers": [new]}
    )
    session = _session(sandbox)
    scanned = scan_region(session, REGION)
    answer = region_answer(ConfigIndex(session, "org-lambda"), scanned, sandbox.account_id)
    assert [f.layers for f in answer.consumers] == [(old,)]  # the index lags
    merged = with_index(scanned, answer)
    assert _version(merged, old).consumers == ()
    assert [f.function for f in _version(merged, new).consumers] == ["moved"]


def test_a_lagging_index_saying_unused_does_not_let_a_plain_delete_through(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Attack: Config recorded nobody on the version, the scan is older, and then a function
    attached it. The inventory shows "unused" and the user confirms plainly. Promise: the live
    re-check finds the function, asks for the typed name, and nothing is deleted."""
    (old,) = publish_layer(sandbox, versions=1)
    put_aggregator(sandbox, [sandbox.account_id])
    query = serve_config(sandbox)
    query.freeze()
    session = _session(sandbox)
    scanned = scan_region(session, REGION)
    merged = with_index(scanned, region_answer(
        ConfigIndex(session, "org-lambda"), scanned, sandbox.account_id
    ))
    shown = _version(merged, old)
    assert shown.consumers == ()  # what the screen says: unused
    add_function(sandbox.account_id, "attached-since", [old])
    live = assess_delete(session, Journal(tmp_path / "journal.jsonl"), shown)
    assert live.needs_typed_name
    assert [f.function for f in live.consumers] == ["attached-since"]
    operations = LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "b")
    with pytest.raises(DeleteCheckChanged) as refused:
        operations.delete_layer_version(shown, DeleteAssessment.from_cache(shown))
    assert "attached-since" in str(refused.value)
    lam = sandbox.client("lambda", REGION)
    assert lam.get_layer_version_by_arn(Arn=old)["LayerVersionArn"] == old


def test_a_repin_of_the_index_s_consumers_reads_each_live_and_sends_nothing_unreachable(
    sandbox: Sandbox, second_account: str, tmp_path: Path
) -> None:
    """Attack: the repin dialog offers every consumer the screen lists, the index's too: one
    in an account no session reaches, and one Config still has on the old version though it
    moved since. Promise: each is read live; the unreachable one is blocked with why and
    nothing is sent to it, the moved one has nothing to change, and neither is updated."""
    old, new = publish_layer(sandbox)
    add_function(second_account, "workload-fn", [old])
    add_function(sandbox.account_id, "moved", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    query = serve_config(sandbox)
    query.freeze()
    sandbox.lambda_backend(REGION).update_function_configuration(
        "moved", "$LATEST", {"Layers": [new]}
    )
    session = _session(sandbox)
    answer = ConfigIndex(session, "org-lambda").consumers_of(old)
    assert sorted(f.function for f in answer.consumers) == ["moved", "workload-fn"]
    operations = LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "b")
    plan = plan_repin(operations, REGION, new, [f.arn for f in answer.consumers])
    unreachable = next(item for item in plan.items if item.account == second_account)
    assert unreachable.blocked and "nothing was sent" in unreachable.blocked
    moved = next(item for item in plan.items if "moved" in item.function)
    assert moved.current_layers == (new,) and not moved.changes
    assert sandbox.stats.calls("UpdateFunctionConfiguration") == 0
