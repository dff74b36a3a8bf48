"""Benchmark: process start to first painted screen — cold, with a cache, and ``--demo``.

    .venv/bin/python benchmarks/startup.py [--regions 8 --functions 2000 ...]

Runs the real ``layer-tui`` command in a pseudo-terminal of 140x40, feeds what it draws to a
terminal emulator (pyte) and times, from the moment the process is started:
- ``painted``: the first screen is up (the header and the Regions table);
- ``listed``: every region's row shows its layers, versions and functions (sizes may still be
  arriving: the status column says so);
- ``complete``: every region reads "ok";
- ``painted_cpu_s``: the processor time the app had used when its first screen was up (its
  threads included): on a machine shared with other work the wall time waits for a core, this
  does not.
Cold and cached runs go against the benchmark estate in a sandbox process of its own (the
latency per call and the 15 requests/s of ``scan.py``); the cached run starts with the cache the
cold run before it left, as the next start of the app would. Each kind starts three times
(``--starts``) and each figure is the median: one start on a shared machine can wait for a
core. Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyte
from sandbox_process import SandboxProcess, add_estate_arguments, report

COLUMNS, LINES = 140, 40
NUMBER = re.compile(r"^[\d,]+$")


def region_rows(screen: pyte.Screen, regions: Sequence[str]) -> dict[str, str]:
    rows = {}
    for line in screen.display:
        words = line.split()
        if words and words[0].strip("│ ") in regions:
            rows[words[0].strip("│ ")] = line
    return rows


def listed(line: str) -> bool:
    """A region row with its counts (layers, versions, functions) filled in."""
    return sum(1 for word in line.split() if NUMBER.match(word)) >= 3


def cpu_seconds(pid: int) -> float | None:
    """User and system time of process ``pid`` so far (Linux's /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)


def run_app(argv: list[str], env: dict[str, str], regions: Sequence[str],
            timeout: float, cache_files: Path | None = None) -> dict[str, float | None]:
    """Start the app in a pty; the seconds until each event (None: not within ``timeout``)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    events: dict[str, float | None] = {"painted": None, "listed": None, "complete": None,
                                       "painted_cpu_s": None}
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                             start_new_session=True)
    os.close(slave)
    try:
        while time.perf_counter() - started < timeout and events["complete"] is None:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                stream.feed(os.read(master, 1 << 16))
            except OSError:
                break  # the app exited
            moment = round(time.perf_counter() - started, 2)
            text = "\n".join(screen.display)
            if events["painted"] is None and "layer-tui" in text and "Region" in text:
                events["painted"] = moment
                events["painted_cpu_s"] = cpu_seconds(child.pid)
            rows = region_rows(screen, regions)
            if len(rows) == len(regions):
                if events["listed"] is None and all(listed(r) for r in rows.values()):
                    events["listed"] = moment
                if all(" ok " in r for r in rows.values()) and events["listed"] is not None:
                    events["complete"] = moment
        if events["complete"] is not None and cache_files is not None:
            # The cache is saved right after the scan: let it land before quitting, or the
            # next (cached) start would find none.
            deadline = time.perf_counter() + 10
            while len(list(cache_files.glob("*/*.json"))) < len(regions):
                if time.perf_counter() > deadline:
                    break
                time.sleep(0.1)
        os.write(master, b"q")
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    return events


def medians(runs: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Each event's median over the starts (None if any start missed it), and every start's."""
    result: dict[str, Any] = {}
    for event in runs[0]:
        seen = [run[event] for run in runs]
        result[event] = None if None in seen else statistics.median(
            value for value in seen if value is not None)
    result["runs"] = runs
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_estate_arguments(parser)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--starts", type=int, default=3,
                        help="starts of each kind; each figure is their median")
    parser.add_argument("--out", type=Path, default=None, help="write results as JSON here")
    args = parser.parse_args()
    app = str(Path(sys.executable).with_name("layer-tui"))
    home = Path(tempfile.mkdtemp(prefix="layer-tui-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES),
               AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_CONFIG_FILE=str(home / "aws-config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"), XDG_DATA_HOME=str(home / "data"))
    results: dict[str, Any] = {"terminal": f"{COLUMNS}x{LINES}", "latency_s": args.latency}
    with SandboxProcess(args.regions, args.functions, args.layers, args.versions) as sandbox:
        sandbox.ask("faults", latency=args.latency, rate_limit=15.0)
        argv = [app, "--endpoint-url", sandbox.endpoint_url]
        runs: dict[str, list[dict[str, float | None]]] = {"cold": [], "cached": [], "demo": []}
        for _ in range(args.starts):
            for label in ("cold", "cached"):
                if label == "cold":
                    shutil.rmtree(home / "cache", ignore_errors=True)
                time.sleep(1.5)  # the rate limit's bucket refills between two starts
                runs[label].append(run_app(argv, env, sandbox.regions, args.timeout,
                                           home / "cache" / "layer-tui"))
        results["estate"] = {k: sandbox.info[k] for k in ("functions", "layers",
                                                           "layer_versions")}
    from layer_tui.sandbox.demo import DEMO_REGIONS

    for _ in range(args.starts):
        runs["demo"].append(run_app([app, "--demo"], env, DEMO_REGIONS, args.timeout))
    for label, started in runs.items():
        results[label] = medians(started)
    results["starts"] = args.starts
    report(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
