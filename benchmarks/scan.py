"""Benchmark: the inventory against the AWS CLI loop a user would script, and the critical path.

    .venv/bin/python benchmarks/scan.py                 # 8 regions x 2000 functions x 40 x 10
    .venv/bin/python benchmarks/scan.py --regions 2 --functions 200 --cli-sizes all
    .venv/bin/python benchmarks/scan.py --regions 2 --functions 200 --published 0.25 --no-cli

The estate is served by a sandbox process of its own (``sandbox_process.py``) with a latency
added to every API call (a real AWS round trip from a bastion) and AWS's 15 requests/s per
region enforced. Measured in one run:
- the critical path: one region's ListFunctions page chain, sequential by nature (each page
  needs the previous page's marker), timed alone;
- layer-tui's inventory engine in this process, cold: when every region's layers, versions and
  consumer counts are listed (what the screens need), and when everything is in (sizes of the
  versions no function uses, one GetLayerVersion each, and the alias labels); its limit is the
  critical path plus those GetLayerVersion calls at the rate limit
  (``layer_tui_cold_vs_limit``); warm: sizes from the cache (versions never change);
- the same scans with ``latest_only``: what counting published function versions (the
  default) costs, as ratios of the time to the counts, the time to everything (alias labels
  included) and API calls (``all_versions_vs_latest_only``; give the estate published versions
  with ``--published``);
- ``layer-tui inventory --json`` as a process of its own, cold and then with its cache: like
  for like with the CLI, process start included;
- the AWS CLI loop (``awscli`` in a venv of its own, created on first use): per region,
  ``list-functions``, ``list-layers`` and ``list-layer-versions`` per layer — the same listing —
  then ``get-layer-version`` per version for sizes (a sample, projected to all versions, unless
  ``--cli-sizes all``);
and the API calls each made and how many were throttled. Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sandbox_process import SandboxProcess, add_estate_arguments, report

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.inventory import ScanProgress, list_function_configs, scan_inventory
from layer_tui.aws.session import DEFAULT_RATE_PER_SECOND, AwsSession, SessionConfig

AWSCLI_VENV = Path(tempfile.gettempdir()) / "layer-tui-bench-awscli"


def awscli() -> Path:
    """The ``aws`` command of a venv kept for the benchmark (the project never depends on it)."""
    aws = AWSCLI_VENV / "bin" / "aws"
    if not aws.exists():
        subprocess.run([sys.executable, "-m", "venv", str(AWSCLI_VENV)], check=True)
        subprocess.run([str(AWSCLI_VENV / "bin" / "pip"), "install", "-q", "awscli"], check=True)
    return aws


class CliLoop:
    """The AWS CLI, one process per command, as a shell loop runs it."""

    def __init__(self, endpoint: str) -> None:
        self.aws = str(awscli())
        self.endpoint = endpoint
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                    "AWS_PAGER": ""}
        self.processes = 0

    def run(self, region: str, *command: str) -> Any:
        self.processes += 1
        done = subprocess.run(
            [self.aws, "lambda", *command, "--region", region, "--endpoint-url", self.endpoint,
             "--output", "json"], env=self.env, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    def listing(self, regions: list[str]) -> dict[str, list[tuple[str, int]]]:
        """Every region's functions, layers and versions; returns (layer, version) per region."""
        versions: dict[str, list[tuple[str, int]]] = {}
        for region in regions:
            self.run(region, "list-functions")
            found = []
            for layer in self.run(region, "list-layers")["Layers"]:
                name = layer["LayerName"]
                listed = self.run(region, "list-layer-versions", "--layer-name", name)
                found += [(name, v["Version"]) for v in listed["LayerVersions"]]
            versions[region] = found
        return versions

    def size(self, region: str, layer: str, version: int) -> int:
        reply = self.run(region, "get-layer-version", "--layer-name", layer,
                         "--version-number", str(version))
        return int(reply["Content"]["CodeSize"])


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def layer_tui_inventory(
    session: AwsSession, regions: list[str] | None, known: Any, *, latest_only: bool = False
) -> dict[str, Any]:
    """Scan (``regions`` None: the account's, looked up as ``inventory`` does); returns when
    every region was listed and when it was complete."""
    listed_at: dict[str, float] = {}
    lock = threading.Lock()
    started = time.perf_counter()

    def progress(step: ScanProgress) -> None:
        if step.result is not None:
            with lock:
                listed_at.setdefault(step.region, time.perf_counter() - started)

    inventory = scan_inventory(session, regions, progress=progress, known_versions=known,
                               latest_only=latest_only)
    complete = time.perf_counter() - started
    for region in inventory.regions:  # a region with nothing left to ask reports at "done"
        listed_at.setdefault(region.region, complete)
    return {"listed_s": round(max(listed_at.values()), 2), "complete_s": round(complete, 2),
            "failed_regions": [r.region for r in inventory.regions if r.error],
            "inventory": inventory}


def inventory_process(endpoint: str, home: Path) -> None:
    """``layer-tui inventory --json`` as a user runs it: process start, imports and all."""
    app = Path(sys.executable).with_name("layer-tui")
    env = {**os.environ, "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data")}
    subprocess.run([str(app), "--endpoint-url", endpoint, "inventory", "--json"], env=env,
                   capture_output=True, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_estate_arguments(parser)
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE_PER_SECOND,
                        help="layer-tui's client limit, calls/s per region")
    parser.add_argument("--cli-sizes", default="40",
                        help="get-layer-version calls the CLI loop makes: a number (a sample, "
                             "projected to every version) or 'all'")
    parser.add_argument("--no-cli", action="store_true", help="skip the AWS CLI loop")
    parser.add_argument("--out", type=Path, default=None, help="write results as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

    with SandboxProcess(args.regions, args.functions, args.layers, args.versions,
                        args.published) as sandbox:
        regions = sandbox.regions
        sandbox.ask("faults", latency=args.latency, rate_limit=15.0)
        session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url,
                                           regions=tuple(regions), rate_per_second=args.rate))
        session.account_id()
        cache_home = Path(tempfile.mkdtemp(prefix="layer-tui-bench-home-"))
        results: dict[str, Any] = {
            "estate": {k: sandbox.info[k] for k in ("functions", "layers", "layer_versions")}
            | {"regions": len(regions), "published_share": args.published},
            "latency_s": args.latency, "server_rate_limit_per_region": 15.0,
            "client_rate_per_region": args.rate,
            "critical_path_model_s": round(math.ceil(args.functions / 50) * args.latency, 2),
        }

        def measured(label: str, action: Any) -> Any:
            time.sleep(1.5)  # the limiters' buckets refill, as between two runs of the app
            sandbox.ask("reset")
            elapsed, value = timed(action)
            stats = sandbox.ask("stats")
            results[label] = {"seconds": round(elapsed, 2), "api_calls": stats["api_calls"],
                              "throttled": stats["throttled"],
                              "by_operation": stats["by_operation"]}
            return value

        lam = session.client("lambda", regions[0])
        measured("critical_path", lambda: list_function_configs(lam))
        cold = measured("layer_tui_cold", lambda: layer_tui_inventory(session, regions, None))
        results["layer_tui_cold"].update(listed_s=cold["listed_s"],
                                         failed_regions=cold["failed_regions"])
        cold_latest = measured("layer_tui_cold_latest_only", lambda: layer_tui_inventory(
            session, regions, None, latest_only=True))
        results["layer_tui_cold_latest_only"].update(listed_s=cold_latest["listed_s"])
        # The versions no function uses: the only ones a size costs a call for.
        unused = sum(1 for r in cold["inventory"].regions for layer in r.layers
                     for v in layer.versions if not v.consumers)
        results["unused_versions"] = unused
        results["unused_versions_per_region_max"] = max(
            (sum(1 for layer in r.layers for v in layer.versions if not v.consumers)
             for r in cold["inventory"].regions), default=0)
        cache = InventoryCache(root=Path(tempfile.mkdtemp(prefix="layer-tui-bench-")),
                               endpoint_url=sandbox.endpoint_url)
        cache.save(cold["inventory"])
        known = cache.known_versions(session.account_id(), regions)
        warm = measured("layer_tui_warm", lambda: layer_tui_inventory(session, regions, known))
        results["layer_tui_warm"].update(listed_s=warm["listed_s"],
                                         failed_regions=warm["failed_regions"])
        # What counting published versions and their aliases costs (the default) against
        # --latest-only: warm, so the sizes are known and only the consumer chain differs.
        latest = measured("layer_tui_warm_latest_only", lambda: layer_tui_inventory(
            session, regions, known, latest_only=True))
        results["layer_tui_warm_latest_only"].update(listed_s=latest["listed_s"])

        def ratio(over: str, under: str, what: str) -> float:
            return round(results[over][what] / max(results[under][what], 1e-9), 2)

        results["all_versions_vs_latest_only"] = {
            "counts_s_warm": ratio("layer_tui_warm", "layer_tui_warm_latest_only", "listed_s"),
            "counts_s_cold": ratio("layer_tui_cold", "layer_tui_cold_latest_only", "listed_s"),
            "everything_s_warm": ratio("layer_tui_warm", "layer_tui_warm_latest_only",
                                       "seconds"),
            "api_calls_warm": ratio("layer_tui_warm", "layer_tui_warm_latest_only",
                                    "api_calls"),
        }
        measured("layer_tui_process_cold", lambda: inventory_process(sandbox.endpoint_url,
                                                                      cache_home))
        # The warm process against the engine doing what the process does: a new session
        # (clients, connections), the account and regions looked up, then the scan, with the
        # sizes the cache knows. Three of each, taken in turn: the figure is the difference of
        # two 6-second runs on a shared machine, so each side is its median.
        config = SessionConfig(endpoint_url=sandbox.endpoint_url, rate_per_second=args.rate)
        runs: dict[str, list[dict[str, Any]]] = {"engine": [], "process": []}
        for _ in range(3):
            measured("layer_tui_engine_warm", lambda: layer_tui_inventory(
                AwsSession(config), None, known))
            runs["engine"].append(results["layer_tui_engine_warm"])
            measured("layer_tui_process_warm", lambda: inventory_process(sandbox.endpoint_url,
                                                                          cache_home))
            runs["process"].append(results["layer_tui_process_warm"])
        for side, label in (("engine", "layer_tui_engine_warm"),
                            ("process", "layer_tui_process_warm")):
            ordered = sorted(runs[side], key=lambda run: run["seconds"])
            results[label] = ordered[len(ordered) // 2] | {
                "runs_s": [run["seconds"] for run in runs[side]]}
        if not args.no_cli:
            cli_measures(args, sandbox, regions, results, measured)
    critical = results["critical_path"]["seconds"]
    results["layer_tui_listed_vs_critical_path"] = round(
        results["layer_tui_cold"]["listed_s"] / critical, 2)
    # Regions run side by side: the slowest region's unused versions, at the rate limit.
    limit = critical + results["unused_versions_per_region_max"] / args.rate
    results["layer_tui_cold_limit_s"] = round(limit, 2)
    results["layer_tui_cold_vs_limit"] = round(results["layer_tui_cold"]["seconds"] / limit, 2)
    results["layer_tui_process_warm_minus_engine_warm_s"] = round(
        results["layer_tui_process_warm"]["seconds"]
        - results["layer_tui_engine_warm"]["seconds"], 2)
    # Against the listing alone (a session whose account, regions and clients are known).
    results["layer_tui_process_warm_minus_listing_warm_s"] = round(
        results["layer_tui_process_warm"]["seconds"] - results["layer_tui_warm"]["seconds"], 2)
    if "cli_listing" in results:
        # Like for like: a process each side. The warm run prints the same listing plus the
        # sizes (from its cache); the cold one asks for every size, as the CLI's total does.
        results["cli_listing_vs_layer_tui_process_warm"] = round(
            results["cli_listing"]["seconds"] / results["layer_tui_process_warm"]["seconds"], 1)
        results["cli_total_vs_layer_tui_process_cold"] = round(
            results["cli_total_projected_s"] / results["layer_tui_process_cold"]["seconds"], 1)
    report(results, args.out)
    return 0


def cli_measures(args: Any, sandbox: SandboxProcess, regions: list[str],
                 results: dict[str, Any], measured: Any) -> None:
    cli = CliLoop(sandbox.endpoint_url)
    cli.run(regions[0], "list-layers")  # the first run of a fresh venv compiles its modules
    versions = measured("cli_listing", lambda: cli.listing(regions))
    every = [(region, layer, n) for region, found in versions.items() for layer, n in found]
    sample = every if args.cli_sizes == "all" else every[: int(args.cli_sizes)]
    per_call: list[float] = []

    def sizes() -> None:
        for region, layer, number in sample:
            elapsed, _ = timed(lambda: cli.size(region, layer, number))  # noqa: B023
            per_call.append(elapsed)

    measured("cli_sizes", sizes)
    results["cli_sizes"].update(versions_asked=len(sample), versions_total=len(every),
                                median_process_s=round(statistics.median(per_call), 3))
    projected = results["cli_sizes"]["seconds"] * len(every) / max(1, len(sample))
    results["cli_total_projected_s"] = round(results["cli_listing"]["seconds"] + projected, 1)
    results["cli_processes"] = cli.processes


if __name__ == "__main__":
    raise SystemExit(main())
