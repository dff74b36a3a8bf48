"""Every benchmark in one run: results to JSON, and the README's table written from them.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/evidence.py --readme      # about 9 minutes on 2 cores

Runs, one process each so none measures another's memory or threads: ``scan.py`` (the
inventory against the AWS CLI loop and the critical path; again with a third of functions
given published versions, against ``--latest-only``), ``cache_load.py`` (the cache at 16,000
functions), ``inspect_layer.py`` (Range reads against a download), ``startup.py`` (start to
first painted screen) and ``ui_filter.py`` (the UI at 100,000 functions). Each figure is given
against its limit (issue 17) from the same run. ``--scan-args=--no-cli`` leaves out the AWS CLI
loop (over five minutes more). Writes ``benchmarks/results/evidence.json`` and, with
``--readme``, the table between the ``evidence`` markers in README.md. Not a test: it never
fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TIMES = "\N{MULTIPLICATION SIGN}"
README = HERE.parent / "README.md"
START, END = "<!-- evidence:start -->", "<!-- evidence:end -->"


def run(script: str, *extra: str) -> dict[str, Any]:
    print(f"running {script} {' '.join(extra)}", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, str(HERE / script), *extra], capture_output=True,
                          text=True, check=True, cwd=HERE.parent)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def table(results: dict[str, Any]) -> str:
    scan, inspect = results["scan"], results["inspect"]
    startup, ui = results["startup"], results["ui"]
    estate = scan["estate"]
    cold, warm = scan["layer_tui_cold"], scan["layer_tui_warm"]
    critical = scan["critical_path"]
    lines = [
        f"Machine: {results['machine']}. Date: {results['date']}. Command: "
        f"`{results['command']}`.{load_words(results)}",
        "",
        f"**Inventory** — {estate['regions']} regions {TIMES} "
        f"{estate['functions'] // estate['regions']:,} functions, {estate['layers']:,} layers, "
        f"{estate['layer_versions']:,} versions; "
        f"{scan['latency_s'] * 1000:.0f} ms added to every call; the sandbox (a process of its "
        f"own) enforces {scan['server_rate_limit_per_region']:.0f} requests/s per region; "
        f"layer-tui's limiter at {scan['client_rate_per_region']:.0f}/s.",
        "",
        "| what | wall time | API calls | throttled |",
        "|---|---|---|---|",
        f"| critical path: one region's {critical['api_calls']} ListFunctions pages in sequence "
        f"(model {scan['critical_path_model_s']:.1f} s) | {seconds(critical['seconds'])} | "
        f"{critical['api_calls']} | {critical['throttled']} |",
        f"| layer-tui's engine (in process), cold: every region's layers, versions and "
        f"consumers listed | **{seconds(cold['listed_s'])}** "
        f"({scan['layer_tui_listed_vs_critical_path']}{TIMES} the critical path) | — | — |",
        f"| layer-tui's engine, cold: … and every size (ListFunctions gives a consumed "
        f"version's; one GetLayerVersion for each of the {scan['unused_versions']} versions "
        f"no function uses) | **{seconds(cold['seconds'])}** "
        f"({scan['layer_tui_cold_vs_limit']}{TIMES} the limit: critical path + those calls "
        f"at the rate, {seconds(scan['layer_tui_cold_limit_s'])}) | {cold['api_calls']:,} | "
        f"{cold['throttled']} |",
        f"| layer-tui's engine, warm (sizes from the cache) | {seconds(warm['seconds'])} | "
        f"{warm['api_calls']:,} | {warm['throttled']} |",
    ]
    if "layer_tui_engine_warm" in scan:
        engine = scan["layer_tui_engine_warm"]
        lines.append(
            f"| layer-tui's engine, warm, as `inventory` runs it: a new session, the account "
            f"and regions looked up, then the scan (median of {len(engine['runs_s'])}) | "
            f"{seconds(engine['seconds'])} | {engine['api_calls']:,} | {engine['throttled']} |")
    for label, title in (("cold", "cold"), ("warm", "with its cache")):
        run = scan[f"layer_tui_process_{label}"]
        extra = ""
        if label == "warm" and "layer_tui_process_warm_minus_listing_warm_s" in scan:
            extra = (f" (median of {len(run['runs_s'])}: the engine as it runs it + "
                     f"**{scan['layer_tui_process_warm_minus_engine_warm_s']:.2f} s**, the "
                     f"warm listing alone + "
                     f"{scan['layer_tui_process_warm_minus_listing_warm_s']:.2f} s)")
        elif label == "warm":
            extra = f" (the engine + {scan['layer_tui_process_warm_minus_engine_warm_s']:.2f} s)"
        lines.append(f"| `layer-tui inventory --json`, a process, {title} | "
                     f"{seconds(run['seconds'])}{extra} | {run['api_calls']:,} | "
                     f"{run['throttled']} |")
    if "cli_listing" in scan:
        listing, sizes = scan["cli_listing"], scan["cli_sizes"]
        lines += [
            f"| AWS CLI loop: `list-functions`, `list-layers`, `list-layer-versions` per layer, "
            f"region after region | **{seconds(listing['seconds'])}** "
            f"({scan['cli_listing_vs_layer_tui_process_warm']}{TIMES} `inventory` with its "
            f"cache) | {listing['api_calls']:,} | {listing['throttled']} |",
            f"| AWS CLI loop: `get-layer-version` for sizes, {sizes['versions_asked']} of "
            f"{sizes['versions_total']:,} timed ({sizes['median_process_s']:.2f} s each), "
            f"projected to all | {scan['cli_total_projected_s']:,.0f} s in all "
            f"({scan['cli_total_vs_layer_tui_process_cold']}{TIMES} `inventory` cold) | "
            f"{sizes['api_calls']:,} timed | {sizes['throttled']} |",
        ]
    lines += published_lines(results)
    lines += [
        "",
        f"**Inspect** — the demo's `{inspect['layer']}` ({inspect['code_size']:,} bytes zipped, "
        f"{inspect['entries']:,} entries), {inspect['content_latency_s'] * 1000:.0f} ms before "
        "each response's first byte, bytes counted by the server.",
        "",
        "| how | wall time | bytes transferred | same listing |",
        "|---|---|---|---|",
        f"| layer-tui: Range reads of the central directory | "
        f"{inspect['range']['seconds']:.3f} s | {inspect['range']['bytes']:,} | "
        f"{'yes' if inspect['same_listing'] else 'NO'} |",
        f"| download the zip, list it with `zipfile` | "
        f"{inspect['download_and_zipfile']['seconds']:.3f} s | "
        f"{inspect['download_and_zipfile']['bytes']:,} | — |",
        "",
        f"**Start-up** — process start to screen, in a {startup['terminal']} pseudo-terminal; "
        "cold and cached against the inventory's estate and latency. Limits: painted in "
        f"{PAINT_LIMIT_S['cached']} s with the cache, {PAINT_LIMIT_S['cold']} s cold or in "
        f"`--demo`; every region's counts cold within {COUNTS_LIMIT}{TIMES} the engine's "
        f"listing ({seconds(cold['listed_s'])} above). The processor time is the app's own "
        "until painted, threads included (on a shared machine the wall time also waits for a "
        f"core). Each figure is the median of {startup.get('starts', 1)} starts.",
        "",
        "| start | first screen painted (its processor time) | every region's counts on screen "
        "(cached: from the cache) | every region complete (refreshed) |",
        "|---|---|---|---|",
    ]
    for label, title in (("cold", "cold (no cache)"), ("cached", "with the cache"),
                         ("demo", "`--demo` (starts its sandbox)")):
        event = startup[label]
        counts = seconds(event["listed"])
        if label == "cold" and event["listed"] is not None:
            counts += f" ({ratio(event['listed'], COUNTS_LIMIT * cold['listed_s'])})"
        lines.append(f"| {title} | {seconds(event['painted'])} "
                     f"({ratio(event['painted'], PAINT_LIMIT_S[label])}; "
                     f"{seconds(event.get('painted_cpu_s'))}) | {counts} | "
                     f"{seconds(event['complete'])} |")
    limits = ui.get("limits", {"event_loop_stall_ms": 100, "filter_keystroke_ms": 50,
                               "peak_rss_mb": 400})
    lines += [
        "",
        f"**UI** — the real app headless on {ui['function_count']:,} functions and "
        f"{ui['layer_versions']:,} layer versions; peak RSS {ui['peak_rss_mb']:.0f} MB "
        f"({ratio(ui['peak_rss_mb'], limits['peak_rss_mb'])}); the longest event-loop stall "
        f"from start to end {ui.get('event_loop_worst_gap_ms_overall', '—')} ms "
        f"({ratio(ui.get('event_loop_worst_gap_ms_overall'), limits['event_loop_stall_ms'])}),"
        f" by a probe on the app's loop. Limits: stall {limits['event_loop_stall_ms']} ms, "
        f"filter keystroke {limits['filter_keystroke_ms']} ms, {limits['peak_rss_mb']} MB.",
        "",
        "| screen | rows shown after | longest event-loop stall meanwhile | filter keystroke: "
        "filter + redraw (worst) | keystroke through the test driver (median) |",
        "|---|---|---|---|---|",
    ]
    for label, title in (("functions", f"Functions ({ui['function_count']:,} rows)"),
                         ("layers", f"Layers ({ui['layer_versions']:,} versions)")):
        screen = ui[label]
        stall, keystroke = screen["event_loop_worst_gap_ms"], screen["filter_and_repaint_ms_worst"]
        lines.append(f"| {title} | {screen['rows_shown_s']:.1f} s | "
                     f"{stall} ms ({ratio(stall, limits['event_loop_stall_ms'])}) | "
                     f"{keystroke:.0f} ms ({ratio(keystroke, limits['filter_keystroke_ms'])}) | "
                     f"{screen['keystroke_ms_median']:.0f} ms |")
    return "\n".join(lines)


#: Issue 17's limits for the start-up figures (part 3).
PAINT_LIMIT_S = {"cold": 1.0, "cached": 0.5, "demo": 1.0}
COUNTS_LIMIT = 1.2


def ratio(value: float | None, limit: float | None) -> str:
    """``0.83x the limit``: a figure against its limit from the same run."""
    if value is None or not limit:
        return "—"
    return f"{value / limit:.2f}{TIMES} the limit"


def load_words(results: dict[str, Any]) -> str:
    """The machine's load around the run: other work on it stretches every wall time (the
    ratios to limits from the same run less so)."""
    load = results.get("load_average")
    if not load:
        return ""
    return (f" Load average (1 minute) {load['start']:.1f} at the start, {load['end']:.1f} at "
            f"the end, on {os.cpu_count()} cores.")


def published_lines(results: dict[str, Any]) -> list[str]:
    """Published versions' cost (the default) against ``--latest-only``, and the cache."""
    lines: list[str] = []
    if "scan_published" in results:
        scan = results["scan_published"]
        ratio = scan["all_versions_vs_latest_only"]
        warm, latest = scan["layer_tui_warm"], scan["layer_tui_warm_latest_only"]
        aliases = warm["by_operation"].get("ListAliases", 0)
        lines += [
            "",
            f"**Published versions** (the default) against `--latest-only`, same estate with "
            f"{scan['estate']['published_share']:.0%} of functions given one or two published "
            "versions and an alias `prod`, in one run:",
            "",
            "| what | default (published versions) | `--latest-only` | ratio |",
            "|---|---|---|---|",
            f"| every region's consumer counts, cold | "
            f"{seconds(scan['layer_tui_cold']['listed_s'])} | "
            f"{seconds(scan['layer_tui_cold_latest_only']['listed_s'])} | "
            f"**{ratio['counts_s_cold']}{TIMES}** |",
            f"| every region's consumer counts, warm | {seconds(warm['listed_s'])} | "
            f"{seconds(latest['listed_s'])} | **{ratio['counts_s_warm']}{TIMES}** |",
            f"| … and the alias labels ({aliases:,} ListAliases, one per function with a "
            f"layered published version), warm | {seconds(warm['seconds'])} | "
            f"{seconds(latest['seconds'])} | {ratio['everything_s_warm']}{TIMES} |",
            f"| API calls, warm | {warm['api_calls']:,} | {latest['api_calls']:,} | "
            f"{ratio['api_calls_warm']}{TIMES} |",
        ]
    if "cache" in results:
        cache = results["cache"]
        lines += [
            "",
            f"**Cache** — {cache['functions']:,} functions ({cache['function_configurations']:,}"
            f" configurations), {cache['layer_versions']:,} versions: loaded in "
            f"{cache['load_s_median']:.3f} s ({cache['load_s_median'] / cache['load_limit_s']:.2f}"
            f"{TIMES} the {cache['load_limit_s']} s limit), saved in "
            f"{cache['save_s_median']:.3f} s, {cache['bytes'] / 1e6:.1f} MB on disk.",
        ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readme", action="store_true", help="rewrite the README's table")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "evidence.json")
    parser.add_argument("--scan-args", default="", help="extra arguments for scan.py")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "command": " ".join(["python", "benchmarks/evidence.py", *sys.argv[1:]]),
    }
    results["load_average"] = {"start": os.getloadavg()[0]}
    results["scan"] = run("scan.py", *args.scan_args.split())
    results["scan_published"] = run("scan.py", "--no-cli", "--published", "0.33",
                                    *args.scan_args.split())
    results["cache"] = run("cache_load.py")
    results["inspect"] = run("inspect_layer.py")
    results["startup"] = run("startup.py")
    results["ui"] = run("ui_filter.py")
    results["load_average"]["end"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = table(results)
    print(text)
    if args.readme:
        readme = README.read_text(encoding="utf-8")
        head, rest = readme.split(START, 1)
        _, tail = rest.split(END, 1)
        README.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
