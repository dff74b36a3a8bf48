"""Regenerate ``screenshots/*.svg`` from the demo: ``python -m layer_tui.ui.screenshots [DIR]``.

Starts the demo sandbox, runs the app headless at 120x40 with the clock frozen and the endpoint
shown as "sandbox" (its port changes every run), walks regions → layers → versions → consumers
→ functions → a function → help, and saves each screen as SVG.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from layer_tui import clock
from layer_tui.aws.models import Inventory, Layer

SIZE = (120, 40)
#: Two days after the demo estate's anchor date, as the other screenshots and docs assume.
SCREENSHOT_NOW = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
LAYERS_REGION = "eu-west-1"


def _busiest_layer(inventory: Inventory, region: str) -> Layer:
    scanned = inventory.region(region)
    assert scanned is not None and scanned.layers, f"the demo has no layers in {region}"
    return max(scanned.layers, key=lambda layer: (len(layer.versions), layer.consumer_count))


async def _shoot(endpoint_url: str, out: Path) -> list[Path]:
    from layer_tui.aws.session import SessionConfig
    from layer_tui.ui.app import LayerTuiApp
    from layer_tui.ui.screens.consumers import ConsumersScreen
    from layer_tui.ui.screens.versions import VersionsScreen

    app = LayerTuiApp(SessionConfig(endpoint_url=endpoint_url, demo=True), endpoint_label="sandbox")
    saved: list[Path] = []

    async def save(name: str) -> None:
        await pilot.pause()
        saved.append(Path(app.save_screenshot(f"{name}.svg", str(out))))

    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await save("regions")
        assert app.inventory is not None
        app.navigator.go_to_region(LAYERS_REGION)
        await save("layers")
        layer = _busiest_layer(app.inventory, LAYERS_REGION)
        app.push_screen(VersionsScreen(layer.arn))
        await save("versions")
        used = max(layer.versions[1:] or layer.versions, key=lambda v: len(v.consumers))
        app.push_screen(ConsumersScreen(used.arn))
        await save("consumers")
        await pilot.press("t")
        await save("consumers-drift")
        await pilot.press("escape", "escape", "f")
        await save("functions")
        await pilot.press("enter")  # the first function's screen, its merged /opt read
        await app.workers.wait_for_complete()
        await save("function")
        await pilot.press("escape")
        await pilot.press("escape", "question_mark")
        await save("help")
    return saved


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    # The sandbox accepts any credentials; boto3 still wants some to sign with.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "demo")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "demo")
    from layer_tui.sandbox.seed import start_demo

    clock.freeze(SCREENSHOT_NOW)
    sandbox = start_demo()
    try:
        for path in asyncio.run(_shoot(sandbox.endpoint_url, out)):
            print(path)
    finally:
        sandbox.stop()
        clock.freeze(None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
