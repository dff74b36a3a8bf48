"""The inventory cache stores every function configuration once; older snapshots still load.

The attack (on size and load time): an estate where each function lists two layers, and a
layer version is used by many functions. Written with consumers in full, every function is
repeated once per layer it lists, and loading parses each copy. The promises tested here:

- a snapshot holds each function configuration once (its qualified ARN, its name, appear once)
  and a version's consumers are references into that list, yet the region loads back equal to
  the scan, aliases and external layers included;
- a format 1 snapshot (consumers written in full) still loads, equal to what it held;
- a snapshot whose references point nowhere is ignored (the cache only saves time), never fatal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from layer_tui.aws.cache import FORMAT, InventoryCache, region_to_dict
from layer_tui.aws.inventory import scan_inventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.archives import ArchiveBuilder

REGION = "eu-west-1"
FUNCTIONS = 12


def _publish(lam: Any, name: str, n: int) -> str:
    archive = ArchiveBuilder().add(f"python/{name}/v.py", f"V = {n}\n").build()
    return str(lam.publish_layer_version(LayerName=name, Content={"ZipFile": archive})[
        "LayerVersionArn"])


def _estate(sandbox: Sandbox) -> None:
    """12 functions each on geo:1 and util:1 (util:2 unused), billing-00:1 behind alias prod,
    and one function on a version deleted since (listed as external)."""
    lam = sandbox.client("lambda", REGION)
    geo, util = _publish(lam, "geo", 1), _publish(lam, "util", 1)
    _publish(lam, "util", 2)
    code = {"ZipFile": ArchiveBuilder().add("app.py", "def handler(e, c): pass\n").build()}
    for n in range(FUNCTIONS):
        lam.create_function(FunctionName=f"billing-{n:02d}", Runtime="python3.12",
                            Role=sandbox.execution_role_arn, Handler="app.handler",
                            Layers=[geo, util], Code=code)
    lam.publish_version(FunctionName="billing-00")
    lam.create_alias(FunctionName="billing-00", Name="prod", FunctionVersion="1")
    gone = _publish(lam, "gone", 1)
    lam.create_function(FunctionName="orphan", Runtime="python3.12",
                        Role=sandbox.execution_role_arn, Handler="app.handler", Code=code,
                        Layers=[gone])
    lam.delete_layer_version(LayerName="gone", VersionNumber=1)


def _scan(sandbox: Sandbox) -> Any:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0))
    return scan_inventory(session, [REGION])


def test_each_function_is_written_once_and_loads_back_equal(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    _estate(sandbox)
    scanned = _scan(sandbox)
    (region,) = scanned.regions
    assert region.error is None and region.external_layers
    cache = InventoryCache(tmp_path)
    cache.save(scanned)
    (path,) = (tmp_path / scanned.account).glob("*.json")
    text = path.read_text(encoding="utf-8")
    # Each configuration of billing-03 is in two versions' consumers, written once.
    assert text.count('"billing-03"') == 1
    assert text.count('"billing-00"') == 2  # $LATEST and version 1: two configurations
    loaded = cache.load(scanned.account, [REGION])
    assert loaded is not None and loaded.regions == scanned.regions
    geo = next(v for layer in loaded.regions[0].layers if layer.name == "geo"
               for v in layer.versions)
    assert len(geo.consumers) == FUNCTIONS + 1
    assert "billing-00:1 (alias prod)" in [c.label for c in geo.consumers]
    # One object per configuration: a version's consumer is the region's function itself.
    functions = {id(f) for f in loaded.regions[0].functions}
    assert all(id(c) in functions for c in geo.consumers)


def test_a_format_1_snapshot_still_loads(sandbox: Sandbox, tmp_path: Path) -> None:
    _estate(sandbox)
    scanned = _scan(sandbox)
    cache = InventoryCache(tmp_path)
    cache.save(scanned)
    (path,) = (tmp_path / scanned.account).glob("*.json")
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == FORMAT > 1
    old = {"format": 1, "region": region_to_dict(scanned.regions[0])}
    path.write_text(json.dumps(old), encoding="utf-8")
    loaded = cache.load(scanned.account, [REGION])
    assert loaded is not None and loaded.regions == scanned.regions


def test_a_snapshot_pointing_nowhere_is_ignored(sandbox: Sandbox, tmp_path: Path) -> None:
    _estate(sandbox)
    scanned = _scan(sandbox)
    cache = InventoryCache(tmp_path)
    cache.save(scanned)
    (path,) = (tmp_path / scanned.account).glob("*.json")
    payload = json.loads(path.read_text(encoding="utf-8"))
    for layer in payload["region"]["layers"]:
        for version in layer["versions"]:
            version["consumers"] = [10_000 + i for i in version["consumers"]]
    path.write_text(json.dumps(payload), encoding="utf-8")
    assert cache.load(scanned.account, [REGION]) is None
