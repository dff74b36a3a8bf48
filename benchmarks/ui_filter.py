"""Benchmark: the UI on 100,000 functions / 10,000 layer versions: stalls, filtering, memory.

    .venv/bin/python benchmarks/ui_filter.py [--functions 100000] [--versions 10000]

Runs the real app headless (Textual's test driver) on a synthetic inventory held in memory, so
it measures the UI alone. A probe on the app's event loop (``LoopLag``) records its longest
stall from start to end, by phase: the inventory landing, each screen taking its rows in, the
filter keystrokes. For the Functions and Layers screens: how long until the rows show; what a
filter keystroke costs the app (filtering the models and drawing every visible table line);
and each keystroke typed into the `/` prompt end to end through Textual's test driver (its
settling wait included). Also the peak RSS.
Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from layer_tui import clock
from layer_tui.aws.models import FunctionRef, Inventory, Layer, LayerVersion, RegionInventory
from layer_tui.aws.session import SessionConfig

ACCOUNT = "123456789012"
REGION = "eu-west-1"


def synthetic_inventory(functions: int, versions: int) -> Inventory:
    layers_count = max(1, versions // 10)
    layer_versions: dict[str, list[LayerVersion]] = {}
    refs: list[FunctionRef] = []
    arns = []
    for n in range(layers_count):
        name = f"layer-{n:04d}"
        arns.extend(f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:{v}" for v in range(1, 11))
        layer_versions[name] = []
    for n in range(functions):
        uses = (arns[(n * 7) % len(arns)], arns[(n * 13 + 3) % len(arns)])
        refs.append(FunctionRef(f"svc-{n:05d}", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
                                f"svc-{n:05d}", "$LATEST", "python3.12", ("x86_64",), REGION,
                                "2026-10-01T00:00:00.000+0000", 1000, uses, (100, 100)))
    by_arn: dict[str, list[FunctionRef]] = {}
    for ref in refs:
        for arn in ref.layers:
            by_arn.setdefault(arn, []).append(ref)
    layers = []
    for n in range(layers_count):
        name = f"layer-{n:04d}"
        base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}"
        found = tuple(
            LayerVersion(name, v, f"{base}:{v}", base, REGION, "2026-10-01T00:00:00.000+0000",
                         1000 + v, f"sha{n}-{v}", f"build {v}", "MIT", ("python3.12",),
                         ("x86_64",), tuple(by_arn.get(f"{base}:{v}", ())))
            for v in range(10, 0, -1)
        )
        layers.append(Layer(name, base, REGION, found))
    region = RegionInventory(REGION, None, functions, tuple(layers), (), tuple(refs),
                             clock.now(), False)
    return Inventory(ACCOUNT, clock.now(), (region,))


class _Session:
    """What the app asks of a session here. Its start-up recovery reads ``read_only``: a
    stand-in without it failed that worker, and Textual's first failure imports its traceback
    renderer on the event loop (0.6 s of stall that a real session never causes)."""

    def __init__(self, config: SessionConfig) -> None:
        self.config = config
        self.profile_label = "bench"
        self.endpoint_label = "bench"
        self.read_only = config.read_only

    def account_id(self) -> str:
        return ACCOUNT

    def discover_regions(self) -> list[str]:
        return [REGION]


class LoopLag:
    """A probe on the app's own event loop: how late each 10 ms sleep wakes, by phase.

    It runs from before the app starts to the end, so it sees what the app does on the loop
    when the scan's inventory lands, when a screen takes its rows in and when a keystroke
    filters: the longest gap is how long a key would have waited for an answer then.
    """

    def __init__(self) -> None:
        self.phase = "start"
        self.worst: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gap, last = now - last, now
            self.worst[self.phase] = max(self.worst.get(self.phase, 0.0), gap)

    def stop(self) -> dict[str, int]:
        if self._task is not None:
            self._task.cancel()
        return {phase: round(gap * 1000) for phase, gap in self.worst.items()}


async def until(condition: Any, timeout: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app never got there")
        await asyncio.sleep(0.01)


async def measure(inventory: Inventory, query: str) -> dict[str, Any]:
    from layer_tui.ui.app import LayerTuiApp

    config = SessionConfig(regions=(REGION,), read_only=True)
    app = LayerTuiApp(config, session=_Session(config), scan=lambda *a, **k: inventory,
                      endpoint_label="bench")
    results: dict[str, Any] = {}
    lag = LoopLag()
    lag.start()
    started = time.perf_counter()
    async with app.run_test(size=(140, 40)) as pilot:
        # The scan hands over every function at once, as a finished scan of a big region does.
        await until(lambda: app.inventory is not None and getattr(app.screen, "rows_ready",
                                                                 False))
        results["inventory_taken_in_s"] = round(time.perf_counter() - started, 2)
        for label, keys in (("functions", ["f"]), ("layers", ["escape", "enter"])):
            lag.phase = f"{label}: rows taken in"
            opened = time.perf_counter()
            for key in keys:
                await pilot.press(key)
            await until(lambda: app.screen.query("ResourceTable")
                        and app.screen.table.total_rows
                        and getattr(app.screen, "rows_ready", True))
            open_s = time.perf_counter() - opened
            await pilot.pause()
            # What one keystroke costs the app itself: the filter (on the models) and the
            # drawing of every visible line of the table, with no test driver in between.
            lag.phase = f"{label}: filter keystrokes"
            table = app.screen.table
            work_ms = []
            for end in range(1, len(query) + 1):
                begun = time.perf_counter()
                table.filter_text = query[:end]
                for y in range(table.size.height):
                    table.render_line(y)
                work_ms.append((time.perf_counter() - begun) * 1000)
                await asyncio.sleep(0)
            table.filter_text = ""
            await pilot.pause()
            await pilot.press("slash")
            await pilot.pause()
            timings = []
            for char in query:
                begun = time.perf_counter()
                await pilot.press(char)
                await pilot.pause()
                timings.append((time.perf_counter() - begun) * 1000)
            await pilot.press("escape")
            await pilot.pause()
            results[label] = {"rows_shown_s": round(open_s, 2),
                              "filter_and_repaint_ms_worst": round(max(work_ms), 1),
                              "keystroke_ms_median": round(statistics.median(timings), 1),
                              "keystroke_ms_worst": round(max(timings), 1)}
    stalls = lag.stop()
    results["event_loop_worst_gap_ms"] = stalls
    results["event_loop_worst_gap_ms_overall"] = max(stalls.values())
    for label in ("functions", "layers"):
        results[label]["event_loop_worst_gap_ms"] = max(
            gap for phase, gap in stalls.items() if phase.startswith(label))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--functions", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10_000)
    args = parser.parse_args()
    clock.freeze(datetime(2026, 11, 22, 19, 0, tzinfo=UTC))
    inventory = synthetic_inventory(args.functions, args.versions)
    results = asyncio.run(measure(inventory, "svc-01"))
    # the layers screen filters 300 layers (3,000 versions) by the same keystrokes
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["limits"] = {"event_loop_stall_ms": 100, "filter_keystroke_ms": 50,
                         "peak_rss_mb": 400}
    results["function_count"] = args.functions
    results["layer_versions"] = sum(len(layer.versions) for layer in inventory.regions[0].layers)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
