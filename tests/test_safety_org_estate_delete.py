"""Delete safety on the sandbox organization, through the real ``--org`` sessions.

Promise (issue 16): with every account of the organization resolved by ``--org`` (assumed
roles), a platform version used only from a workload account cannot be deleted with a plain
confirmation; the refusal names the workload account (id and name) and its function, and the
member whose role is missing as an account that could not be checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layer_tui.aws.accounts import resolve_accounts
from layer_tui.aws.delete_check import DeleteAssessment, DeleteCheckChanged
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox.org_estate import SHARED_REGION, SharedLayers


def test_a_platform_version_used_only_by_a_workload_is_not_deleted_on_a_plain_confirm(
    org_estate: SharedLayers, tmp_path: Path
) -> None:
    """Attack: otel:2 lives in platform, and only orders' ``orders-worker`` (and its
    published version behind alias ``live``) uses it; platform's own scan sees no consumer.
    The operator, in the management account with ``--org``, confirms plainly. Promise:
    nothing is deleted; the refusal names orders-worker in the orders account and says the
    legacy account (role missing) could not be checked."""
    sandbox = org_estate.sandbox
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(SHARED_REGION,),
                           org=True, rate_per_second=500.0)
    accounts = resolve_accounts(config)
    ops = LayerOperations(AwsSession(config), Journal(tmp_path / "journal.jsonl"),
                          tmp_path / "backups", accounts=accounts)
    platform, orders, legacy = (org_estate.account(name)
                                for name in ("platform", "orders", "legacy"))
    platform_session = accounts.get(platform)
    assert platform_session is not None
    region = scan_region(platform_session, SHARED_REGION)
    otel = next(layer for layer in region.layers if layer.name == "otel")
    version = next(v for v in otel.versions if v.version == 2)
    assert version.consumers == ()  # the platform account alone sees no one

    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version, DeleteAssessment(version.arn, live=True))

    message = str(refused.value)
    assert f"orders-worker ($LATEST) in account {orders} (orders)" in message
    assert f"orders-worker:1 (alias live) in account {orders} (orders)" in message
    assert f"could not check account {legacy} (legacy)" in message
    listed = platform_session.client("lambda", SHARED_REGION).list_layer_versions(
        LayerName="otel")["LayerVersions"]
    assert sorted(v["Version"] for v in listed) == [1, 2]
