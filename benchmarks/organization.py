"""Benchmark: a whole AWS Organization listed, against the slowest account's critical path.

    .venv/bin/python benchmarks/organization.py            # 50 accounts x 4 regions x 500
    .venv/bin/python benchmarks/organization.py --accounts 5 --functions 200

The organization (100,000 function configurations by default) is served by a process of its
own (``org_estate.py``: synthetic, since moto cannot hold that many functions), every call
``--latency`` late and Lambda limited per account x region as AWS limits it. Measured in one
run, by the engine in this process (``resolve_accounts`` + ``scan_accounts``, as ``--org`` runs
them):
- the critical path: the slowest account scanned alone (its regions in parallel, nothing else
  running), when its regions are listed (layers, versions, consumer counts) and complete;
  and one region's ListFunctions page chain alone (sequential by nature);
- the organization: the accounts resolved (ListAccounts, one AssumeRole each), then every
  account scanned at once, when every region is listed and when everything is in, with the
  consumers merged across accounts;
- the ratio of the two (the issue asks for at most 1.5), the requests in flight at most (the
  process-wide cap; with worker processes, this process's share only), the API calls and
  throttles, the engine's resident memory (peak, and with the whole organization held), and
  ``inventory --json``'s writing of it;
- how many worker processes scanned the accounts (``--processes``; by default none, as the
  engine runs), their processor time and the largest one's
  peak memory, and the load average of the machine at the start and end of the scan (the
  figure is processor-bound: on a shared machine it says how much of it there was).
Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class EstateProcess:
    """``org_estate.py`` in a child process; use as a context manager."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = [sys.executable, str(HERE / "org_estate.py"), *argv]
        self.child: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> EstateProcess:
        self.child = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, bufsize=1)
        self.info = self._read()
        return self

    def __exit__(self, *_: object) -> None:
        if self.child is not None and self.child.stdin is not None:
            self.child.stdin.close()
            self.child.wait(timeout=30)

    def _read(self) -> dict[str, Any]:
        assert self.child is not None and self.child.stdout is not None
        line = self.child.stdout.readline()
        if not line:
            raise RuntimeError("the estate process stopped")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def ask(self, op: str) -> dict[str, Any]:
        assert self.child is not None and self.child.stdin is not None
        self.child.stdin.write(op + "\n")
        return self._read()


def resident_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def peak_resident_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scanned(action: Any) -> dict[str, Any]:
    """Run a scan with a progress callback; when every region was listed, and complete."""
    listed_at: dict[tuple[str, str], float] = {}
    lock = threading.Lock()
    started = time.perf_counter()

    def progress(step: Any) -> None:
        if step.result is not None:
            with lock:
                listed_at.setdefault((step.account, step.region), time.perf_counter() - started)

    inventory = action(progress)
    complete = time.perf_counter() - started
    return {"listed_s": round(max(listed_at.values(), default=complete), 2),
            "complete_s": round(complete, 2), "inventory": inventory}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--functions", type=int, default=500, help="per account and region")
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--rate", type=float, default=15.0,
                        help="AWS's limit per account x region, calls/s")
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes for the accounts (default: none, as the engine)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "organization.json")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    os.environ.pop("AWS_PROFILE", None)

    from sandbox_process import report

    from layer_tui.aws.account_processes import process_count
    from layer_tui.aws.account_scan import scan_accounts
    from layer_tui.aws.accounts import resolve_accounts
    from layer_tui.aws.inventory import list_function_configs, scan_inventory
    from layer_tui.aws.request_cap import request_cap
    from layer_tui.aws.session import DEFAULT_RATE_PER_SECOND, SessionConfig
    from layer_tui.cli_output import write_accounts_json

    estate_argv = [f"--{name}={getattr(args, name)}" for name in
                   ("accounts", "regions", "functions", "layers", "versions", "latency", "rate")]
    results: dict[str, Any] = {
        "estate": {"accounts": args.accounts, "regions": args.regions,
                   "functions_per_account_region": args.functions,
                   "functions": args.accounts * args.regions * args.functions,
                   "own_layers": args.layers, "versions_per_layer": args.versions,
                   "served_by": "benchmarks/org_estate.py (synthetic; moto cannot hold it)"},
        "latency_s": args.latency, "aws_rate_per_account_region": args.rate,
        "client_rate_per_account_region": DEFAULT_RATE_PER_SECOND,
        "request_cap": request_cap().limit,
    }
    with EstateProcess(estate_argv) as estate:
        regions = tuple(estate.info["regions"])
        config = SessionConfig(endpoint_url=estate.info["endpoint"], regions=regions, org=True)

        def settled() -> None:
            time.sleep(1.5)  # the limiters' buckets refill, as between two runs of the app
            estate.ask("reset")

        started = time.perf_counter()
        accounts = resolve_accounts(config)
        results["resolve_accounts_s"] = round(time.perf_counter() - started, 2)
        results["accounts_reachable"] = len(accounts)
        # The slowest account: the platform one (the shared layers too), scanned alone.
        platform = accounts.get(estate.info["platform"])
        assert platform is not None
        settled()
        alone = scanned(lambda progress: scan_inventory(
            platform, regions, progress=lambda s: progress(s)))
        results["slowest_account_alone"] = {"listed_s": alone["listed_s"],
                                            "complete_s": alone["complete_s"],
                                            "api_calls": estate.ask("stats")["calls"]}
        settled()
        chain_started = time.perf_counter()
        list_function_configs(platform.client("lambda", regions[0]))
        results["list_functions_chain_s"] = round(time.perf_counter() - chain_started, 2)
        settled()
        results["load_average_at_start"] = [round(x, 1) for x in os.getloadavg()]
        workers_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        org = scanned(lambda progress: scan_accounts(accounts, regions, progress=progress,
                                                     processes=args.processes))
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        results["processes"] = process_count(len(accounts), args.processes)
        # Joined workers only (the estate process is still running): their processor time,
        # and the largest one's peak memory.
        results["workers_cpu_s"] = round(
            workers.ru_utime + workers.ru_stime
            - workers_before.ru_utime - workers_before.ru_stime, 1)
        results["worker_resident_mb_peak"] = round(workers.ru_maxrss / 1024, 1) if (
            results["processes"] > 1) else 0.0
        results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
        stats = estate.ask("stats")
        inventory = org["inventory"]
        results["organization"] = {
            "listed_s": org["listed_s"], "complete_s": org["complete_s"],
            "api_calls": stats["calls"], "throttled": stats["throttled"],
            "by_operation": stats["by_operation"],
            "server_cpu_s": stats["cpu_s"],
            "accounts_failed": sum(1 for a in inventory.accounts if a.error),
            "regions_failed": sum(1 for r in inventory.regions if r.error),
            "functions_scanned": sum(r.functions_scanned for r in inventory.regions),
            "cross_account_consumers": sum(
                1 for r in inventory.regions if r.account == estate.info["platform"]
                for layer in r.layers for v in layer.versions
                for c in v.consumers if c.account != r.account),
        }
        results["requests_in_flight_peak"] = request_cap().peak
        results["resident_mb_with_organization"] = resident_mb()
        sink = io.StringIO()
        written = time.perf_counter()
        write_accounts_json(inventory, sink)
        results["json_write_s"] = round(time.perf_counter() - written, 2)
        results["json_mb"] = round(len(sink.getvalue()) / 2**20, 1)
        del sink
    results["engine_cpu_s"] = round(time.process_time(), 1)
    results["resident_mb_peak"] = peak_resident_mb()
    slowest = results["slowest_account_alone"]
    results["org_listed_vs_slowest_account_listed"] = round(
        results["organization"]["listed_s"] / slowest["listed_s"], 2)
    results["org_complete_vs_slowest_account_complete"] = round(
        results["organization"]["complete_s"] / slowest["complete_s"], 2)
    report(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
