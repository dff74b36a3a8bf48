"""Changing a function's layers from its screen, by pilot against the sandbox over HTTP.

``[`` / ``]`` move the selected layer, ``x`` removes it, ``m`` repins it to another version of
its layer; each opens a preview and applies with ctrl+s; ``u`` undoes it. What AWS holds is
read back with GetFunctionConfiguration after each step.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from ui_fixtures import pilot_test
from waiting import wait_until

from layer_tui.aws.models import FunctionRef, restored_description
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.dialogs.function_layers import FunctionLayersDialog
from layer_tui.ui.screens.function import FunctionScreen
from layer_tui.ui.widgets import ResourceTable

REGION = "eu-west-1"
SIZE = (140, 44)
SHARED = "python/shared/__init__.py"


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """``api`` lists base:1, tools:1, geo:1 (base and tools both hold python/shared); geo has
    versions 1..3 and 4, a restored copy of 1."""
    with Sandbox(regions=(REGION,)) as sandbox:
        sandbox.revisions.update_seconds = 0.05
        lam = sandbox.client("lambda", REGION)

        def publish(name: str, files: dict[str, bytes], description: str = "") -> str:
            return str(lam.publish_layer_version(
                LayerName=name, Content={"ZipFile": zip_of(files)}, Description=description,
                CompatibleRuntimes=["python3.12"])["LayerVersionArn"])

        base = publish("base", {SHARED: b"base"})
        tools = publish("tools", {SHARED: b"tools"})
        geo = [publish("geo", {"python/geo.py": str(n).encode()}) for n in (1, 2, 3)]
        publish("geo", {"python/geo.py": b"1"}, restored_description("", "geo", 1))
        lam.create_function(
            FunctionName="api", Runtime="python3.12", Role=sandbox.execution_role_arn,
            Handler="app.handler", Code={"ZipFile": zip_of({"app.py": b"x"})},
            Layers=[base, tools, geo[0]],
        )
        yield sandbox


def make_app(box: Sandbox, **config: Any) -> LayerTuiApp:
    return LayerTuiApp(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                     rate_per_second=500.0, **config), endpoint_label="sandbox")


def layers_of(box: Sandbox) -> list[str]:
    config = box.client("lambda", REGION).get_function_configuration(FunctionName="api")
    return [layer["Arn"] for layer in config.get("Layers") or ()]


def layer(box: Sandbox, name: str, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{box.account_id}:layer:{name}:{version}"



async def open_api(app: LayerTuiApp, pilot: Any, box: Sandbox) -> FunctionScreen:
    await wait_until(pilot, lambda: app.inventory is not None, "the scan")
    ref = FunctionRef("api", f"arn:aws:lambda:{REGION}:{box.account_id}:function:api",
                      "$LATEST", "python3.12", ("x86_64",), region=REGION,
                      layers=tuple(layers_of(box)))
    screen = FunctionScreen(ref)
    app.push_screen(screen)
    await wait_until(pilot, lambda: screen.view is not None, "the function screen's reading")
    return screen


def select(screen: FunctionScreen, arn: str) -> None:
    screen.query_one(ResourceTable).select_key(arn)


def dialog_text(app: LayerTuiApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


def apply_done(app: LayerTuiApp) -> bool:
    return isinstance(app.screen, FunctionLayersDialog) and app.screen.report is not None


@pilot_test
async def test_move_up_previews_the_file_changing_hands_applies_and_u_undoes(
    box: Sandbox,
) -> None:
    """Attack: moving tools:1 before base:1 (both hold python/shared/__init__.py) flips which
    copy the function imports. Promise: ``[`` opens a preview naming that file and its new
    winner, ctrl+s makes AWS hold exactly the new order, and ``u`` puts the old one back."""
    app = make_app(box)
    original = layers_of(box)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(app, pilot, box)
        select(screen, original[1])
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionLayersDialog)
                         and app.screen.plan is not None, "the preview")
        text = dialog_text(app)
        assert f"/opt/{SHARED}: base:1 wins over tools:1 (was tools:1's)" in text
        assert "code + layers unzipped after:" in text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: apply_done(app), "the update")
        assert layers_of(box) == [original[1], original[0], original[2]]
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back on the function screen")
        await pilot.press("u")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "UndoDialog",
                         "the undo dialog")
        await wait_until(pilot, lambda: app.screen.query_one("#apply").disabled is False,
                         "the undo preview")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: layers_of(box) == original, "the undo")


@pilot_test
async def test_remove_and_repin_from_the_screen(box: Sandbox) -> None:
    """Attack: ``x`` on tools:1, then ``m`` on geo:1 where geo:4 (highest number) is only a
    restored copy of geo:1. Promise: the removal leaves base:1, geo:1 in order; the picker
    offers geo:3 (the newest build) first and by default, never the copy, and ctrl+s swaps
    geo:1 for geo:3 in place."""
    app = make_app(box)
    original = layers_of(box)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(app, pilot, box)
        select(screen, original[1])
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionLayersDialog)
                         and app.screen.plan is not None, "the removal preview")
        assert f"no longer shadowed: /opt/{SHARED}" in dialog_text(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: apply_done(app), "the removal")
        assert layers_of(box) == [original[0], original[2]]
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen and screen.view is not None
                         and len(screen.view.opt.layers) == 2, "the screen re-read")

        select(screen, original[2])
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionLayersDialog)
                         and app.screen.plan is not None, "the repin preview")
        dialog = app.screen
        assert isinstance(dialog, FunctionLayersDialog)
        picker = dialog.query_one("#target")
        options = [str(prompt) for prompt, _ in picker._options if _ is not picker.NULL]  # type: ignore[attr-defined]
        assert options[0].startswith("geo:3  (newest build")
        assert [o.split(" ")[0] for o in options] == ["geo:3", "geo:2", "geo:1", "geo:4"]
        assert picker.value == layer(box, "geo", 3)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: apply_done(app), "the repin")
        assert layers_of(box) == [original[0], layer(box, "geo", 3)]


@pilot_test
async def test_read_only_has_no_change_keys_on_the_function_screen(box: Sandbox) -> None:
    """Attack: ``[``, ``]``, ``x`` and ``m`` on the function screen of a read-only session.
    Promise: the keys are absent from the screen's bindings (footer, help), no dialog opens,
    and AWS holds the same list."""
    app = make_app(box, read_only=True)
    original = layers_of(box)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(app, pilot, box)
        select(screen, original[1])
        await pilot.pause()
        shown = {b.binding.description for b in screen.active_bindings.values()}
        assert not shown & {"Move up", "Move down", "Remove layer", "Repin layer"}
        for key in ("left_square_bracket", "right_square_bracket", "x", "m"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, FunctionLayersDialog)
        assert layers_of(box) == original
    writable = make_app(box)
    async with writable.run_test(size=SIZE) as pilot:
        screen = await open_api(writable, pilot, box)
        select(screen, original[1])
        await pilot.pause()
        shown = {b.binding.description for b in screen.active_bindings.values()}
        assert {"Move up", "Move down", "Remove layer", "Repin layer"} <= shown
