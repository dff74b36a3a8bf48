"""Findings (layout, architecture, runtime, size), the inspect report and the entry diff."""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from zipserver import ZipServer, build_zip, serving

from layer_tui.aws.checks import (
    UNZIPPED_LIMIT,
    Finding,
    check_layout,
    check_runtimes,
    check_size,
    consumer_budget,
    deprecated_runtimes,
    layer_layout,
    run_checks,
)
from layer_tui.aws.contents import RemoteZip
from layer_tui.aws.inspection import (
    InvalidLayerVersionArn,
    diff_entries,
    inspect_layer_version,
)
from layer_tui.aws.native import check_architecture, elf_architecture, native_code_candidates
from layer_tui.aws.zipformat import ZipEntry

ARN = "arn:aws:lambda:eu-north-1:123456789012:layer:geo:3"
X86_64, AARCH64 = 0x3E, 0xB7


@pytest.fixture
def zip_server() -> Iterator[ZipServer]:
    with serving() as server:
        yield server


def elf(machine: int, *, big_endian: bool = False, pad: int = 200) -> bytes:
    """A synthetic 64-bit ELF header: magic, class, data, then e_machine at offset 18."""
    order = ">" if big_endian else "<"
    ident = b"\x7fELF" + bytes([2, 2 if big_endian else 1, 1]) + bytes(9)
    return ident + struct.pack(f"{order}HH", 3, machine) + bytes(pad)


def entry(path: str, size: int = 100, crc: int = 0) -> ZipEntry:
    return ZipEntry(path, size, size, crc, 0, datetime(2026, 1, 1), path.endswith("/"), 0)


def entries(*paths: str) -> list[ZipEntry]:
    return [entry(p) for p in paths]


def messages(findings: list[Finding] | tuple[Finding, ...], level: str | None = None) -> list[str]:
    return [f.message for f in findings if level is None or f.level == level]


# -- data files ----------------------------------------------------------------------------------


def test_deprecated_runtime_table_has_source_date_and_the_known_runtimes() -> None:
    table = deprecated_runtimes()
    assert table["source"].startswith("https://docs.aws.amazon.com/lambda/")
    assert table["as_of"] == "2026-12-01"
    runtimes = table["runtimes"]
    for runtime in ["python3.9", "python3.8", "python2.7", "nodejs18.x", "nodejs16.x", "java8",
                    "go1.x", "provided", "dotnetcore3.1", "dotnetcore2.1", "dotnet6",
                    "ruby3.2", "ruby2.7"]:
        assert runtime in runtimes, runtime
        date.fromisoformat(runtimes[runtime]["deprecated"])
        assert runtimes[runtime]["source"].startswith("https://")
    # The lifecycle table holds current runtimes too (tests/test_runtime_lifecycle.py).
    assert runtimes["python3.12"]["deprecated"] > "2026-12-01"


def test_layout_table_lists_every_search_path() -> None:
    paths = {p["path"] for p in layer_layout()["search_paths"]}
    assert paths == {
        "python/", "python/lib/python{version}/site-packages/", "nodejs/node_modules/",
        "nodejs/node{major}/node_modules/", "java/lib/", "ruby/gems/{version}.0/", "ruby/lib/",
        "bin/", "lib/", "extensions/",
    }


# -- layout --------------------------------------------------------------------------------------


def test_well_formed_layers_have_no_layout_findings() -> None:
    python = entries("python/", "python/geo/__init__.py",
                     "python/lib/python3.12/site-packages/x/__init__.py", "bin/tool", "lib/libz.so")
    assert check_layout(python, ["python3.12"]) == []
    node = entries("nodejs/node_modules/left-pad/index.js", "nodejs/node20/node_modules/a/b.js")
    assert check_layout(node, ["nodejs20.x"]) == []
    ruby = entries("ruby/gems/3.3.0/gems/x/lib/x.rb", "ruby/lib/y.rb")
    assert check_layout(ruby, ["ruby3.3"]) == []
    assert check_layout(entries("java/lib/a.jar"), ["java21"]) == []
    assert check_layout(entries("extensions/agent", "bin/agent"), ["provided.al2023"]) == []


def test_python_layer_without_python_root() -> None:
    findings = check_layout(entries("geo/__init__.py", "geo/core.py"), ["python3.12"])
    warnings = messages(findings, "warning")
    assert any("geo/ is not on any runtime's path" in m for m in warnings)
    assert any("python3.12" in m and "python/" in m for m in warnings)
    assert all(f.code == "layout" for f in findings)


def test_zip_made_one_folder_too_high() -> None:
    findings = check_layout(entries("build/python/geo/__init__.py"), ["python3.12"])
    top = next(f for f in findings if f.path == "build/")
    assert "one folder too high" in top.message and "python/" in top.message


def test_site_packages_of_another_python_version() -> None:
    layer = entries("python/lib/python3.9/site-packages/geo/__init__.py")
    findings = check_layout(layer, ["python3.12"])
    assert [f.path for f in findings] == ["python/lib/python3.9/site-packages/"]
    assert "3.9" in findings[0].message and "python3.12" in findings[0].message


def test_nodejs_layer_without_node_modules() -> None:
    findings = check_layout(entries("nodejs/index.js", "nodejs/package.json"), ["nodejs20.x"])
    wanted = "nodejs/node_modules/ or nodejs/node20/node_modules/"
    assert any(wanted in m for m in messages(findings))


def test_nodejs_folder_for_another_major() -> None:
    findings = check_layout(entries("nodejs/node18/node_modules/a/index.js"), ["nodejs20.x"])
    warnings = messages(findings, "warning")
    assert any("nodejs/node18/node_modules/ is read only by nodejs 18" in m for m in warnings)
    assert any("declared for nodejs20.x but has nothing under" in m for m in warnings)


def test_zip_inside_the_zip_and_stray_top_level_files() -> None:
    findings = check_layout(entries("python/x.py", "layer.zip", "README.md"), ["python3.12"])
    paths = {f.path for f in findings}
    assert paths == {"layer.zip", "README.md"}
    assert any("zip inside the zip" in m for m in messages(findings))


def test_many_stray_names_are_summarised() -> None:
    findings = check_layout(entries(*(f"junk{i}/x" for i in range(12))), [])
    assert len(findings) == 6
    assert "7 more top-level names" in findings[-1].message


# -- architecture --------------------------------------------------------------------------------


def test_elf_architecture_from_synthetic_headers() -> None:
    assert elf_architecture(elf(X86_64)) == "x86_64"
    assert elf_architecture(elf(AARCH64)) == "arm64"
    assert elf_architecture(elf(AARCH64, big_endian=True)) == "arm64"
    assert elf_architecture(elf(0x28)) == "arm (32-bit)"
    assert elf_architecture(elf(0x1234)) == "machine 0x1234"
    assert elf_architecture(b"#!/bin/sh\necho not an elf file\n") is None
    assert elf_architecture(b"\x7fELF\x02\x01") is None  # too short to hold e_machine


def fake_reader(headers: dict[str, bytes]) -> tuple[Any, list[str]]:
    calls: list[str] = []

    def read_head(member: ZipEntry, length: int) -> bytes:
        calls.append(member.path)
        return headers[member.path][:length]

    return read_head, calls


def test_x86_64_binaries_in_an_arm64_only_layer() -> None:
    headers = {"python/numpy/core.so": elf(X86_64), "bin/tool": elf(AARCH64),
               "python/x.cpython-312-aarch64-linux-gnu.so": elf(AARCH64)}
    read_head, _ = fake_reader(headers)
    findings = check_architecture([entry(p) for p in headers], ["arm64"], read_head)
    assert [(f.level, f.path) for f in findings] == [("error", "python/numpy/core.so")]
    assert "x86_64" in findings[0].message and "arm64" in findings[0].message


def test_arm64_binaries_in_an_x86_64_only_layer() -> None:
    read_head, _ = fake_reader({"extensions/agent": elf(AARCH64)})
    findings = check_architecture([entry("extensions/agent")], ["x86_64"], read_head)
    assert [(f.level, f.code) for f in findings] == [("error", "architecture")]


def test_declared_for_both_but_built_for_one_and_undeclared() -> None:
    read_head, _ = fake_reader({"lib/libgeos.so.3": elf(X86_64)})
    both = check_architecture([entry("lib/libgeos.so.3")], ["x86_64", "arm64"], read_head)
    assert [f.level for f in both] == ["warning"]
    none = check_architecture([entry("lib/libgeos.so.3")], [], read_head)
    assert [f.level for f in none] == ["info"] and "declares no" in none[0].message


def test_elf_reads_are_bounded_and_sampled_evenly() -> None:
    members = [entry(f"python/pkg/m{i}.so", size=1000 + i) for i in range(100)]
    members += [entry("python/pkg/readme.txt", 10_000), entry("bin/", 0)]
    read_head, calls = fake_reader({m.path: elf(X86_64) for m in members})
    findings = check_architecture(members, ["x86_64"], read_head, max_reads=64)
    assert len(calls) == 64
    assert calls[0] == "python/pkg/m0.so" and calls[-1] == "python/pkg/m98.so"
    assert any("sampled 64 of 100 native candidates" in m for m in messages(findings, "info"))
    assert [e.path for e in native_code_candidates(members)][:1] == ["python/pkg/m0.so"]


def test_architecture_over_range_reads(zip_server: ZipServer) -> None:
    data = build_zip({
        "python/fast.cpython-312-x86_64-linux-gnu.so": elf(X86_64, pad=50_000),
        "bin/helper": elf(AARCH64, pad=5000),
        "python/pure.py": b"print('hi')\n" * 10,
    })
    zip_server.publish("native.zip", data)
    archive = RemoteZip(lambda: zip_server.url("native.zip"))
    listed = archive.entries()
    zip_server.reset_counts()
    findings = check_architecture(listed, ["arm64"], archive.read_member_head)
    assert [(f.level, f.path) for f in findings] == [
        ("error", "python/fast.cpython-312-x86_64-linux-gnu.so")
    ]
    assert len(zip_server.requests) == 2  # one small Range GET per binary
    assert zip_server.bytes_sent < 2 * 2048 + 2 * 300


# -- runtime -------------------------------------------------------------------------------------


def test_deprecated_runtimes_with_their_dates() -> None:
    findings = check_runtimes(["python3.8", "python3.12", "go1.x"], today=date(2026, 11, 22))
    assert [f.level for f in findings] == ["warning", "warning"]
    assert "python3.8" in findings[0].message and "2024-10-14" in findings[0].message
    assert "go1.x" in findings[1].message and "2024-01-08" in findings[1].message
    assert "https://docs.aws.amazon.com/lambda/" in findings[0].message


def test_upcoming_deprecation_is_information() -> None:
    before = check_runtimes(["nodejs20.x"], today=date(2026, 3, 1))
    after = check_runtimes(["nodejs20.x"], today=date(2026, 5, 1))
    assert [f.level for f in before] == ["info"] and "2026-04-30" in before[0].message
    assert [f.level for f in after] == ["warning"]


def test_runtime_check_reads_the_frozen_clock() -> None:
    from layer_tui import clock

    clock.freeze(datetime(2026, 11, 22, 19, 0, tzinfo=clock.UTC))
    try:
        assert [f.level for f in check_runtimes(["dotnet8"])] == ["warning"]
        clock.freeze(datetime(2026, 9, 1, tzinfo=clock.UTC))
        assert [f.level for f in check_runtimes(["dotnet8"])] == ["info"]
    finally:
        clock.freeze(None)


# -- size ----------------------------------------------------------------------------------------


def test_layer_size_budget() -> None:
    assert check_size(UNZIPPED_LIMIT // 2) == []
    assert check_size(int(UNZIPPED_LIMIT * 0.9)) == []
    assert [f.level for f in check_size(UNZIPPED_LIMIT)] == ["warning"]  # at the limit: fits
    warn = check_size(int(UNZIPPED_LIMIT * 0.95))
    assert [f.level for f in warn] == ["warning"] and "95%" in warn[0].message
    over = check_size(UNZIPPED_LIMIT + 1)
    assert [(f.level, f.code) for f in over] == [("error", "size")]
    assert "262,144,000" in over[0].message


def test_consumer_budget_counts_what_is_known_and_says_so() -> None:
    fits = consumer_budget(5_000_000, [100_000_000, 50_000_000])
    assert fits.at_least == 155_000_000 and fits.level == "info"
    assert fits.headroom == UNZIPPED_LIMIT - 155_000_000
    assert "zipped size" in fits.message
    close = consumer_budget(20_000_000, [220_000_000, None])
    assert close.level == "warning" and close.unknown_layers == 1
    assert "1 layer(s) of unknown size not counted" in close.message
    over = consumer_budget(10_000_000, [200_000_000, 60_000_000])
    assert over.level == "error" and over.headroom < 0
    assert over.finding() == Finding("error", "size", over.message)


def test_run_checks_orders_errors_first_and_finding_json() -> None:
    layer = [entry("geo/x.py"), entry("python/big.bin", UNZIPPED_LIMIT + 1)]
    findings = run_checks(layer, runtimes=["python3.8"], today=date(2026, 11, 22))
    assert [f.level for f in findings] == ["error", "warning", "warning"]
    assert findings[0].to_json() == {"level": "error", "code": "size",
                                     "message": findings[0].message}


# -- inspect -------------------------------------------------------------------------------------


def stubbed_lambda() -> tuple[Any, Stubber]:
    client = boto3.client("lambda", region_name="eu-north-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    return client, Stubber(client)


def metadata(location: str | None, code_size: int, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"CodeSha256": "6rgOabc=", "CodeSize": code_size}
    if location is not None:
        content["Location"] = location
    return {"LayerVersionArn": ARN, "Version": 3, "Content": content, **extra}


def test_inspect_report_json_shape(zip_server: ZipServer) -> None:
    data = build_zip({"python/": b"", "python/geo/__init__.py": b"x = 1\n" * 20,
                      "python/geo/_speed.so": elf(X86_64)}, compression=zipfile.ZIP_DEFLATED)
    url = zip_server.publish("geo.zip", data)
    client, stubber = stubbed_lambda()
    stubber.add_response(
        "get_layer_version_by_arn",
        metadata(url, len(data), CompatibleRuntimes=["python3.12"],
                 CompatibleArchitectures=["arm64"]),
        {"Arn": ARN},
    )
    with stubber:
        report = inspect_layer_version(client, ARN)
    out = json.loads(json.dumps(report.to_json()))
    assert list(out) == ["arn", "code_size", "bytes_fetched", "files", "uncompressed_size",
                         "entries", "findings"]
    assert out["arn"] == ARN and out["code_size"] == len(data)
    assert out["files"] == 2 and out["uncompressed_size"] == 120 + len(elf(X86_64))
    assert out["bytes_fetched"] == zip_server.bytes_sent
    first = out["entries"][1]
    assert set(first) == {"path", "size", "compressed_size", "crc32", "is_dir"}
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        assert first["crc32"] == f"{z.getinfo('python/geo/__init__.py').CRC:08x}"
    assert out["findings"] == [{"level": "error", "code": "architecture",
                                "message": report.findings[0].message}]


def test_inspect_refreshes_an_expired_url(zip_server: ZipServer) -> None:
    data = build_zip({"python/geo.py": b"pass\n"})
    stale = zip_server.publish("geo.zip", data)
    zip_server.expire("geo.zip")
    client, stubber = stubbed_lambda()
    stubber.add_response("get_layer_version_by_arn", metadata(stale, len(data)), {"Arn": ARN})
    stubber.add_response("get_layer_version_by_arn",
                         metadata(zip_server.url("geo.zip"), len(data)), {"Arn": ARN})
    with stubber:
        report = inspect_layer_version(client, ARN, with_elf=False)
        stubber.assert_no_pending_responses()
    assert [e.path for e in report.entries] == ["python/geo.py"] and report.findings == ()


def test_inspect_when_the_refresh_itself_fails(zip_server: ZipServer) -> None:
    data = build_zip({"python/geo.py": b"pass\n"})
    stale = zip_server.publish("geo.zip", data)
    zip_server.expire("geo.zip")
    client, stubber = stubbed_lambda()
    stubber.add_response("get_layer_version_by_arn", metadata(stale, len(data)), {"Arn": ARN})
    stubber.add_client_error("get_layer_version_by_arn", "AccessDeniedException", "no", 403)
    with stubber:
        report = inspect_layer_version(client, ARN)
    assert [(f.level, f.code) for f in report.findings] == [("error", "contents")]
    assert "fresh content URL" in report.findings[0].message
    assert not report.contents_read


def test_inspect_without_location_says_why() -> None:
    client, stubber = stubbed_lambda()
    stubber.add_response("get_layer_version_by_arn",
                         metadata(None, 1234, CompatibleRuntimes=["python3.9"]), {"Arn": ARN})
    with stubber:
        report = inspect_layer_version(client, ARN)
    assert report.entries == () and not report.contents_read and report.bytes_fetched == 0
    assert report.findings[0].code == "contents" and "own S3 bucket" in report.findings[0].message
    assert any(f.code == "runtime" and "python3.9" in f.message for f in report.findings)
    assert report.to_json()["files"] == 0


def test_inspect_of_a_non_zip_is_a_finding(zip_server: ZipServer) -> None:
    url = zip_server.publish("junk", b"not a zip at all" * 10)
    client, stubber = stubbed_lambda()
    stubber.add_response("get_layer_version_by_arn", metadata(url, 160), {"Arn": ARN})
    with stubber:
        report = inspect_layer_version(client, ARN)
    assert [(f.level, f.code) for f in report.findings] == [("error", "contents")]
    assert "not a zip" in report.findings[0].message
    assert report.bytes_fetched == zip_server.bytes_sent == 160


@pytest.mark.parametrize("arn", [
    "arn:aws:lambda:eu-north-1:123456789012:layer:geo",
    "arn:aws:lambda:eu-north-1:123456789012:layer:bad name:1",
    "arn:aws:lambda:eu-north-1:123:layer:geo:1",
    "arn:aws:lambda:eu-north-1:123456789012:layer:" + "x" * 120 + ":1",
])
def test_inspect_rejects_bad_arns_before_calling(arn: str) -> None:
    client, stubber = stubbed_lambda()
    with stubber, pytest.raises(InvalidLayerVersionArn):
        inspect_layer_version(client, arn)


# -- diff ----------------------------------------------------------------------------------------


def test_diff_entries() -> None:
    old = [entry("python/", 0), entry("python/a.py", 10, crc=1), entry("python/b.py", 20, crc=2),
           entry("python/c.py", 30, crc=3)]
    new = [entry("python/", 0), entry("python/a.py", 10, crc=1), entry("python/b.py", 25, crc=9),
           entry("python/c.py", 30, crc=4), entry("python/d.py", 5, crc=5)]
    diff = diff_entries(old, new)
    assert [e.path for e in diff.added] == ["python/d.py"]
    assert diff.removed == ()
    assert [(c.path, c.size_delta) for c in diff.changed] == [("python/b.py", 5),
                                                              ("python/c.py", 0)]
    assert diff.size_delta == 10
    assert diff_entries(new, old).size_delta == -10
    assert diff_entries(old, old).unchanged


# -- against the project's sandbox (moto + content URLs with Range) ----------------------------


def test_inspect_against_the_sandbox(sandbox: Any) -> None:
    data = build_zip({"python/geo/__init__.py": b"x = 1\n" * 100, "stray.txt": b"hi",
                      "python/geo/_c.so": elf(X86_64)})
    client = sandbox.client("lambda", "eu-west-1")
    published = client.publish_layer_version(
        LayerName="geo", Content={"ZipFile": data}, CompatibleRuntimes=["python3.8"],
        CompatibleArchitectures=["arm64"],
    )
    report = inspect_layer_version(client, published["LayerVersionArn"])
    assert [(e.path, e.size) for e in report.entries] == [
        ("python/geo/__init__.py", 600), ("stray.txt", 2), ("python/geo/_c.so", len(elf(X86_64)))
    ]
    assert report.code_size == len(data)
    assert report.bytes_fetched == sandbox.stats.content_bytes_sent
    assert {(f.level, f.code) for f in report.findings} == {
        ("error", "architecture"), ("warning", "layout"), ("warning", "runtime")
    }
