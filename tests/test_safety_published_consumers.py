"""Published function versions, and the aliases on them, are consumers.

The attack: a layer version is used only by ``billing:1``, the published version that alias
``prod`` serves; ``$LATEST`` has moved on. A scan of ``$LATEST`` alone calls the version unused,
and a delete then breaks ``prod``'s next deploy. The promises tested here:

- by default every consumer count includes published versions, named with their qualifier and
  aliases (``billing:1 (alias prod)``) in ``inventory --json``, in the cache and on screen;
- an alias that splits traffic (RoutingConfig weights) names both versions it routes to;
- ``--latest-only`` (before or after the command) scans ``$LATEST`` alone, and says so;
- aliases cost one ListAliases per function with a layered published version, no more;
- ``consumers_of`` reads one version's consumers live, for the delete re-check.

Everything runs against the sandbox over real HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import NOW, pilot_test

from layer_tui import cli
from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.archives import ArchiveBuilder
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.widgets import CrumbBar, ResourceTable

REGION = "eu-west-1"


@dataclass(frozen=True)
class Estate:
    """geo:1 is used only by billing:1 (alias prod); billing's $LATEST uses geo:2."""

    sandbox: Sandbox
    old: str
    new: str
    function_arn: str


def _layer(lam: Any, version: int) -> str:
    archive = ArchiveBuilder().add("python/geo/__init__.py", f"VERSION = {version}\n").build()
    published = lam.publish_layer_version(
        LayerName="geo", Content={"ZipFile": archive}, CompatibleRuntimes=["python3.12"]
    )
    return str(published["LayerVersionArn"])


def _function(sandbox: Sandbox, name: str, layers: list[str]) -> str:
    lam = sandbox.client("lambda", REGION)
    created = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=sandbox.execution_role_arn,
        Handler="app.handler", Layers=layers,
        Code={"ZipFile": ArchiveBuilder().add("app.py", "def handler(e, c): pass\n").build()},
    )
    return str(created["FunctionArn"])


@pytest.fixture
def estate(sandbox: Sandbox) -> Estate:
    lam = sandbox.client("lambda", REGION)
    old, new = _layer(lam, 1), _layer(lam, 2)
    arn = _function(sandbox, "billing", [old])
    assert lam.publish_version(FunctionName="billing")["Version"] == "1"
    lam.create_alias(FunctionName="billing", Name="prod", FunctionVersion="1")
    lam.update_function_configuration(FunctionName="billing", Layers=[new])
    return Estate(sandbox, old, new, arn)


pytestmark = pytest.mark.frozen_clock(NOW)


def inventory_json(
    estate: Estate, capsys: pytest.CaptureFixture[str], *args: str
) -> dict[str, Any]:
    code = cli.main(["--endpoint-url", estate.sandbox.endpoint_url, "--region", REGION, *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return dict(json.loads(captured.out))


def consumers_in(document: dict[str, Any], version_arn: str) -> list[dict[str, Any]]:
    (region,) = document["regions"]
    for layer in region["layers"]:
        for version in layer["versions"]:
            if version["arn"] == version_arn:
                return list(version["consumers"])
    raise AssertionError(f"{version_arn} not in the inventory")


def test_a_version_used_only_by_an_aliased_published_version_is_used(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: geo:1's only user is billing:1 behind prod. Promise: inventory --json lists
    that consumer, with its version and its alias, without any flag."""
    document = inventory_json(estate, capsys, "inventory", "--json")
    assert consumers_in(document, estate.old) == [{
        "function": "billing", "arn": estate.function_arn, "version": "1",
        "runtime": "python3.12", "architectures": ["x86_64"], "aliases": ["prod"],
    }]
    # $LATEST is a consumer of geo:2 and has no alias: the key is left out, as PRODUCT.md says.
    assert [(c["version"], "aliases" in c) for c in consumers_in(document, estate.new)] == [
        ("$LATEST", False)]
    # functions_scanned counts functions, not their versions.
    assert document["regions"][0]["functions_scanned"] == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_latest_only_scans_latest_alone_and_says_so(
    estate: Estate, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """Promise: --latest-only (a global option: before or after the command) trades the
    published versions for speed, and the text output says that it did."""
    command = ["inventory", "--latest-only"] if where == "after" else ["--latest-only", "inventory"]
    document = inventory_json(estate, capsys, *command, "--json")
    assert consumers_in(document, estate.old) == []
    assert [c["version"] for c in consumers_in(document, estate.new)] == ["$LATEST"]
    text = cli.main(["--endpoint-url", estate.sandbox.endpoint_url, "--region", REGION,
                     *command])
    out = capsys.readouterr().out
    assert text == 0
    assert "$LATEST only" in out.splitlines()[-1]
    # The default run says nothing of the kind.
    assert cli.main(["--endpoint-url", estate.sandbox.endpoint_url, "--region", REGION,
                     "inventory"]) == 0
    assert "$LATEST only" not in capsys.readouterr().out


def test_the_old_flag_and_its_opposite_together_are_bad_usage(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad input: --all-versions (the default now, still accepted) with --latest-only asks for
    two opposite things: one line, exit 2, nothing scanned."""
    before = estate.sandbox.stats.calls("ListFunctions")
    code = cli.main(["--endpoint-url", estate.sandbox.endpoint_url, "--region", REGION,
                     "inventory", "--all-versions", "--latest-only"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "--latest-only" in err and "--all-versions" in err
    assert estate.sandbox.stats.calls("ListFunctions") == before
    assert inventory_json(estate, capsys, "inventory", "--all-versions", "--json")["regions"]


def test_a_weighted_alias_names_both_versions_and_a_latest_alias_names_latest(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: alias canary points at billing:2 but sends 10% of its traffic to billing:1, and
    alias live follows $LATEST. Promise: each configuration names every alias routing to it."""
    lam = estate.sandbox.client("lambda", REGION)
    assert lam.publish_version(FunctionName="billing")["Version"] == "2"  # uses geo:2
    lam.create_alias(FunctionName="billing", Name="canary", FunctionVersion="2",
                     RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}})
    lam.create_alias(FunctionName="billing", Name="live", FunctionVersion="$LATEST")
    document = inventory_json(estate, capsys, "inventory", "--json")
    assert [(c["version"], c.get("aliases")) for c in consumers_in(document, estate.old)] == [
        ("1", ["canary", "prod"])]
    assert sorted((c["version"], c.get("aliases")) for c in consumers_in(document, estate.new)) == [
        ("$LATEST", ["live"]), ("2", ["canary"])]


def test_aliases_cost_one_paged_listaliases_per_function_with_a_layered_published_version(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Promise: ListAliases is asked for billing only (the function with a published version
    that lists a layer), not for every function of the region; and it is paged (at 50, like
    AWS), so the 51st alias is not lost."""
    lam = estate.sandbox.client("lambda", REGION)
    _function(estate.sandbox, "no-versions", [estate.new])
    _function(estate.sandbox, "no-layers", [])
    lam.publish_version(FunctionName="no-layers")
    for index in range(55):
        lam.create_alias(FunctionName="billing", Name=f"team-{index:02d}", FunctionVersion="1")
    estate.sandbox.stats.reset()
    document = inventory_json(estate, capsys, "inventory", "--json")
    (consumer,) = consumers_in(document, estate.old)
    assert len(consumer["aliases"]) == 56 and "prod" in consumer["aliases"]
    assert estate.sandbox.stats.calls("ListAliases") == 2  # two pages, one function


def test_consumers_of_reads_one_version_live(estate: Estate) -> None:
    """Promise (for the delete re-check): ``consumers_of`` asks AWS, names billing:1 with its
    alias, and with ``latest_only`` sees $LATEST alone."""
    from layer_tui.aws.consumers import consumers_of

    session = AwsSession(SessionConfig(endpoint_url=estate.sandbox.endpoint_url,
                                       regions=(REGION,)))
    assert [c.label for c in consumers_of(session, REGION, estate.old)] == [
        "billing:1 (alias prod)"]
    assert consumers_of(session, REGION, estate.old, latest_only=True) == ()
    # Attached a moment ago: a live read sees it (no cache in between).
    _function(estate.sandbox, "late", [estate.old])
    assert [c.label for c in consumers_of(session, REGION, estate.old)] == [
        "billing:1 (alias prod)", "late ($LATEST)"]


def test_aliases_survive_the_cache_and_old_snapshots_still_load(
    estate: Estate, tmp_path: Path
) -> None:
    """Promise: a cached region names published consumers as the scan did; a snapshot written
    before aliases were read loads with none, instead of being thrown away."""
    from layer_tui.aws.inventory import scan_inventory

    session = AwsSession(SessionConfig(endpoint_url=estate.sandbox.endpoint_url,
                                       regions=(REGION,)))
    scanned = scan_inventory(session, [REGION])
    cache = InventoryCache(tmp_path)
    cache.save(scanned)
    loaded = cache.load(scanned.account, [REGION])
    assert loaded is not None and loaded.regions == scanned.regions
    version = next(v for layer in loaded.regions[0].layers for v in layer.versions
                   if v.arn == estate.old)
    assert [c.label for c in version.consumers] == ["billing:1 (alias prod)"]

    (path,) = (tmp_path / scanned.account).glob("*.json")
    # Snapshots from before aliases were read are format 1 (consumers written in full).
    from layer_tui.aws.cache import region_to_dict

    first_format = json.dumps({"format": 1, "region": region_to_dict(scanned.regions[0])},
                              separators=(",", ":"))
    text = first_format.replace(',"aliases":["prod"]', "")
    assert '"prod"' not in text
    path.write_text(text, encoding="utf-8")
    old = cache.load(scanned.account, [REGION])
    assert old is not None
    version = next(v for layer in old.regions[0].layers for v in layer.versions
                   if v.arn == estate.old)
    assert [c.label for c in version.consumers] == ["billing:1"]


def table(app: LayerTuiApp) -> ResourceTable:
    return app.screen.query_one(ResourceTable)


async def open_consumers(app: LayerTuiApp, pilot: Any, version_arn: str) -> list[str]:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.push_screen(ConsumersScreen(version_arn))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ConsumersScreen)
    return [row.cells[0].plain for row in table(app).shown_rows]


@pilot_test
async def test_the_consumers_screen_names_the_published_version_and_its_alias(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Attack: the TUI shows geo:1 as unused (and so deletable with a plain confirmation).
    Promise: its consumers screen lists ``billing:1 (alias prod)``."""
    lam = sandbox.client("lambda", REGION)
    old, new = _layer(lam, 1), _layer(lam, 2)
    _function(sandbox, "billing", [old])
    lam.publish_version(FunctionName="billing")
    lam.create_alias(FunctionName="billing", Name="prod", FunctionVersion="1")
    lam.update_function_configuration(FunctionName="billing", Layers=[new])
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,))
    app = LayerTuiApp(config, endpoint_label="sandbox", inventory_cache=InventoryCache(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        assert await open_consumers(app, pilot, old) == ["billing:1 (alias prod)"]
        crumbs = str(app.screen.query_one(CrumbBar).render())
        assert "$LATEST only" not in crumbs
        await pilot.press("escape")
        assert await open_consumers(app, pilot, new) == ["billing ($LATEST)"]


@pilot_test
async def test_latest_only_screens_say_so(estate: Estate, tmp_path: Path) -> None:
    """Promise: with --latest-only the screens say their counts are $LATEST only, and the
    consumers screen of geo:1 does not claim that no function uses it."""
    config = SessionConfig(endpoint_url=estate.sandbox.endpoint_url, regions=(REGION,),
                           latest_only=True)
    app = LayerTuiApp(config, endpoint_label="sandbox", inventory_cache=InventoryCache(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "$LATEST only" in str(app.screen.query_one(CrumbBar).render())
        assert await open_consumers(app, pilot, estate.old) == []
        assert "$LATEST only" in str(app.screen.query_one(CrumbBar).render())
        assert "--latest-only" in table(app).empty_text
        assert estate.sandbox.stats.calls("ListAliases") == 0
