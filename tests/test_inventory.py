"""The inventory engine against the sandbox over real HTTP: paging, regions, limiter, cache."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.inventory import ScanProgress, scan_inventory, scan_region, sized_versions
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox.faults import Faults
from layer_tui.sandbox.server import Sandbox

REGIONS = ("eu-north-1", "eu-west-1")


def tiny_zip(marker: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/marker.py", f"MARKER = {marker!r}\n")
    return buf.getvalue()


@pytest.fixture(scope="module")
def shared_estate() -> Iterator[Sandbox]:
    """Two regions with more than a page of everything, plus a region that is not enabled."""
    with Sandbox(regions=REGIONS, disabled_regions=("ap-southeast-5",)) as sandbox:
        lam = sandbox.client("lambda", "eu-north-1")
        # 55 versions of one layer (two ListLayerVersions pages) with gaps at 7 and 30.
        for n in range(55):
            lam.publish_layer_version(LayerName="geo", Content={"ZipFile": tiny_zip(f"g{n}")},
                                      CompatibleRuntimes=["python3.12"])
        for gone in (7, 30):
            lam.delete_layer_version(LayerName="geo", VersionNumber=gone)
        # 52 more layers: two ListLayers pages.
        for n in range(52):
            lam.publish_layer_version(LayerName=f"util-{n:02d}",
                                      Content={"ZipFile": tiny_zip(f"u{n}")})
        geo = "arn:aws:lambda:eu-north-1:{}:layer:geo:{}"
        # 120 functions (three ListFunctions pages): drift over geo 55, 54 and 1.
        for n in range(120):
            layers = [] if n % 4 == 0 else [geo.format(sandbox.account_id, (55, 54, 1)[n % 3])]
            lam.create_function(
                FunctionName=f"svc-{n:03d}", Runtime="python3.12",
                Role=sandbox.execution_role_arn, Handler="app.handler",
                Code={"ZipFile": tiny_zip(f"f{n}")}, Layers=layers,
            )
        west = sandbox.client("lambda", "eu-west-1")
        west.publish_layer_version(LayerName="west-only", Content={"ZipFile": tiny_zip("w")})
        yield sandbox


@pytest.fixture
def estate(shared_estate: Sandbox) -> Iterator[Sandbox]:
    """The shared estate with clean counters and no faults (tests here only read it)."""
    shared_estate.stats.reset()
    shared_estate.faults = Faults()
    shared_estate.reset_throttle()
    yield shared_estate
    shared_estate.faults = Faults()


def session_for(sandbox: Sandbox, **config: Any) -> AwsSession:
    # Tests other than the limiter's own run the limiter wide open: it is not what they test.
    config.setdefault("rate_per_second", 500.0)
    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, **config))


def test_inventory_matches_the_endpoint_with_paging(estate: Sandbox) -> None:
    inventory = scan_inventory(session_for(estate), REGIONS)
    north = inventory.region("eu-north-1")
    assert north is not None and north.error is None
    assert north.functions_scanned == 120
    assert len(north.layers) == 53
    geo = next(layer for layer in north.layers if layer.name == "geo")
    numbers = [v.version for v in geo.versions]
    assert numbers == sorted(set(range(1, 56)) - {7, 30}, reverse=True)
    lam = estate.client("lambda", "eu-north-1")
    for version in geo.versions[:3] + geo.versions[-1:]:
        truth = lam.get_layer_version(LayerName="geo", VersionNumber=version.version)
        assert version.code_size == truth["Content"]["CodeSize"]
        # A consumed version's size comes from ListFunctions, which carries no hash.
        assert version.code_sha256 in (None, truth["Content"]["CodeSha256"])
    consumers = {v.version: {c.function for c in v.consumers} for v in geo.versions}
    expected = {
        want: {f"svc-{n:03d}" for n in range(120) if n % 4 and (55, 54, 1)[n % 3] == want}
        for want in (55, 54, 1)
    }
    for version, names in expected.items():
        assert consumers[version] == names
    assert all(not consumers[v] for v in consumers if v not in expected)
    # Paging really happened, at 50 a page.
    assert estate.stats.calls("ListFunctions", "eu-north-1") == 3
    assert estate.stats.calls("ListLayers", "eu-north-1") == 2
    assert estate.stats.calls("ListLayerVersions", "eu-north-1") == 52 + 2
    west = inventory.region("eu-west-1")
    assert west is not None and [layer.name for layer in west.layers] == ["west-only"]


def test_failing_regions_do_not_stop_the_others(estate: Sandbox) -> None:
    estate.faults.access_denied_regions = {"eu-west-1"}
    seen: list[ScanProgress] = []
    lock = threading.Lock()

    def progress(step: ScanProgress) -> None:
        with lock:
            seen.append(step)

    inventory = scan_inventory(
        session_for(estate), ("eu-north-1", "eu-west-1", "ap-southeast-5"), progress=progress
    )
    by_name = {r.region: r for r in inventory.regions}
    assert by_name["eu-north-1"].error is None and len(by_name["eu-north-1"].layers) == 53
    west_error = by_name["eu-west-1"].error
    assert west_error is not None and west_error.code == "AccessDeniedException"
    off = by_name["ap-southeast-5"].error
    assert off is not None and off.code == "UnrecognizedClientException"
    assert "not enabled" in off.message
    finals = {(s.region, s.stage) for s in seen if s.stage in ("done", "error")}
    assert finals == {("eu-north-1", "done"), ("eu-west-1", "error"),
                      ("ap-southeast-5", "error")}
    payload = inventory.to_json()
    assert payload["regions"][1]["error"]["code"] == "AccessDeniedException"
    assert payload["regions"][1]["layers"] == []


def test_region_discovery_keeps_the_enabling_region(estate: Sandbox) -> None:
    regions = session_for(estate).discover_regions()
    assert set(regions) == {"eu-north-1", "eu-west-1", "ap-southeast-5"}


def test_rate_limiter_never_exceeds_its_rate_per_region(estate: Sandbox) -> None:
    estate.faults.rate_limit = 15  # AWS's own limit, enforced by the sandbox
    session = session_for(estate, rate_per_second=8.0)
    sent: list[float] = []
    lam = session.client("lambda", "eu-north-1")
    lam.meta.events.register("before-send", lambda **_: sent.append(time.monotonic()))
    threads = [
        threading.Thread(target=lambda: [lam.list_layers(MaxItems=1) for _ in range(6)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 24
    # A bucket of 8 tokens refilling at 8/s: no window of one second holds more than 8 + 8.
    worst = max(sum(1 for s in sent if start <= s < start + 1.0) for start in sent)
    assert worst <= 16
    span = max(sent) - min(sent)
    assert span >= (24 - 8) / 8 - 0.2  # the last 16 calls had to wait for refills
    assert estate.stats.total_throttled_calls == 0


def test_cache_shows_the_last_scan_and_spares_get_layer_version(
    estate: Sandbox, tmp_path: Path
) -> None:
    session = session_for(estate)
    cache = InventoryCache(root=tmp_path, endpoint_url=estate.endpoint_url)
    first = scan_inventory(session, REGIONS)
    cache.save(first)
    first_calls = estate.stats.calls("GetLayerVersion")
    used = sum(1 for r in first.regions for layer in r.layers for v in layer.versions
               if v.consumers)
    # Every version of both regions once, but for those ListFunctions gave the size of.
    assert first_calls == 53 + 52 + 1 - used
    loaded = cache.load(first.account)
    assert loaded is not None
    assert {r.region: r.layers for r in loaded.regions} == {
        r.region: r.layers for r in first.regions
    }
    assert all(r.scanned_at == f.scanned_at for r, f in zip(loaded.regions, first.regions,
                                                             strict=True))
    known = cache.known_versions(first.account, REGIONS)
    second = scan_inventory(session, REGIONS, known_versions=known)
    assert estate.stats.calls("GetLayerVersion") == first_calls  # not one more
    assert second.to_json()["regions"] == first.to_json()["regions"]
    # A real-AWS cache of the same account id is kept apart from the sandbox's.
    assert InventoryCache(root=tmp_path).load(first.account) is None


def test_cli_inventory_json_has_the_product_shape(sandbox: Sandbox, capsys: Any) -> None:
    """The command line scans at its own (real-AWS) rate, so a small account of its own: a
    used version (consumers) and an unused one (size read one by one) show every field."""
    from layer_tui.cli import main

    lam = sandbox.client("lambda", "eu-north-1")
    geo = lam.publish_layer_version(LayerName="geo", Content={"ZipFile": tiny_zip("geo")},
                                    CompatibleRuntimes=["python3.12"])["LayerVersionArn"]
    lam.publish_layer_version(LayerName="util", Content={"ZipFile": tiny_zip("util")})
    lam.create_function(FunctionName="svc-001", Runtime="python3.12",
                        Role=sandbox.execution_role_arn, Handler="app.handler",
                        Code={"ZipFile": tiny_zip("app")}, Layers=[geo])
    code = main(["inventory", "--json", "--endpoint-url", sandbox.endpoint_url,
                 "--region", "eu-north-1"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"account", "generated_at", "regions"}
    region = out["regions"][0]
    assert set(region) == {"region", "error", "functions_scanned", "layers", "external_layers"}
    version = region["layers"][0]["versions"][0]
    assert set(version) == {"version", "arn", "created", "code_size", "code_sha256",
                            "description", "license", "compatible_runtimes",
                            "compatible_architectures", "consumers"}
    geo = next(layer for layer in region["layers"] if layer["name"] == "geo")
    consumer = geo["versions"][0]["consumers"][0]
    assert set(consumer) == {"function", "arn", "version", "runtime", "architectures"}
    assert consumer["version"] == "$LATEST"


def test_published_function_versions_count_by_default(estate: Sandbox) -> None:
    lam = estate.client("lambda", "eu-north-1")
    published = lam.publish_version(FunctionName="svc-001")["Version"]
    inventory = scan_inventory(session_for(estate), ["eu-north-1"])
    north = inventory.regions[0]
    refs = [c for layer in north.layers for v in layer.versions for c in v.consumers
            if c.function == "svc-001"]
    assert {c.version for c in refs} == {"$LATEST", published}
    plain = scan_inventory(session_for(estate), ["eu-north-1"], latest_only=True).regions[0]
    assert {c.version for layer in plain.layers for v in layer.versions
            for c in v.consumers} == {"$LATEST"}


def test_a_region_shows_before_its_sizes_arrive(estate: Sandbox) -> None:
    """Layers, versions and consumers are reported complete ("sizes"), then the sizes of the
    versions no function uses fill in (a consumed version's size came with ListFunctions)."""
    seen: list[ScanProgress] = []
    final = scan_region(session_for(estate), "eu-north-1", progress=seen.append)
    listed = [s for s in seen if s.stage == "sizes" and s.result is not None]
    assert len(listed) == 1
    early = listed[0].result
    assert early is not None and final.error is None
    assert [layer.arn for layer in early.layers] == [layer.arn for layer in final.layers]
    early_versions = [v for layer in early.layers for v in layer.versions]
    final_versions = [v for layer in final.layers for v in layer.versions]
    assert [(v.arn, v.consumers) for v in early_versions] == [
        (v.arn, v.consumers) for v in final_versions]
    unused = [v for v in early_versions if not v.consumers]
    assert unused and all(v.code_size is None for v in unused)
    assert all(v.code_size for v in early_versions if v.consumers)
    assert all(v.code_size for v in final_versions)
    counts = [s.done for s in seen if s.stage == "sizes"]
    assert counts == list(range(len(unused) + 1))
    assert seen[-1].stage == "done"
    # A rescan that knows every size reports no "sizes" stage at all.
    again: list[ScanProgress] = []
    scan_region(session_for(estate), "eu-north-1", progress=again.append,
                known_versions=sized_versions([final]))
    assert not any(s.stage == "sizes" for s in again)


class FakeTime:
    """Stands in for ``time`` in the session module: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_listfunctions_chain_goes_first_and_keeps_a_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import layer_tui.aws.session as session_module
    from layer_tui.aws.session import RateLimiter

    fake = FakeTime()
    monkeypatch.setattr(session_module, "time", fake)
    limiter = RateLimiter(rate=10.0, burst=3.0)
    limiter.acquire(urgent=True)  # a chain starts: 2 tokens left
    limiter.acquire()  # others may take all but one
    assert fake.now == 0.0
    limiter.acquire()  # ...so this waits for a refill rather than take the chain's token
    assert fake.now == pytest.approx(0.1)
    limiter.acquire(urgent=True)  # the chain's next call finds its token waiting
    assert fake.now == pytest.approx(0.1)
    fake.now += RateLimiter.URGENT_HOLD + 0.5  # the chain has ended: the bucket is everyone's
    for _ in range(3):
        limiter.acquire()
    assert fake.now == pytest.approx(0.1 + RateLimiter.URGENT_HOLD + 0.5)


def test_lean_list_functions_parse_matches_botocore(estate: Sandbox) -> None:
    """The fast path for ListFunctions pages gives the same configurations botocore would."""
    from layer_tui.aws.consumers import list_function_configs

    session = session_for(estate)
    lean = list_function_configs(session.client("lambda", "eu-north-1"))
    plain = estate.client("lambda", "eu-north-1")  # a client without the hook
    pages = plain.get_paginator("list_functions").paginate(FunctionVersion="ALL")
    configs = [c for p in pages for c in p["Functions"]]
    from layer_tui.aws.consumers import function_ref

    assert lean == [function_ref(c, "eu-north-1") for c in configs]
    assert len(lean) > 50  # more than one page


def test_lean_list_functions_leaves_out_nulls_as_botocore_does() -> None:
    from layer_tui.aws.consumers import _lean_list_functions

    page = {"Functions": [{"FunctionName": "a", "LastModified": None, "Layers": []}],
            "NextMarker": "m"}
    response = {"status_code": 200, "body": json.dumps(page).encode()}
    customized: dict[str, Any] = {}
    _lean_list_functions(response, customized)
    assert customized == {"Functions": [{"FunctionName": "a", "Layers": []}]}
    assert json.loads(response["body"]) == {"NextMarker": "m"}
    refused = {"status_code": 429, "body": json.dumps(page).encode()}
    _lean_list_functions(refused, customized := {})
    assert customized == {} and json.loads(refused["body"]) == page
