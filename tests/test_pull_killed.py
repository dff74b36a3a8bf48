"""A pull killed outright leaves nothing behind for long, and never touches another's work.

Attack: `layer-tui pull` builds the tree in a hidden staging folder beside the destination and
moves it into place at the end. Killed for real (SIGKILL, a dropped SSH session) it cannot
remove that folder: every killed pull leaves a hidden `.DEST.pull-*` folder, possibly hundreds
of MB, that no one sees. Promise: the next pull to the same place removes every staging folder
whose process is gone and says so in one line; a staging folder of a pull still running (in
another pane) is left alone; a finished pull leaves no staging folder and no owner file in the
destination.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from layer_tui import cli
from layer_tui.aws.journal import this_process
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"
ROOT = Path(__file__).resolve().parents[1]


class KillOnRead(Interceptor):
    """SIGKILLs the child pull when it reads its version for the download (the second read:
    the first resolves the target), after the staging folder exists."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[str] | None = None
        self.reads = 0
        self.lock = threading.Lock()

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation != "GetLayerVersionByArn":
            return None
        with self.lock:
            self.reads += 1
            if self.reads != 2:
                return None
        assert self.child is not None
        os.kill(self.child.pid, signal.SIGKILL)
        self.child.wait(timeout=30)
        return ApiReply(500, [], b"")  # nobody is left to read it


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as started:
        yield started


def publish(box: Sandbox) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/tool.py", "print('tool')\n")
    return str(box.client("lambda", REGION).publish_layer_version(
        LayerName="tool", Content={"ZipFile": buffer.getvalue()},
        CompatibleRuntimes=["python3.12"])["LayerVersionArn"])


def staging_beside(destination: Path) -> list[Path]:
    return sorted(destination.parent.glob(f".{destination.name}.pull-*"))


def test_a_killed_pull_is_cleaned_up_by_the_next_and_a_live_one_is_not(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    arn = publish(box)
    destination = tmp_path / "opt"
    killer = KillOnRead()
    box.add_interceptor(killer, first=True)
    killer.child = subprocess.Popen(
        [sys.executable, "-m", "layer_tui", "pull", arn, "--to", str(destination),
         "--endpoint-url", box.endpoint_url, "--region", REGION],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=os.environ.copy(),
    )
    out, err = killer.child.communicate(timeout=120)
    assert killer.child.returncode == -signal.SIGKILL, (out, err)
    [left] = staging_beside(destination)  # what the killed pull could not remove
    assert not destination.exists()

    # A pull running now in another pane (this process: alive) to a second place.
    other = tmp_path / "other"
    live = tmp_path / f".{other.name}.pull-live"
    live.mkdir()
    (live / "owner.json").write_text(json.dumps(this_process()))

    code = cli.main(["pull", arn, "--to", str(destination), "--endpoint-url",
                     box.endpoint_url, "--region", REGION])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert staging_beside(destination) == [] and not left.exists()
    [said] = [line for line in err.splitlines() if "killed before it finished" in line]
    assert said.startswith("layer-tui: removed ") and str(left) in said
    assert sorted(p.name for p in destination.rglob("*")) == ["python", "tool.py"]

    code = cli.main(["pull", arn, "--to", str(other), "--endpoint-url", box.endpoint_url,
                     "--region", REGION])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert staging_beside(other) == [live] and (live / "owner.json").exists()
    assert "killed before it finished" not in err
