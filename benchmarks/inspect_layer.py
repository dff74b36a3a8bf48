"""Benchmark: listing a layer over HTTP Range against downloading it and listing it locally.

    .venv/bin/python benchmarks/inspect_layer.py [--latency 0.05] [--shapes-only]

Uses the demo sandbox's largest layer (ml-models, over 50 MB zipped). Bytes are counted by the
serving side (the sandbox), not by the client. Not a test: it never fails on time.

``shapes`` lists six archive shapes through ``RemoteZip`` over an in-memory counting source and
prints the requests and bytes each listing cost: the same script run on two commits compares
two zip readers on the same archives (the shapes are built deterministically).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import time
import zipfile
import zlib
from typing import IO

import urllib3

from layer_tui.aws.contents import RemoteZip
from layer_tui.aws.inspection import inspect_layer_version
from layer_tui.sandbox.demo import start_demo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds before the first byte of each content request")
    parser.add_argument("--shapes-only", action="store_true",
                        help="only the archive shapes, not the demo sandbox's layer")
    args = parser.parse_args()
    shapes = list_shapes()
    if args.shapes_only:
        print(json.dumps({"shapes": shapes}, indent=2))
        return 0
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    sandbox = start_demo()
    sandbox.faults.content_latency = args.latency
    lam = sandbox.client("lambda", "eu-west-1")
    arn = lam.list_layer_versions(LayerName="ml-models")["LayerVersions"][0]["LayerVersionArn"]

    sandbox.stats.reset()
    started = time.perf_counter()
    report = inspect_layer_version(lam, arn, with_elf=False)
    range_s = time.perf_counter() - started
    range_bytes = sandbox.stats.content_bytes_sent

    sandbox.stats.reset()
    started = time.perf_counter()
    url = lam.get_layer_version_by_arn(Arn=arn)["Content"]["Location"]
    body = urllib3.PoolManager().request("GET", url).data
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        listed = archive.infolist()
    download_s = time.perf_counter() - started
    download_bytes = sandbox.stats.content_bytes_sent
    sandbox.stop()

    results = {
        "layer": arn.split(":", 5)[-1],
        "code_size": report.code_size,
        "entries": len(listed),
        "range": {"seconds": round(range_s, 3), "bytes": range_bytes},
        "download_and_zipfile": {"seconds": round(download_s, 3), "bytes": download_bytes},
        "bytes_ratio": round(download_bytes / max(1, range_bytes), 1),
        "same_listing": sorted((e["path"], e["size"]) for e in report.to_json()["entries"])
        == sorted((i.filename, i.file_size) for i in listed),
        "content_latency_s": args.latency,
        "shapes": shapes,
    }
    print(json.dumps(results, indent=2))
    return 0


class CountingSource:
    """A ``RangeSource`` over bytes in memory that counts what a listing asks for."""

    url_refreshes = 0
    downloaded_whole = False
    local_copy: IO[bytes] | None = None

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size: int | None = len(data)
        self.bytes_fetched = 0
        self.requests = 0

    def get(self, start: int | None, length: int) -> bytes:
        begin = len(self._data) - length if start is None else start
        chunk = self._data[max(0, begin) : begin + length]
        self.requests += 1
        self.bytes_fetched += len(chunk)
        return chunk

    def close(self) -> None:
        pass


def _members(count: int, body: bytes = b"x") -> dict[str, bytes]:
    return {f"python/pkg/m{i:05d}.py": body for i in range(count)}


def _zip(members: dict[str, bytes], *, comment: bytes = b"", stub: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 22, 19, 0, 0)), data)
        archive.comment = comment
    return stub + buffer.getvalue()


def _zip64(members: dict[str, bytes]) -> bytes:
    """Every size and offset in ZIP64 form, with the ZIP64 end records (as a >4 GiB zip)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data in members.items():
        raw, offset = name.encode(), out.tell()
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0x0800, 0, 0, 0x5B76,
                              zlib.crc32(data), 0xFFFFFFFF, 0xFFFFFFFF, len(raw),
                              len(local_extra)) + raw + local_extra + data)
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 45, 45, 0x0800,
                                  0, 0, 0x5B76, zlib.crc32(data), 0xFFFFFFFF, 0xFFFFFFFF,
                                  len(raw), len(extra), 0, 0, 0, 0o100644 << 16, 0xFFFFFFFF)
                      + raw + extra)
    cd, cd_offset = central.getvalue(), out.tell()
    out.write(cd)
    record_at, count = out.tell(), len(members)
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(cd),
                          cd_offset))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, record_at, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                          0xFFFFFFFF, 0))
    return out.getvalue()


def list_shapes() -> list[dict[str, object]]:
    """Requests, bytes and seconds of one listing of each shape."""
    shapes = {
        "small (12 entries)": _zip(_members(12, b"print(1)\n" * 50)),
        "800 entries (directory in the tail)": _zip(_members(800)),
        "70,000 entries (directory past the tail)": _zip(_members(70_000)),
        "longest comment": _zip(_members(12), comment=b"c" * 65535),
        "ZIP64 end records and extras": _zip64(_members(12, b"data")),
        "self-extractor stub": _zip(_members(12), stub=b"#!/bin/sh\nexit 0\n" * 500),
    }
    rows: list[dict[str, object]] = []
    for name, data in shapes.items():
        source = CountingSource(data)
        started = time.perf_counter()
        entries = RemoteZip(source=source).entries()
        rows.append({
            "shape": name,
            "object_bytes": len(data),
            "entries": len(entries),
            "requests": source.requests,
            "bytes": source.bytes_fetched,
            "seconds": round(time.perf_counter() - started, 3),
        })
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
