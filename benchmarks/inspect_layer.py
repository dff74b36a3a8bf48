"""Benchmark: listing a layer over HTTP Range against downloading it and listing it locally.

    .venv/bin/python benchmarks/inspect_layer.py [--latency 0.05]

Uses the demo sandbox's largest layer (ml-models, over 50 MB zipped). Bytes are counted by the
serving side (the sandbox), not by the client. Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
import zipfile

import urllib3

from layer_tui.aws.inspection import inspect_layer_version
from layer_tui.sandbox.demo import start_demo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds before the first byte of each content request")
    args = parser.parse_args()
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
    }
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
