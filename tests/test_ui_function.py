"""The function screen and the flags of the functions and consumers tables, by pilot.

Against a sandbox over HTTP: an arm64 function on an x86_64-only layer that overlaps another
layer, and a function pinned to a version deleted after attaching. What the screen shows is
compared with what zipfile says of the very zips.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from ui_fixtures import pilot_test

from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.screens.functions import FunctionsScreen
from layer_tui.ui.widgets import ResourceTable
from layer_tui.ui.widgets.size_bar import compact_size

REGION = "eu-west-1"
SIZE = (140, 44)


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


#: Two layers that overlap in python/shared/__init__.py; the later one (tools) wins it.
BASE = zip_of({"python/shared/__init__.py": b"base", "python/base.py": b"b" * 5000})
TOOLS = zip_of({"python/shared/__init__.py": b"tools!", "python/tools.py": b"t"})


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        lam = started.client("lambda", REGION)

        def publish(name: str, archive: bytes, **extra: Any) -> str:
            return str(lam.publish_layer_version(
                LayerName=name, Content={"ZipFile": archive}, **extra)["LayerVersionArn"])

        def function(name: str, layers: list[str], **extra: Any) -> None:
            lam.create_function(FunctionName=name, Runtime="python3.12",
                                Role=started.execution_role_arn, Handler="app.handler",
                                Code={"ZipFile": zip_of({"app.py": b"x"})}, Layers=layers,
                                **extra)  # fmt: skip

        base = publish("base", BASE, CompatibleArchitectures=["x86_64"])
        tools = publish("tools", TOOLS)
        function("api", [base, tools], Architectures=["arm64"])
        geo = publish("geo", zip_of({"python/geo.py": b"1"}))
        publish("geo", zip_of({"python/geo.py": b"2"}))
        function("legacy", [geo])
        function("fine", [tools])
        lam.delete_layer_version(LayerName="geo", VersionNumber=1)
        yield started


def make_app(box: Sandbox) -> LayerTuiApp:
    config = SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,), rate_per_second=500.0)
    return LayerTuiApp(config, endpoint_label="sandbox")


def arn(box: Sandbox, name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{box.account_id}:function:{name}"


def table(app: LayerTuiApp) -> ResourceTable:
    return app.screen.query_one(ResourceTable)


def cells(app: LayerTuiApp, key: str) -> str:
    row = next(r for r in table(app).shown_rows if r.key == key)
    return " | ".join(cell.plain for cell in row.cells)


def shown(widget: Any) -> str:
    return str(widget.render())


async def settle(app: LayerTuiApp, pilot: Any) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


@pilot_test
async def test_deleted_and_architecture_flags_show_and_slash_deleted_filters(box: Sandbox) -> None:
    """Attack: a function pinned to a deleted version and an arm64 function on an x86_64-only
    layer, among healthy ones. Promise: the functions view flags each in a Flags column, and
    ``/deleted`` leaves exactly the pinned one; the consumers screen flags it too."""
    app = make_app(box)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FunctionsScreen)
        assert "deleted" in cells(app, arn(box, "legacy"))
        assert "architecture" in cells(app, arn(box, "api"))
        assert "deleted" not in cells(app, arn(box, "fine"))
        assert "architecture" not in cells(app, arn(box, "fine"))
        await pilot.press("slash", *"deleted", "enter")
        await pilot.pause()
        assert [row.key for row in table(app).shown_rows] == [arn(box, "legacy")]
        await pilot.press("escape")  # back to every function (clears nothing else)
        app.push_screen(ConsumersScreen(f"arn:aws:lambda:{REGION}:{box.account_id}:layer:base:1"))
        await settle(app, pilot)
        assert isinstance(app.screen, ConsumersScreen)
        assert "architecture" in cells(app, arn(box, "api"))


@pilot_test
async def test_enter_on_a_function_opens_its_screen_with_the_merged_opt(box: Sandbox) -> None:
    """Attack: two overlapping layers on an arm64 function, one of them x86_64-only. Promise:
    enter on the function (in the functions view) opens its screen: layers in merge order
    with zipped and unzipped sizes as zipfile counts them, the x86_64 layer flagged, the budget
    bar, and the merged /opt naming the shadowed file with the layer that wins it."""
    app = make_app(box)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        table(app).select_key(arn(box, "api"))
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FunctionScreen) and screen.view is not None
        base, tools = (f"arn:aws:lambda:{REGION}:{box.account_id}:layer:{n}:1"
                       for n in ("base", "tools"))  # fmt: skip
        assert [row.key for row in table(app).shown_rows] == [base, tools]
        row = cells(app, base)
        assert row.startswith("1 | base:1 | ") and "architecture" in row
        unzipped = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(BASE)).infolist())
        assert f"| {compact_size(unzipped)} |" in row and unzipped > 4096
        budget = shown(screen.query_one("#function-budget"))
        assert "code + layers unzipped" in budget and "% of 250 MiB" in budget
        assert "\N{FULL BLOCK}" in budget or "\N{LIGHT SHADE}" in budget
        opt = shown(screen.query_one("#function-opt"))
        assert "1 shadowed files" in opt or "1 shadowed file" in opt
        assert "/opt/python/shared/__init__.py  tools:1 over base:1" in opt
        facts = shown(screen.query_one("#function-facts"))
        assert "python3.12 on arm64" in facts and "handler app.handler" in facts
        assert "Active / last update Successful" in facts


@pilot_test
async def test_a_deleted_version_is_flagged_on_the_function_screen(box: Sandbox) -> None:
    """Attack: geo:1 deleted after legacy attached it. Promise: enter on legacy in the
    consumers-free functions view opens its screen with geo:1 flagged ``deleted`` and an error
    finding saying the next deploy fails."""
    app = make_app(box)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        table(app).select_key(arn(box, "legacy"))
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FunctionScreen) and screen.view is not None
        geo = f"arn:aws:lambda:{REGION}:{box.account_id}:layer:geo:1"
        assert "deleted" in cells(app, geo)
        findings = " ".join(shown(w) for w in screen.query(".finding-message"))
        assert "next deploy fails" in findings
