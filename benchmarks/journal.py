"""Benchmark: start-up recovery and `u` planning on a journal of 200,000 journaled calls.

    .venv/bin/python benchmarks/journal.py [--calls 200000 --batch 50]

Builds the journal through ``Journal`` itself (rotation by size included; fsync off so the
build takes seconds, not hours): repin batches of ``--batch`` functions, every other one undone,
with deletes and publishes between them, the newest repin not undone, and one batch cut short
by a "crashed" process at the end. Then times, each the best of five:
- ``interrupted_work``: what start-up recovery reads before asking AWS anything;
- the journal part of ``u``: finding the newest repin batch not yet undone and its functions
  (``plan_undo`` then asks AWS about each function, which no journal layout changes);
- with ``--upgrade``, once: compacting the same history written as one file of the old
  layout (what the first start after an upgrade pays, once).
Each figure is printed as a ratio to the 0.2 s limit. Not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from layer_tui.aws.journal import Journal
from layer_tui.aws.recovery import interrupted_work

ACCOUNT = "123456789012"
REGION = "eu-west-1"
LIMIT = 0.2


def layer(name: str, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:{version}"


def build(journal: Journal, calls: int, batch_size: int) -> str:
    """Journal ``calls`` calls; the id of the newest repin batch (not undone)."""
    made = 0
    number = 0
    newest = ""

    def call(action: str, args: dict[str, object], batch: str | None = None,
             extra: dict[str, object] | None = None, result: dict[str, object] | None = None
             ) -> None:
        nonlocal made
        entry = journal.before(action, account=ACCOUNT, profile="p", region=REGION, args=args,
                               batch=batch, extra=extra)
        journal.after(entry, result=result or {})
        made += 1

    while made < calls:
        number += 1
        batch = f"repin-{number:06d}"
        functions = [f"svc-{n}" for n in range(batch_size)]
        marker = journal.before("Batch", account=ACCOUNT, profile="p", region=REGION,
                                args={"kind": "repin", "targets": functions}, batch=batch)
        before = [layer("base", 1), layer("geo", number), layer("tail", 1)]
        after = [layer("base", 1), layer("geo", number + 1), layer("tail", 1)]
        for name in functions:
            call("UpdateFunctionConfiguration",
                 {"FunctionName": name, "Layers": after, "RevisionId": f"r-{number}-{name}"},
                 batch, {"kind": "repin", "before": before, "after": after},
                 {"RevisionId": f"r2-{number}-{name}", "Layers": after})
        journal.after(marker, result={"moved": batch_size})
        newest = batch
        if number % 2 == 0:
            undo = f"undo-{batch}"
            marker = journal.before("Batch", account=ACCOUNT, profile="p", region=REGION,
                                    args={"kind": "undo", "targets": functions}, batch=undo,
                                    extra={"undoes": batch})
            for name in functions:
                call("UpdateFunctionConfiguration", {"FunctionName": name, "Layers": before},
                     undo, {"kind": "undo", "undoes": batch, "before": after, "after": before})
            journal.after(marker, result={"moved": batch_size})
        call("DeleteLayerVersion", {"LayerName": "geo", "VersionNumber": number},
             extra={"arn": layer("geo", number)})
        call("PublishLayerVersion", {"LayerName": "geo", "ZipBytes": 1000},
             result={"Version": number + 2, "LayerVersionArn": layer("geo", number + 2)})
    if number % 2 == 0:
        newest = f"repin-{number - 1:06d}"
    journal.before("Batch", account=ACCOUNT, profile="p", region=REGION,
                   args={"kind": "repin", "targets": ["svc-0"]}, batch="repin-cut")
    # Written by a process that has died since: the next start must find it.
    text = journal.path.read_text(encoding="utf-8")
    journal.path.write_text(text.replace(f'"pid":{os.getpid()},', '"pid":999999999,'),
                            encoding="utf-8")
    return newest


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    best, answer = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        answer = work()
        best = min(best, time.perf_counter() - start)
    return best, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=50, help="functions per repin batch")
    parser.add_argument("--upgrade", action="store_true",
                        help="also time compacting the history as one old-layout file")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="layer-tui-journal-"))
    try:
        journal = Journal(folder / "journal.jsonl", durable=False)
        started = time.perf_counter()
        newest = build(journal, options.calls, options.batch)
        built = time.perf_counter() - started
        files = [journal.path, *journal.older_files()]
        total = sum(p.stat().st_size for p in files)
        print(f"journal: {options.calls:,} calls in {len(files)} files, {total / 1e6:.1f} MB "
              f"(built in {built:.1f} s); current file {journal.path.stat().st_size / 1e6:.2f} MB")

        fresh = Journal(journal.path)
        seconds, work = best_of(5, lambda: interrupted_work(fresh))
        found = [w.batch for w in work]  # type: ignore[attr-defined]
        print(f"start-up recovery (interrupted_work): {seconds * 1000:.1f} ms = "
              f"{seconds / LIMIT:.2f}x the 0.2 s limit; finds {found}")

        def undo_target() -> tuple[str, int]:
            ledger = fresh.undo_ledger(ACCOUNT)
            batch = ledger.open_batches(ACCOUNT)[0]
            return batch, len(ledger.remaining(batch))

        seconds, target = best_of(5, undo_target)
        print(f"u planning, journal part (newest repin not undone): {seconds * 1000:.1f} ms = "
              f"{seconds / LIMIT:.2f}x the 0.2 s limit; finds {target} (expected {newest})")

        if not options.upgrade:
            return
        legacy = folder / "legacy" / "journal.jsonl"
        legacy.parent.mkdir()
        with legacy.open("wb") as out:
            for path in reversed(files):
                out.write(path.read_bytes())
        old = Journal(legacy)
        start = time.perf_counter()
        old.compact()
        once = time.perf_counter() - start
        print(f"once after an upgrade: compacting a one-file journal of "
              f"{legacy.with_name('journal.jsonl.1').stat().st_size / 1e6:.1f} MB: {once:.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
