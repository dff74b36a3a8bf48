"""Benchmark: the consumer scan and the inventory on a large seeded estate with added latency.

    .venv/bin/python benchmarks/scan.py                       # 8 regions x 2000 functions ...
    .venv/bin/python benchmarks/scan.py --latency 0.1 --out benchmarks/results/scan.json

Measures, against the sandbox with a per-call latency (a real AWS round trip from a bastion):
- the critical path: the longest region's ListFunctions page chain, which is sequential by
  nature (each page needs the previous page's marker): pages x latency, and that chain timed
  alone;
- the consumer scan: every region's ListFunctions chain, regions in parallel;
- the inventory cold (every GetLayerVersion for sizes) and warm (sizes from the cache: versions
  never change), both at the default client rate limit of 10 requests/s per region, with the
  sandbox enforcing AWS's 15 requests/s, and counts API calls and throttled calls.
Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from layer_tui import clock
from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.inventory import list_function_configs, scan_inventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox.estate import estate_sandbox, seed_estate


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=8)
    parser.add_argument("--functions", type=int, default=2000, help="per region")
    parser.add_argument("--layers", type=int, default=40, help="per region")
    parser.add_argument("--versions", type=int, default=10, help="per layer")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--rate", type=float, default=10.0, help="client limit, calls/s/region")
    parser.add_argument("--out", type=Path, default=None, help="write results as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

    sandbox = estate_sandbox(args.regions)
    sandbox.start()
    seed_time, summary = timed(lambda: seed_estate(
        sandbox, functions_per_region=args.functions, layers_per_region=args.layers,
        versions_per_layer=args.versions))
    regions = list(sandbox.regions.enabled)
    sandbox.faults.latency = args.latency
    sandbox.faults.rate_limit = 15.0  # AWS's control-plane limit, enforced server-side
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url,
                                       regions=tuple(regions), rate_per_second=args.rate))
    session.account_id()
    results: dict[str, Any] = {
        "date": clock.now().strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "estate": {"regions": len(regions), "functions": summary.functions,
                   "layers": summary.layers, "layer_versions": summary.layer_versions},
        "latency_s": args.latency, "client_rate_per_region": args.rate,
        "seed_s": round(seed_time, 2),
    }
    pages = math.ceil(args.functions / 50)
    results["critical_path_model_s"] = round(pages * args.latency, 2)

    lam = session.client("lambda", regions[0])
    chain_time, _ = timed(lambda: list_function_configs(lam, all_versions=False))
    results["critical_path_measured_s"] = round(chain_time, 2)

    sandbox.stats.reset()
    with ThreadPoolExecutor(len(regions)) as pool:
        scan_time, _ = timed(lambda: list(pool.map(
            lambda r: list_function_configs(session.client("lambda", r), all_versions=False),
            regions)))
    results["consumer_scan_s"] = round(scan_time, 2)
    results["consumer_scan_calls"] = sandbox.stats.total_api_calls

    for label, known in (("cold", None), ("warm", "cache")):
        sandbox.stats.reset()
        sandbox.reset_throttle()
        cache = InventoryCache(root=Path(os.environ.get("TMPDIR", "/tmp")) / "layer-tui-bench",
                               endpoint_url=sandbox.endpoint_url)
        versions = cache.known_versions(session.account_id(), regions) if known else None
        elapsed, inventory = timed(lambda v=versions: scan_inventory(  # type: ignore[misc]
            session, regions, known_versions=v))
        if label == "cold":
            cache.save(inventory)
        errors = [r.region for r in inventory.regions if r.error]
        results[f"inventory_{label}_s"] = round(elapsed, 2)
        results[f"inventory_{label}_calls"] = sandbox.stats.total_api_calls
        results[f"inventory_{label}_throttled"] = sandbox.stats.total_throttled_calls
        results[f"inventory_{label}_failed_regions"] = errors
    results["consumer_scan_vs_critical_path"] = round(
        results["consumer_scan_s"] / results["critical_path_measured_s"], 2)
    results["inventory_warm_vs_critical_path"] = round(
        results["inventory_warm_s"] / results["critical_path_measured_s"], 2)
    sandbox.stop()
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
