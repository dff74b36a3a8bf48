"""A function's own runtime lifecycle is on its screen and in `function --json`.

Attack: a function on python3.6 (AWS blocked updates of it on 2022-08-29) shows only its
layers' findings; the operator plans a repin from its screen, and UpdateFunctionConfiguration
fails on AWS. A function on nodejs16.x (deprecated, updates blocked from 2027-03-03) gives no
hint that its repins have a deadline. Promise: the function view's findings say the runtime's
state in AWS's lifecycle: past block-update an error saying a repin will fail, deprecated a
warning naming the block day; a current runtime says nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from layer_tui.cli import main
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        lam = started.client("lambda", REGION)
        layer = lam.publish_layer_version(LayerName="util", Content={"ZipFile": tiny_zip()})
        for name, runtime in (("old", "python3.6"), ("aging", "nodejs16.x"),
                              ("current", "python3.13")):
            lam.create_function(FunctionName=name, Runtime=runtime, Handler="app.handler",
                                Role=started.execution_role_arn, Code={"ZipFile": tiny_zip()},
                                Layers=[layer["LayerVersionArn"]])
            lam.get_waiter("function_active_v2").wait(FunctionName=name)
        yield started


def runtime_findings(
    box: Sandbox, capsys: pytest.CaptureFixture[str], name: str
) -> list[dict[str, str]]:
    code = main(["function", name, "--json", "--endpoint-url", box.endpoint_url,
                 "--region", REGION])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [f for f in json.loads(out)["findings"]
            if f["message"].startswith("the function's runtime")]


@pytest.mark.frozen_clock(datetime(2026, 12, 1, 12, tzinfo=UTC))
def test_the_functions_runtime_says_where_it_stands(
    box: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    [blocked] = runtime_findings(box, capsys, "old")
    assert blocked["level"] == "error"
    assert "functions on it can no longer be updated: a repin will fail" in blocked["message"]
    assert "2022-08-29" in blocked["message"]
    [deprecated] = runtime_findings(box, capsys, "aging")
    assert deprecated["level"] == "warning"
    assert "no function updates (repins fail) from 2027-03-03" in deprecated["message"]
    assert runtime_findings(box, capsys, "current") == []
