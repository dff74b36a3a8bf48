"""Benchmark: the inventory cache at 16,000 functions (8 regions x 2,000), load and save.

    .venv/bin/python benchmarks/cache_load.py
    .venv/bin/python benchmarks/cache_load.py --regions 8 --functions 2000 --out results/cache.json

The estate is built in memory (no sandbox): every function lists one or two of its region's
layer versions, a third of them with a published version too, as the scan would return them.
Measures ``InventoryCache.save`` and ``load`` (median of a few runs) and the snapshots' bytes.
Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sandbox_process import report

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.inventory import assemble_region
from layer_tui.aws.models import FunctionRef, Inventory, LayerVersion, RegionInventory

ACCOUNT = "123456789012"


def synthetic_region(name: str, functions: int, layers: int, versions: int) -> RegionInventory:
    rng = random.Random(name)
    prefix = f"arn:aws:lambda:{name}:{ACCOUNT}:layer:layer-"
    listed = [
        [LayerVersion(f"layer-{i:03d}", n, f"{prefix}{i:03d}:{n}", f"{prefix}{i:03d}", name,
                      "2026-11-22T19:00:00.000+0000", 300_000 + n, None, f"build {n}", None,
                      ("python3.12",), ("x86_64",))
         for n in range(1, versions + 1)]
        for i in range(layers)
    ]
    refs: list[FunctionRef] = []
    for index in range(functions):
        chosen = [rng.choice(rng.choice(listed)) for _ in range(rng.choice((1, 1, 2)))]
        arn = f"arn:aws:lambda:{name}:{ACCOUNT}:function:fn-{index:05d}"
        qualifiers = ["$LATEST"] + (["1"] if index % 3 == 0 else [])
        refs += [FunctionRef(f"fn-{index:05d}", arn, q, "python3.12", ("x86_64",), name,
                             "2026-11-22T19:00:00.000+0000", 1234,
                             tuple(v.arn for v in chosen),
                             tuple(v.code_size or 0 for v in chosen),
                             ("prod",) if q == "1" else ())
                 for q in qualifiers]
    return assemble_region(name, ACCOUNT, listed, {}, refs, True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=8)
    parser.add_argument("--functions", type=int, default=2000, help="per region")
    parser.add_argument("--layers", type=int, default=40, help="per region")
    parser.add_argument("--versions", type=int, default=10, help="per layer")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    regions = tuple(synthetic_region(f"region-{i}", args.functions, args.layers, args.versions)
                    for i in range(args.regions))
    inventory = Inventory(ACCOUNT, datetime.now(UTC),
                          tuple(r.__class__(**{**r.__dict__, "account": ACCOUNT})
                                for r in regions))
    root = Path(tempfile.mkdtemp(prefix="layer-tui-bench-cache-"))
    cache = InventoryCache(root=root)
    saves, loads = [], []
    loaded = None
    for _ in range(args.runs):
        started = time.perf_counter()
        cache.save(inventory)
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        loaded = cache.load(ACCOUNT)
        loads.append(time.perf_counter() - started)
    assert loaded is not None and loaded.regions == inventory.regions
    report({
        "functions": args.regions * args.functions,
        "function_configurations": sum(len(r.functions) for r in inventory.regions),
        "layer_versions": args.regions * args.layers * args.versions,
        "bytes": sum(p.stat().st_size for p in root.rglob("*.json")),
        "save_s_median": round(statistics.median(saves), 3),
        "load_s_median": round(statistics.median(loads), 3),
        "load_limit_s": 0.2,
    }, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
