"""The benchmark estate served from a process of its own, like a remote AWS.

In-process, the sandbox's moto work and the client's parsing would share one interpreter (and
its lock), and the client would be measured with the server's time mixed in. Here the sandbox
runs apart and is steered over its stdin with one JSON object a line:

    {"op": "faults", "latency": 0.1, "rate_limit": 15}   -> {"ok": true}
    {"op": "stats"}                                      -> {"api_calls": ..., "throttled": ...}
    {"op": "reset"}                                      -> {"ok": true}   (stats and buckets)

``SandboxProcess`` is the client side; ``python benchmarks/sandbox_process.py --regions 8 ...``
the server side (its first stdout line says where it listens).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def add_estate_arguments(parser: argparse.ArgumentParser) -> None:
    """The estate and latency options every benchmark against the sandbox process takes."""
    parser.add_argument("--regions", type=int, default=8)
    parser.add_argument("--functions", type=int, default=2000, help="per region")
    parser.add_argument("--layers", type=int, default=40, help="per region")
    parser.add_argument("--versions", type=int, default=10, help="per layer")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--published", type=float, default=0.0,
                        help="share of functions with published versions and an alias prod")


def report(results: dict[str, Any], out: Path | None) -> None:
    """Print a benchmark's results as JSON (what ``evidence.py`` reads), and keep a copy."""
    text = json.dumps(results, indent=2)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


class SandboxProcess:
    """Starts the estate in a child process; use as a context manager."""

    def __init__(
        self, regions: int, functions: int, layers: int, versions: int, published: float = 0.0
    ) -> None:
        self.argv = [sys.executable, str(HERE / "sandbox_process.py"), "--regions", str(regions),
                     "--functions", str(functions), "--layers", str(layers),
                     "--versions", str(versions), "--published", str(published)]
        self.child: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> SandboxProcess:
        self.child = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, bufsize=1)
        self.info = self._read()
        return self

    def __exit__(self, *_: object) -> None:
        if self.child is not None:
            assert self.child.stdin is not None
            self.child.stdin.close()
            self.child.wait(timeout=30)

    @property
    def endpoint_url(self) -> str:
        return str(self.info["endpoint"])

    @property
    def regions(self) -> list[str]:
        return list(self.info["regions"])

    def _read(self) -> dict[str, Any]:
        assert self.child is not None and self.child.stdout is not None
        line = self.child.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process stopped")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def ask(self, op: str, **fields: Any) -> dict[str, Any]:
        assert self.child is not None and self.child.stdin is not None
        self.child.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        return self._read()


def serve() -> int:
    parser = argparse.ArgumentParser()
    add_estate_arguments(parser)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    from layer_tui.sandbox.estate import estate_sandbox, seed_estate

    sandbox = estate_sandbox(args.regions)
    sandbox.start()
    summary = seed_estate(sandbox, functions_per_region=args.functions,
                          layers_per_region=args.layers, versions_per_layer=args.versions,
                          published=args.published)

    def say(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    say({"endpoint": sandbox.endpoint_url, "account": sandbox.account_id,
         "regions": list(summary.regions), "functions": summary.functions,
         "layers": summary.layers, "layer_versions": summary.layer_versions})
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        if op == "faults":
            for name, value in request.items():
                setattr(sandbox.faults, name, value)
            sandbox.reset_throttle()
            say({"ok": True})
        elif op == "stats":
            by_operation: dict[str, int] = {}
            for (_, operation), count in sandbox.stats.api_calls.items():
                by_operation[operation] = by_operation.get(operation, 0) + count
            say({"api_calls": sandbox.stats.total_api_calls,
                 "throttled": sandbox.stats.total_throttled_calls,
                 "cpu_s": round(time.process_time(), 2),
                 "by_operation": by_operation})
        elif op == "reset":
            sandbox.stats.reset()
            sandbox.reset_throttle()
            say({"ok": True})
        else:
            say({"error": f"unknown op {op}"})
    sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(serve())
