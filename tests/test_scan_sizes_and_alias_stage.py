"""A scan asks AWS only what the listing does not already say, and shows counts before labels.

The attacks (on cost, not on safety): an estate where most layer versions are used by some
function, scanned cold. The promises tested here, against the sandbox over real HTTP:

- a consumed version's size comes from ListFunctions' ``Layers[{Arn, CodeSize}]``: the sandbox
  counts no GetLayerVersion for it, only one for each version no function uses, and every size
  is still AWS's (GetLayerVersion's CodeSize);
- aliases are labels, so a region's consumer counts are reported first (stage "aliases", the
  published consumer counted, its alias not yet named) and the labels fill in after ("done");
- the delete check still reads the aliases live for the version it checks.
"""

from __future__ import annotations

from typing import Any

import pytest

from layer_tui.aws.delete_check import region_consumers
from layer_tui.aws.inventory import ScanProgress, scan_region
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.archives import ArchiveBuilder

REGION = "eu-west-1"


def _publish(lam: Any, name: str, marker: str) -> str:
    archive = ArchiveBuilder().add(f"python/{name}/__init__.py", f"M = {marker!r}\n").build()
    return str(lam.publish_layer_version(LayerName=name, Content={"ZipFile": archive})[
        "LayerVersionArn"])


def _function(sandbox: Sandbox, name: str, layers: list[str]) -> None:
    sandbox.client("lambda", REGION).create_function(
        FunctionName=name, Runtime="python3.12", Role=sandbox.execution_role_arn,
        Handler="app.handler", Layers=layers,
        Code={"ZipFile": ArchiveBuilder().add("app.py", "def handler(e, c): pass\n").build()},
    )


@pytest.fixture
def estate(sandbox: Sandbox) -> dict[str, list[str]]:
    """geo 1 to 4 and util 1 to 3: geo:1 used only by billing:1 (alias prod), geo:2 and util:3 by
    $LATEST configurations; geo:3, geo:4, util:1 and util:2 by nobody."""
    lam = sandbox.client("lambda", REGION)
    geo = [_publish(lam, "geo", f"g{n}") for n in range(4)]
    util = [_publish(lam, "util", f"u{n}") for n in range(3)]
    _function(sandbox, "billing", [geo[0]])
    lam.publish_version(FunctionName="billing")
    lam.create_alias(FunctionName="billing", Name="prod", FunctionVersion="1")
    lam.update_function_configuration(FunctionName="billing", Layers=[geo[1], util[2]])
    _function(sandbox, "search", [util[2]])
    sandbox.stats.reset()
    return {"used": [geo[0], geo[1], util[2]], "unused": [geo[2], geo[3], util[0], util[1]]}


def session_on(sandbox: Sandbox) -> AwsSession:
    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0))


def test_consumed_versions_cost_no_get_layer_version(
    sandbox: Sandbox, estate: dict[str, list[str]]
) -> None:
    """Attack: a cold scan of seven versions, three of them used. Promise: GetLayerVersion is
    asked for the four unused ones alone, and every size equals AWS's CodeSize."""
    scanned = scan_region(session_on(sandbox), REGION)
    assert scanned.error is None
    assert sandbox.stats.calls("GetLayerVersion", REGION) == len(estate["unused"])
    lam = sandbox.client("lambda", REGION)
    versions = {v.arn: v for layer in scanned.layers for v in layer.versions}
    assert sorted(versions) == sorted(estate["used"] + estate["unused"])
    for arn, version in versions.items():
        truth = lam.get_layer_version_by_arn(Arn=arn)["Content"]
        assert version.code_size == truth["CodeSize"], arn
        # The hash comes with a GetLayerVersion, and only then.
        expected_hash = truth["CodeSha256"] if arn in estate["unused"] else None
        assert version.code_sha256 == expected_hash, arn


def test_a_rescan_that_knows_the_unused_sizes_asks_for_none(
    sandbox: Sandbox, estate: dict[str, list[str]]
) -> None:
    """Promise: what a scan learnt (sizes from ListFunctions included) spares the next one
    every GetLayerVersion."""
    from layer_tui.aws.inventory import sized_versions

    first = scan_region(session_on(sandbox), REGION)
    sandbox.stats.reset()
    again = scan_region(session_on(sandbox), REGION, known_versions=sized_versions([first]))
    assert sandbox.stats.calls("GetLayerVersion", REGION) == 0
    assert again.layers == first.layers


def test_counts_are_reported_before_the_alias_labels(
    sandbox: Sandbox, estate: dict[str, list[str]]
) -> None:
    """Attack: every function with a layered published version costs a ListAliases, and
    waiting for them all would hold the counts back. Promise: the region is reported with
    every consumer counted and every size in (stage "aliases") before the labels, which the
    final result has."""
    seen: list[ScanProgress] = []
    final = scan_region(session_on(sandbox), REGION, progress=seen.append)
    stages = [s.stage for s in seen]
    assert stages[-1] == "done"
    early = [s.result for s in seen if s.stage == "aliases" and s.result is not None]
    assert len(early) == 1 and early[0] is not None
    counted = early[0]
    only_published = estate["used"][0]

    def labels(region: Any, arn: str) -> list[str]:
        version = next(v for layer in region.layers for v in layer.versions if v.arn == arn)
        return [c.label for c in version.consumers]

    assert labels(counted, only_published) == ["billing:1"]
    assert labels(final, only_published) == ["billing:1 (alias prod)"]
    assert counted.sizes_known
    assert [s.done for s in seen if s.stage == "aliases"] == [0, 1]
    # The labels are the only difference.
    assert [[len(v.consumers) for v in layer.versions] for layer in counted.layers] == [
        [len(v.consumers) for v in layer.versions] for layer in final.layers]


def test_latest_only_has_no_alias_stage(sandbox: Sandbox, estate: dict[str, list[str]]) -> None:
    seen: list[ScanProgress] = []
    scan_region(session_on(sandbox), REGION, progress=seen.append, latest_only=True)
    assert "aliases" not in [s.stage for s in seen]
    assert sandbox.stats.calls("ListAliases", REGION) == 0


def test_the_delete_check_still_names_aliases_live(
    sandbox: Sandbox, estate: dict[str, list[str]]
) -> None:
    """Promise (a guard: the scan no longer waits for aliases, the delete check still must):
    the live re-check names the alias on the published version it finds."""
    only_published = estate["used"][0]
    found = region_consumers(session_on(sandbox), REGION, [only_published])
    assert [c.label for c in found[only_published]] == ["billing:1 (alias prod)"]
    assert sandbox.stats.calls("ListAliases", REGION) == 1
