"""The sandbox behaves like AWS where moto does not: over real HTTP, with boto3."""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.awslambda.models import lambda_backends

from layer_tui.sandbox import ApiCall, ApiReply, Interceptor, Sandbox
from layer_tui.sandbox.backends import create_function, grant_public_read, publish_layer_version
from layer_tui.sandbox.demo_layers import BIG_LAYER_BYTES, DEMO_LAYERS
from layer_tui.sandbox.estate import estate_sandbox, seed_estate
from layer_tui.sandbox.seed import DEMO_REGIONS, seed_demo
from layer_tui.sandbox.server import random_account_id

REGION = "eu-west-1"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def lambda_client(sandbox: Sandbox, region: str = REGION) -> Any:
    return sandbox.client("lambda", region, config=NO_RETRIES)


def small_zip(marker: str, size: int = 4000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/pkg/__init__.py", f"# {marker}\n" + "x = 1\n" * (size // 6))
        archive.writestr("python/pkg/data.bin", hashlib.sha256(marker.encode()).digest() * 40)
    return buffer.getvalue()


def fetch(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def published_zip(sandbox: Sandbox, name: str = "geo", size: int = 4000) -> dict[str, Any]:
    client = lambda_client(sandbox)
    return dict(
        client.publish_layer_version(
            LayerName=name,
            Content={"ZipFile": small_zip(name, size)},
            CompatibleRuntimes=["python3.12"],
        )
    )


# -- paging at 50 ---------------------------------------------------------------------------


def test_list_functions_pages_at_50_with_next_marker(sandbox: Sandbox) -> None:
    backend = sandbox.lambda_backend(REGION)
    for index in range(120):
        create_function(
            backend, f"svc-{index:03d}", runtime="python3.12",
            role_arn=sandbox.execution_role_arn, layers=[], last_modified=NOW,
        )  # fmt: skip
    client = lambda_client(sandbox)

    first = client.list_functions()
    assert len(first["Functions"]) == 50
    assert first["NextMarker"]
    second = client.list_functions(Marker=first["NextMarker"], MaxItems=500)
    assert len(second["Functions"]) == 50
    assert len(client.list_functions(MaxItems=7)["Functions"]) == 7

    names = [
        f["FunctionName"] for page in client.get_paginator("list_functions").paginate()
        for f in page["Functions"]
    ]  # fmt: skip
    assert len(names) == 120
    assert len(set(names)) == 120
    assert client.list_functions(Marker=first["NextMarker"])["Functions"][0]["FunctionName"] == (
        "svc-050"
    )


def test_list_functions_all_versions_lists_latest_and_published(sandbox: Sandbox) -> None:
    client = lambda_client(sandbox)
    zipped = small_zip("code")
    for name in ("alpha", "beta"):
        client.create_function(
            FunctionName=name, Runtime="python3.12", Role=sandbox.execution_role_arn,
            Handler="app.handler", Code={"ZipFile": zipped},
        )  # fmt: skip
    client.publish_version(FunctionName="alpha")
    client.update_function_configuration(FunctionName="alpha", Description="changed")
    client.publish_version(FunctionName="alpha")

    latest_only = client.list_functions()["Functions"]
    every = [
        f for page in client.get_paginator("list_functions").paginate(FunctionVersion="ALL")
        for f in page["Functions"]
    ]  # fmt: skip
    assert len(latest_only) == 2
    assert sorted((f["FunctionName"], f["Version"]) for f in every) == [
        ("alpha", "$LATEST"), ("alpha", "1"), ("alpha", "2"), ("beta", "$LATEST"),
    ]  # fmt: skip
    assert any(f["FunctionArn"].endswith("alpha:$LATEST") for f in every)


def test_list_layers_pages_at_50(sandbox: Sandbox) -> None:
    backend = sandbox.lambda_backend(REGION)
    for index in range(60):
        publish_layer_version(backend, f"layer-{index:02d}", small_zip(str(index)), created=NOW)
    client = lambda_client(sandbox)

    first = client.list_layers()
    assert len(first["Layers"]) == 50
    rest = client.list_layers(Marker=first["NextMarker"])
    assert len(rest["Layers"]) == 10
    assert "NextMarker" not in rest
    item = first["Layers"][0]["LatestMatchingVersion"]
    assert item["Version"] == 1
    # AWS's list items carry no Content: sizes need GetLayerVersion.
    assert "Content" not in item


def test_list_layer_versions_pages_at_50_newest_first_with_gaps(sandbox: Sandbox) -> None:
    backend = sandbox.lambda_backend(REGION)
    for version in range(1, 121):
        publish_layer_version(backend, "busy", small_zip(str(version), 100), created=NOW)
    for version in (7, 100, 120):
        backend.delete_layer_version("busy", str(version))
    client = lambda_client(sandbox)

    first = client.list_layer_versions(LayerName="busy")
    assert len(first["LayerVersions"]) == 50
    assert [v["Version"] for v in first["LayerVersions"][:3]] == [119, 118, 117]
    layer_arn = f"arn:aws:lambda:{REGION}:{sandbox.account_id}:layer:busy"
    assert (
        client.list_layer_versions(LayerName=layer_arn)["LayerVersions"] == first["LayerVersions"]
    )
    pages = list(client.get_paginator("list_layer_versions").paginate(LayerName="busy"))
    versions = [v["Version"] for page in pages for v in page["LayerVersions"]]
    assert len(pages) == 3
    assert versions == sorted(set(range(1, 121)) - {7, 100, 120}, reverse=True)


def test_a_bad_marker_is_an_invalid_parameter(sandbox: Sandbox) -> None:
    with pytest.raises(ClientError) as error:
        lambda_client(sandbox).list_functions(Marker="not-a-marker!")
    assert error_code(error) == "InvalidParameterValueException"


# -- content URLs -----------------------------------------------------------------------------


def test_content_url_serves_ranges_and_counts_bytes(sandbox: Sandbox) -> None:
    published = published_zip(sandbox, size=20_000)
    url = published["Content"]["Location"]
    size = published["Content"]["CodeSize"]
    assert url.startswith(f"{sandbox.endpoint_url}/_content/{sandbox.account_id}/{REGION}/geo/1?")

    status, headers, tail = fetch(url, headers={"Range": "bytes=-22"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes {size - 22}-{size - 1}/{size}"
    assert headers["Content-Length"] == "22"
    assert headers["Accept-Ranges"] == "bytes"
    assert tail[:4] == b"PK\x05\x06"  # the end-of-central-directory record

    status, headers, head = fetch(url, headers={"Range": "bytes=0-9"})
    assert (status, headers["Content-Range"], head[:4]) == (206, f"bytes 0-9/{size}", b"PK\x03\x04")
    status, _, rest = fetch(url, headers={"Range": f"bytes={size - 100}-"})
    assert (status, len(rest)) == (206, 100)

    status, headers, whole = fetch(url)
    assert status == 200
    assert len(whole) == size
    assert (
        base64.b64encode(hashlib.sha256(whole).digest()).decode()
        == (published["Content"]["CodeSha256"])
    )
    path = f"/_content/{sandbox.account_id}/{REGION}/geo/1"
    assert sandbox.stats.content_bytes_sent == 22 + 10 + 100 + size
    assert sandbox.stats.content_bytes_by_path == {path: 22 + 10 + 100 + size}

    status, headers, _ = fetch(url, headers={"Range": f"bytes={size}-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{size}"
    sandbox.stats.reset()
    assert sandbox.stats.content_bytes_sent == 0


def test_server_that_ignores_range_sends_everything(sandbox: Sandbox) -> None:
    published = published_zip(sandbox)
    sandbox.faults.ignore_range = True
    status, _, body = fetch(published["Content"]["Location"], headers={"Range": "bytes=-22"})
    assert status == 200
    assert len(body) == published["Content"]["CodeSize"]


def test_content_url_refuses_head_and_expires(sandbox: Sandbox) -> None:
    client = lambda_client(sandbox)
    published_zip(sandbox)
    url = client.get_layer_version(LayerName="geo", VersionNumber=1)["Content"]["Location"]
    assert fetch(url, method="HEAD")[0] == 403
    assert fetch(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))[0] == 403

    sandbox.content_url_ttl = 0
    expired = client.get_layer_version(LayerName="geo", VersionNumber=1)["Content"]["Location"]
    status, _, body = fetch(expired, headers={"Range": "bytes=-22"})
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert b"Request has expired" in body
    assert fetch(url)[0] == 200  # the older URL, signed for 600 s, still works
    assert sandbox.stats.content_bytes_sent == published_zip_size(client)


def published_zip_size(client: Any) -> int:
    return int(client.get_layer_version(LayerName="geo", VersionNumber=1)["Content"]["CodeSize"])


def test_content_url_latency_only_when_asked(sandbox: Sandbox) -> None:
    url = published_zip(sandbox)["Content"]["Location"]
    sandbox.faults.latency = 0.4
    started = time.monotonic()
    assert fetch(url)[0] == 200
    assert time.monotonic() - started < 0.3
    sandbox.faults.content_latency = 0.3
    started = time.monotonic()
    assert fetch(url)[0] == 200
    assert time.monotonic() - started >= 0.3


# -- regions ----------------------------------------------------------------------------------


def test_region_not_enabled_answers_unrecognized_client() -> None:
    with Sandbox(regions=(REGION,), disabled_regions=("ap-southeast-5",)) as sandbox:
        with pytest.raises(ClientError) as error:
            lambda_client(sandbox, "ap-southeast-5").list_layers()
        assert error_code(error) == "UnrecognizedClientException"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error.value.response["Error"]["Message"] == (
            "The security token included in the request is invalid."
        )
        assert lambda_client(sandbox).list_layers()["Layers"] == []

        account = sandbox.client("account", "us-east-1")
        regions = account.list_regions()["Regions"]
        assert {r["RegionName"]: r["RegionOptStatus"] for r in regions} == {
            "ap-southeast-5": "ENABLING",
            REGION: "ENABLED_BY_DEFAULT",
        }
        first = account.list_regions(MaxResults=1)
        assert len(first["Regions"]) == 1
        second = account.list_regions(MaxResults=1, NextToken=first["NextToken"])
        assert "NextToken" not in second
        assert first["Regions"] + second["Regions"] == regions
        enabled = account.list_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
        assert [r["RegionName"] for r in enabled["Regions"]] == [REGION]


def test_access_denied_region_fault(sandbox: Sandbox) -> None:
    sandbox.faults.access_denied_regions = {"eu-north-1"}
    with pytest.raises(ClientError) as error:
        lambda_client(sandbox, "eu-north-1").list_functions()
    assert error_code(error) == "AccessDeniedException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert lambda_client(sandbox, REGION).list_functions()["Functions"] == []
    # GetCallerIdentity needs no permission anywhere.
    sts = sandbox.client("sts", "eu-north-1")
    assert sts.get_caller_identity()["Account"] == sandbox.account_id


# -- throttling, latency, counters ---------------------------------------------------------------


def test_rate_limit_throttles_with_429_beyond_the_bucket(sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit = 15
    client = lambda_client(sandbox)
    outcomes: list[str] = []
    started = time.monotonic()
    for _ in range(30):
        try:
            client.list_layers()
            outcomes.append("ok")
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            assert error.response["Error"]["Code"] == "TooManyRequestsException"
            assert error.response["Reason"] == "CallerRateLimitExceeded"
            outcomes.append("throttled")
    elapsed = time.monotonic() - started
    assert outcomes[:15] == ["ok"] * 15
    assert 15 <= outcomes.count("ok") <= 15 + int(elapsed * 15) + 1
    assert sandbox.stats.throttled_calls[(REGION, "ListLayers")] == outcomes.count("throttled")
    # Another region has its own bucket.
    assert lambda_client(sandbox, "us-east-1").list_layers()["Layers"] == []


def test_random_throttling_is_seeded(sandbox: Sandbox) -> None:
    def pattern() -> list[bool]:
        sandbox.reset_throttle()
        sandbox.faults.throttle_fraction = 0.5
        sandbox.faults.throttle_seed = 42
        results = []
        client = lambda_client(sandbox)
        for _ in range(20):
            try:
                client.list_layers()
                results.append(True)
            except ClientError as error:
                assert error.response["Error"]["Code"] == "TooManyRequestsException"
                results.append(False)
        return results

    first = pattern()
    assert first == pattern()
    assert 0 < first.count(False) < 20


def test_latency_and_call_counters(sandbox: Sandbox) -> None:
    client = lambda_client(sandbox)
    client.list_functions()
    sandbox.faults.latency = 0.25
    started = time.monotonic()
    client.list_layers()
    assert time.monotonic() - started >= 0.25
    assert sandbox.stats.api_calls == {(REGION, "ListFunctions"): 1, (REGION, "ListLayers"): 1}
    assert sandbox.stats.calls("ListLayers") == 1
    assert sandbox.stats.total_api_calls == 2


# -- layers across accounts ---------------------------------------------------------------------


def test_functions_use_other_accounts_layers_and_get_by_arn_works(sandbox: Sandbox) -> None:
    vendor_account = random_account_id()
    vendor = lambda_backends[vendor_account][REGION]
    public = publish_layer_version(
        vendor, "Vendor-Python312", small_zip("v"), created=NOW, version=98
    )
    grant_public_read(public)
    private = publish_layer_version(vendor, "Private", small_zip("p"), created=NOW)
    # A local layer with the vendor's name must not be mistaken for the vendor's.
    publish_layer_version(sandbox.lambda_backend(REGION), "Vendor-Python312", b"PK", created=NOW)
    client = lambda_client(sandbox)

    created = client.create_function(
        FunctionName="uses-vendor", Runtime="python3.12", Role=sandbox.execution_role_arn,
        Handler="app.handler", Code={"ZipFile": small_zip("code")}, Layers=[public.arn],
    )  # fmt: skip
    assert created["Layers"] == [{"Arn": public.arn, "CodeSize": public.code_size}]
    assert public.arn.startswith(f"arn:aws:lambda:{REGION}:{vendor_account}:layer:")

    got = client.get_layer_version_by_arn(Arn=public.arn)
    assert got["Version"] == 98
    assert got["LayerVersionArn"] == public.arn
    assert got["Content"]["CodeSha256"] == public.code_sha_256
    status, _, body = fetch(got["Content"]["Location"])
    assert (status, body) == (200, public.code_bytes)

    with pytest.raises(ClientError) as denied:
        client.get_layer_version_by_arn(Arn=private.arn)
    assert error_code(denied) == "AccessDeniedException"
    with pytest.raises(ClientError) as missing:
        client.get_layer_version_by_arn(Arn=public.arn.replace(":98", ":97"))
    assert error_code(missing) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as unknown:
        client.update_function_configuration(
            FunctionName="uses-vendor", Layers=[public.arn.replace(":98", ":97")]
        )
    assert error_code(unknown) == "ResourceNotFoundException"


def test_two_sandboxes_are_isolated(sandbox: Sandbox) -> None:
    published_zip(sandbox, "mine")
    with Sandbox() as other:
        published_zip(other, "theirs")
        assert [x["LayerName"] for x in lambda_client(sandbox).list_layers()["Layers"]] == ["mine"]
        assert [x["LayerName"] for x in lambda_client(other).list_layers()["Layers"]] == ["theirs"]
        assert other.client("sts").get_caller_identity()["Account"] == other.account_id
        assert sandbox.client("sts").get_caller_identity()["Account"] == sandbox.account_id
        with pytest.raises(RuntimeError):
            Sandbox(account_id=other.account_id).start()
        other_account = other.account_id
    assert other_account not in lambda_backends


def test_interceptors_can_answer_for_moto(sandbox: Sandbox) -> None:
    class UpdateInProgress(Interceptor):
        def before(self, call: ApiCall) -> ApiReply | None:
            if call.operation != "UpdateFunctionConfiguration":
                return None
            return ApiReply.json(
                {"__type": "ResourceConflictException", "message": "An update is in progress"},
                status=409,
            )

    client = lambda_client(sandbox)
    client.create_function(
        FunctionName="busy", Runtime="python3.12", Role=sandbox.execution_role_arn,
        Handler="app.handler", Code={"ZipFile": small_zip("code")},
    )  # fmt: skip
    sandbox.add_interceptor(UpdateInProgress())
    with pytest.raises(ClientError) as error:
        client.update_function_configuration(FunctionName="busy", Description="x")
    assert error_code(error) == "ResourceConflictException"


def test_account_settings_report_limits_and_usage(sandbox: Sandbox) -> None:
    size = published_zip(sandbox)["Content"]["CodeSize"]
    settings = lambda_client(sandbox).get_account_settings()
    assert settings["AccountLimit"]["TotalCodeSize"] == 80_530_636_800
    assert settings["AccountUsage"] == {"TotalCodeSize": size, "FunctionCount": 0}


# -- the demo estate ----------------------------------------------------------------------------


def every_item(client: Any, operation: str, member: str, **kwargs: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator(operation).paginate(**kwargs)
    return [item for page in pages for item in page[member]]


def test_demo_estate_content(demo_sandbox: Sandbox) -> None:
    account = demo_sandbox.client("account", "us-east-1")
    statuses = {r["RegionName"]: r["RegionOptStatus"] for r in account.list_regions()["Regions"]}
    assert statuses == {
        "ap-southeast-5": "ENABLING", "eu-north-1": "ENABLED_BY_DEFAULT",
        "eu-west-1": "ENABLED_BY_DEFAULT", "us-east-1": "ENABLED_BY_DEFAULT",
    }  # fmt: skip
    layers = functions = 0
    all_layer_arns: list[str] = []
    runtimes: set[str] = set()
    for region in DEMO_REGIONS:
        client = lambda_client(demo_sandbox, region)
        layers += len(every_item(client, "list_layers", "Layers"))
        latest = every_item(client, "list_functions", "Functions")
        functions += len(latest)
        every = every_item(client, "list_functions", "Functions", FunctionVersion="ALL")
        assert len(every) > len(latest)
        runtimes |= {f["Runtime"] for f in latest}
        all_layer_arns += [layer["Arn"] for f in every for layer in f.get("Layers", [])]
    assert layers >= 15
    assert functions >= 150
    assert {"python3.8", "python3.9", "nodejs16.x"} <= runtimes
    assert any(":464622532012:layer:Datadog-Python312:98" in arn for arn in all_layer_arns)
    assert any(":580247275435:layer:LambdaInsightsExtension:53" in arn for arn in all_layer_arns)

    client = lambda_client(demo_sandbox, "eu-west-1")
    versions = every_item(client, "list_layer_versions", "LayerVersions", LayerName="py-common")
    assert [v["Version"] for v in versions] == [7, 6, 5, 3, 1]  # deleted versions leave gaps
    deleted = "arn:aws:lambda:eu-west-1:123456789012:layer:py-common:2"
    assert deleted in all_layer_arns  # still used by functions after its deletion
    big = client.get_layer_version(LayerName="ml-models", VersionNumber=1)["Content"]
    assert big["CodeSize"] > 50 * 1024 * 1024
    latest = every_item(client, "list_functions", "Functions")
    assert max(len(f.get("Layers", [])) for f in latest) == 3
    assert sum(len(f.get("Layers", [])) >= 2 for f in latest) >= 5
    with pytest.raises(ClientError) as error:
        lambda_client(demo_sandbox, "ap-southeast-5").list_layers()
    assert error_code(error) == "UnrecognizedClientException"


def zip_from(sandbox: Sandbox, layer: str, version: int) -> zipfile.ZipFile:
    client = lambda_client(sandbox)
    url = client.get_layer_version(LayerName=layer, VersionNumber=version)["Content"]["Location"]
    status, _, body = fetch(url)
    assert status == 200
    return zipfile.ZipFile(io.BytesIO(body))


def elf_machine(archive: zipfile.ZipFile, suffix: str) -> set[int]:
    machines = set()
    for name in archive.namelist():
        if name.endswith(suffix):
            header = archive.read(name)[:20]
            assert header[:4] == b"\x7fELF"
            machines.add(int.from_bytes(header[18:20], "little"))
    return machines


def test_demo_zips_look_real(demo_sandbox: Sandbox) -> None:
    py_common = zip_from(demo_sandbox, "py-common", 7)
    names = py_common.namelist()
    assert "python/lib/python3.12/site-packages/requests-2.37.0.dist-info/METADATA" in names
    assert elf_machine(py_common, ".so") == {0x3E}
    assert elf_machine(zip_from(demo_sandbox, "pydantic-arm64", 3), ".so") == {0xB7}
    # Published as arm64, built on x86_64: the mistake the app must flag.
    assert elf_machine(zip_from(demo_sandbox, "numpy-arm64", 4), ".so") == {0x3E}
    tools = zip_from(demo_sandbox, "cli-tools", 3)
    assert elf_machine(tools, "bin/jq") == {0x3E}
    assert tools.getinfo("bin/jq").external_attr >> 16 == 0o100755
    legacy = zip_from(demo_sandbox, "legacy-utils", 3).namelist()
    assert any(name.startswith("site-packages/") for name in legacy)
    assert "vendor/bundle.zip" in legacy
    assert any(n.startswith("nodejs/node_modules/lodash/package.json") for n in
               zip_from(demo_sandbox, "node-utils", 5).namelist())  # fmt: skip
    assert any(n.startswith("extensions/") for n in
               zip_from(demo_sandbox, "otel-extension", 2).namelist())  # fmt: skip


def layer_digests(sandbox: Sandbox) -> dict[tuple[str, str, int], str]:
    return {
        (region, layer.name, int(version)): layer_version.code_sha_256
        for region in DEMO_REGIONS
        for layer in sandbox.lambda_backend(region)._layers._layers.values()
        for version, layer_version in layer.layer_versions.items()
    }


def function_layers(sandbox: Sandbox) -> dict[tuple[str, str], list[str]]:
    return {
        (region, function.function_name): [
            arn["Arn"].replace(sandbox.account_id, "ACCOUNT") for arn in function.layers
        ]
        for region in DEMO_REGIONS
        for function in sandbox.lambda_backend(region)._lambdas.latest()
    }


def test_seed_is_deterministic(demo_sandbox: Sandbox) -> None:
    with Sandbox(regions=DEMO_REGIONS) as again:
        summary = seed_demo(again)
        assert layer_digests(again) == layer_digests(demo_sandbox)
        assert function_layers(again) == function_layers(demo_sandbox)
    assert summary.functions >= 150
    assert summary.layers == sum(len(layer.regions) for layer in DEMO_LAYERS)

    # And across processes: a fresh interpreter builds the very same bytes.
    script = (
        "import base64, hashlib\n"
        "from layer_tui.sandbox.demo_layers import DEMO_LAYERS\n"
        "layer = next(x for x in DEMO_LAYERS if x.name == 'py-common')\n"
        "print(base64.b64encode(hashlib.sha256(layer.make(7)).digest()).decode())\n"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert fresh.stdout.strip() == layer_digests(demo_sandbox)[("eu-west-1", "py-common", 7)]
    assert BIG_LAYER_BYTES > 50 * 1024 * 1024


def test_seed_estate_for_benchmarks() -> None:
    with estate_sandbox(regions=2) as sandbox:
        summary = seed_estate(
            sandbox, functions_per_region=120, layers_per_region=3, versions_per_layer=4
        )
        assert summary.regions == ("us-east-1", "us-east-2")
        for region in summary.regions:
            client = lambda_client(sandbox, region)
            assert len(every_item(client, "list_functions", "Functions")) == 120
            assert len(every_item(client, "list_layers", "Layers")) == 3
            versions = every_item(
                client, "list_layer_versions", "LayerVersions", LayerName="layer-000"
            )
            assert [v["Version"] for v in versions] == [4, 3, 2, 1]


def test_a_profile_that_does_not_exist_does_not_break_the_sandbox(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    published_zip(sandbox)
    assert sandbox.client("sts").get_caller_identity()["Account"] == sandbox.account_id
    assert [x["LayerName"] for x in lambda_client(sandbox).list_layers()["Layers"]] == ["geo"]


def test_a_stopped_sandbox_leaves_no_bucket_behind_for_the_next() -> None:
    # Bucket names are global in S3 (and in moto's index of them): a later sandbox must be
    # able to create a bucket of the same name once the first one has stopped.
    for round_ in range(2):
        with Sandbox(regions=("us-east-1",)) as box:
            s3 = box.client("s3", "us-east-1")
            s3.create_bucket(Bucket="artifacts")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["artifacts"], round_
