"""Benchmark: the Config index answering "who uses this version" over an organization.

    .venv/bin/python benchmarks/config_index.py                  # 50 accounts x 4 regions x 500
    .venv/bin/python benchmarks/config_index.py --accounts 10 --out results/config_index.json

The aggregator's store is served by a sandbox in a process of its own, loaded with one
configuration item per function (``ConfigQuery.load``: Config's index, not 100,000 functions
built in moto), with a latency added to every API call (a real AWS round trip). Each region has
a platform account's 10 layers x 10 versions; every function lists one to three of them, newer
versions more often. Measured through ``ConfigIndex`` over real HTTP, cold (the aggregator
check included), with the client's own rate limit: the consumers of a version of median use
and of the most used version (the issue's target: under 2 s), of every version of one layer,
and of every layer of the platform account in a region (what ``inventory --index`` asks once
per region). Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox_process import report

from layer_tui.aws.config_index import ConfigIndex
from layer_tui.aws.session import AwsSession, SessionConfig

REGIONS = ("eu-west-1", "eu-north-1", "us-east-1", "us-west-2")
AGGREGATOR = "org-lambda"
LAYERS = ("otel", "auth", "py-common", "geo", "pdf", "crypto", "http", "db", "metrics", "flags")
VERSIONS = 10
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def accounts(count: int) -> list[str]:
    rng = random.Random("accounts")
    return sorted({f"{rng.randrange(10**11, 10**12)}" for _ in range(count * 2)})[:count]


def version_arn(region: str, platform: str, layer: str, version: int) -> str:
    return f"arn:aws:lambda:{region}:{platform}:layer:{layer}:{version}"


def items(members: list[str], functions: int) -> list[Any]:
    from layer_tui.sandbox.config_query import ConfigurationItem

    platform = members[0]
    weights = [0.7 ** (VERSIONS - n) for n in range(1, VERSIONS + 1)]  # newer: more used
    made = []
    for account in members:
        for region in REGIONS:
            rng = random.Random(f"{account} {region}")
            for index in range(functions):
                chosen = rng.sample(LAYERS, k=rng.choice((1, 2, 2, 3)))
                layers = tuple(
                    (version_arn(region, platform, layer,
                                 rng.choices(range(1, VERSIONS + 1), weights)[0]), 4096)
                    for layer in chosen
                )  # fmt: skip
                name = f"svc-{index:04d}"
                made.append(ConfigurationItem(
                    account, region, name, f"arn:aws:lambda:{region}:{account}:function:{name}",
                    "python3.12", ("x86_64",), layers, "2026-11-30T09:00:00.000+0000",
                    NOW - timedelta(minutes=index % 600),
                ))  # fmt: skip
    return made


def serve(args: argparse.Namespace) -> int:
    """The child: a sandbox whose Config index holds the organization's functions."""
    from layer_tui.sandbox import Sandbox

    members = accounts(args.accounts)
    started = time.perf_counter()
    loaded = items(members, args.functions)
    with Sandbox(account_id=members[0], regions=REGIONS) as sandbox:
        sandbox.config_index.load(loaded)
        sandbox.client("config", REGIONS[0]).put_configuration_aggregator(
            ConfigurationAggregatorName=AGGREGATOR,
            AccountAggregationSources=[{"AccountIds": members, "AllAwsRegions": True}],
        )
        sandbox.faults.latency = args.latency
        print(json.dumps({"endpoint": sandbox.endpoint_url, "items": len(loaded),
                          "load_s": round(time.perf_counter() - started, 2)}), flush=True)
        sys.stdin.read()  # until the parent closes it
    return 0


def measure(args: argparse.Namespace) -> int:
    # The sandbox takes any keys as its own account's (the aggregator's).
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    child = subprocess.Popen([sys.executable, __file__, "--serve", *sys.argv[1:]],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    info = json.loads(child.stdout.readline())
    try:
        members = accounts(args.accounts)
        platform = members[0]
        region = REGIONS[0]
        # The same draws as ``items`` makes for the first region: how used each version is.
        counts: dict[str, int] = {}
        for account in members:
            rng = random.Random(f"{account} {region}")
            weights = [0.7 ** (VERSIONS - n) for n in range(1, VERSIONS + 1)]
            for _ in range(args.functions):
                for layer in rng.sample(LAYERS, k=rng.choice((1, 2, 2, 3))):
                    arn = version_arn(region, platform, layer,
                                      rng.choices(range(1, VERSIONS + 1), weights)[0])
                    counts[arn] = counts.get(arn, 0) + 1
        ranked = sorted(counts, key=counts.__getitem__)
        median_version, top_version = ranked[len(ranked) // 2], ranked[-1]
        results: dict[str, Any] = {
            "accounts": args.accounts, "regions": len(REGIONS),
            "functions_per_account_region": args.functions, "configuration_items": info["items"],
            "latency_s": args.latency, "limit_s": 2.0,
        }

        def timed(name: str, ask: Any, expected: int | None = None) -> None:
            runs = []
            for _ in range(args.runs):
                session = AwsSession(SessionConfig(endpoint_url=info["endpoint"],
                                                   regions=(region,)))
                session.account_id()  # who am I is not the index's cost
                index = ConfigIndex(session, AGGREGATOR)
                started = time.perf_counter()
                answer = ask(index)
                runs.append(time.perf_counter() - started)
            # The generator's own count is the oracle: a fast wrong answer is no answer.
            if expected is not None and len(answer.consumers) != expected:
                raise SystemExit(f"{name}: {len(answer.consumers)} consumers, not {expected}")
            results[name] = {"consumers": len(answer.consumers), "complete": answer.complete,
                             "pages_at_100": math.ceil(len(answer.consumers) / 100),
                             "seconds_median": round(statistics.median(runs), 3)}

        timed("version_median_use", lambda index: index.consumers_of(median_version),
              counts[median_version])
        timed("version_most_used", lambda index: index.consumers_of(top_version),
              counts[top_version])
        otel = version_arn(region, platform, "otel", 1).rsplit(":", 1)[0]
        timed("every_version_of_one_layer", lambda index: index.consumers_of_layer(otel))
        timed("every_layer_of_the_platform_in_a_region",
              lambda index: index.consumers_of_account_layers(region, platform))
        report(results, args.out)
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--functions", type=int, default=500, help="per account and region")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return serve(args) if args.serve else measure(args)


if __name__ == "__main__":
    raise SystemExit(main())
