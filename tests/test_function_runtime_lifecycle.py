"""A function's own runtime lifecycle is on its screen, in `function --json` and in a repin plan.

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
from pathlib import Path

import pytest

from layer_tui.aws.journal import Journal
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
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


@pytest.mark.frozen_clock(datetime(2026, 12, 1, 12, tzinfo=UTC))
def test_a_repin_plan_leaves_a_function_aws_will_not_update_and_says_why(
    box: Sandbox, tmp_path: Path
) -> None:
    """Attack: repin util to a new version across old (python3.6), aging (nodejs16.x) and
    current (python3.13). UpdateFunctionConfiguration on python3.6 fails on AWS: a plan that
    offers it sends a call that cannot succeed and reports a failure mid-batch. Promise: the
    plan blocks old, naming the runtime and the day AWS blocked updates; aging runs with a
    flag naming its deadline; applying moves aging and current and sends nothing for old."""
    lam = box.client("lambda", REGION)
    new = lam.publish_layer_version(LayerName="util", Content={"ZipFile": tiny_zip()})
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,),
                                       rate_per_second=500))
    ops = LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")
    plan = plan_repin(ops, REGION, new["LayerVersionArn"], ["old", "aging", "current"])
    items = {item.function: item for item in plan.items}
    assert items["old"].blocked is not None
    assert "python3.6" in items["old"].blocked and "2022-08-29" in items["old"].blocked
    assert items["aging"].blocked is None and items["current"].blocked is None
    assert any("nodejs16.x deprecated" in f and "2027-03-03" in f for f in items["aging"].flags)
    assert [i.function for i in plan.runnable] == ["aging", "current"]
    before = box.stats.calls("UpdateFunctionConfiguration")
    apply_repin(ops, plan)
    assert box.stats.calls("UpdateFunctionConfiguration") - before == 2
    old_layers = lam.get_function_configuration(FunctionName="old")["Layers"]
    assert [layer["Arn"] for layer in old_layers] != [new["LayerVersionArn"]]
