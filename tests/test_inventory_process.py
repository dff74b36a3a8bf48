"""``layer-tui inventory`` as a process: what its start and its end cost, and what they keep.

Attacks (on time, issue 17's "no process overhead"): the command imported boto3 (and with it
s3transfer) for a wrapper of the botocore session it never needed, a tenth of a second before
its first request; botocore's loader listed every installed service's folder (about 400, per
kind of model) before loading the three models the command uses; and the interpreter's teardown
freed the whole inventory object by object after the output was complete.

Promises: the command's process loads no boto3 and lists no service folder it does not use; its
quick exit loses nothing (the whole document through a pipe a slow reader empties, the warnings
on stderr, the exit code of a failure) and a reader that leaves early is no error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from org_accounts import tiny_zip

from layer_tui.cli import main
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.faults import CallHold

REGION = "eu-west-1"
#: Scanned only where a test asks (second): its calls can be held.
SLOW_REGION = "eu-north-1"
FUNCTIONS = 200


@pytest.fixture(scope="module")
def estate() -> Iterator[Sandbox]:
    """Enough consumers for a document larger than what a pipe holds (64 KiB)."""
    with Sandbox(regions=(REGION, SLOW_REGION)) as sandbox:
        lam = sandbox.client("lambda", REGION)
        arns = [
            lam.publish_layer_version(LayerName=name, Content={"ZipFile": tiny_zip(name)},
                                      CompatibleRuntimes=["python3.12"])["LayerVersionArn"]
            for name in ("geo", "auth")
        ]
        for n in range(FUNCTIONS):
            lam.create_function(
                FunctionName=f"orders-service-with-a-long-descriptive-name-{n:03d}",
                Runtime="python3.12", Role=sandbox.execution_role_arn, Handler="app.handler",
                Code={"ZipFile": tiny_zip(f"f{n}")}, Layers=arns,
            )
        yield sandbox


def _env(tmp_path: Path, sandbox: Sandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"), AWS_ENDPOINT_URL=sandbox.endpoint_url)
    return env


def _inventory(*python_options: str, regions: tuple[str, ...] = (REGION,)) -> list[str]:
    chosen = [option for region in regions for option in ("--region", region)]
    return [sys.executable, *python_options, "-m", "layer_tui", *chosen, "inventory", "--json"]


def test_the_command_loads_no_boto3(estate: Sandbox, tmp_path: Path) -> None:
    done = subprocess.run(_inventory("-X", "importtime"), env=_env(tmp_path, estate),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "botocore.session" in imported  # the measure sees the imports it should
    assert not {"boto3", "s3transfer"} & imported


def test_making_clients_lists_no_service_it_does_not_use(tmp_path: Path) -> None:
    """In a process of its own: the loader is the process's, made by its first session."""
    probe = """
import os, sys
import botocore
from botocore.exceptions import UnknownServiceError
from layer_tui.aws.session import AwsSession, SessionConfig

data = os.path.join(os.path.dirname(botocore.__file__), "data")
listed = []
real = os.listdir
def listdir(path="."):
    listed.append(os.path.abspath(path))
    return real(path)
os.listdir = listdir
session = AwsSession(SessionConfig(endpoint_url="http://127.0.0.1:9", regions=("eu-west-1",)))
for service in ("lambda", "sts", "account"):
    session._raw_client(service, "eu-west-1")
whole = [p for p in listed if p == data]
assert whole == [], f"the data folder was listed {len(whole)} times"
assert {os.path.basename(p) for p in listed} <= {"lambda", "sts", "account"}, listed
try:
    session.botocore_session().get_component("data_loader").load_service_model(
        "lambdax", "service-2")
except UnknownServiceError as exc:
    assert "lambda," in str(exc)  # a wrong name still hears every right one
else:
    raise AssertionError("an unknown service loaded")
print("ok")
"""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDPROBE", "AWS_SECRET_ACCESS_KEY": "probe"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_quick_exit_delivers_the_whole_document(
    estate: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _env(tmp_path, estate)
    child = subprocess.Popen(_inventory(), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    # Read a little at a time: the child blocks on a full pipe, long before its exit.
    chunks = []
    while chunk := child.stdout.read(4096):
        chunks.append(chunk)
    err = child.stderr.read()
    assert child.wait(timeout=60) == 0, err
    text = b"".join(chunks).decode()
    assert len(text) > 65536  # more than the pipe holds: the child waited on the reader
    through_the_pipe = json.loads(text)

    monkeypatch.setenv("AWS_ENDPOINT_URL", estate.endpoint_url)
    assert main(["--region", REGION, "inventory", "--json"]) == 0
    in_process = json.loads(capsys.readouterr().out)
    assert through_the_pipe["regions"] == in_process["regions"]
    consumers = through_the_pipe["regions"][0]["layers"][0]["versions"][0]["consumers"]
    assert len(consumers) == FUNCTIONS


def test_the_quick_exit_keeps_a_failures_code_and_lines(estate: Sandbox, tmp_path: Path) -> None:
    estate.faults.access_denied_regions = {REGION}
    try:
        done = subprocess.run(_inventory(), env=_env(tmp_path, estate), capture_output=True,
                              text=True, timeout=120)
    finally:
        estate.faults.access_denied_regions = set()
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"layer-tui: {REGION}: ") and "denied" in line, line
    assert json.loads(done.stdout)["regions"][0]["error"]["code"] == "AccessDeniedException"


def test_a_reader_that_leaves_early_is_no_error(estate: Sandbox, tmp_path: Path) -> None:
    child = subprocess.Popen(_inventory(), env=_env(tmp_path, estate), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.read(100).startswith(b"{")
    child.stdout.close()  # as `| head -c 100` does
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0, err
    assert err == ""


def test_a_reader_that_leaves_is_not_kept_waiting_for_the_scan(
    estate: Sandbox, tmp_path: Path
) -> None:
    """The first region is written while the second is still being listed (held); the reader
    takes a hundred bytes and leaves. The process ends there, quietly and with 0: it neither
    waits for the region no one will read nor fails flushing what it had buffered."""
    hold = CallHold("ListFunctions", region=SLOW_REGION)
    estate.faults.held_calls.append(hold)
    child = subprocess.Popen(_inventory(regions=(REGION, SLOW_REGION)),
                             env=_env(tmp_path, estate), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stderr is not None
        assert hold.wait_until_held(30)
        assert child.stdout.read(100).startswith(b"{")  # the first region is being written
        child.stdout.close()
        assert child.wait(timeout=30) == 0  # with the second region still held
        assert child.stderr.read() == b""
    finally:
        hold.release()
        estate.faults.held_calls.remove(hold)
        if child.poll() is None:
            child.kill()
