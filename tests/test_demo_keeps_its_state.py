"""The demo keeps its own state, apart from a real account's, across restarts, until
``--demo --reset`` (issue 14, Deliver 9)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from layer_tui import cli
from layer_tui.aws import paths
from layer_tui.sandbox.seed import start_demo

REGION = "eu-west-1"


@pytest.fixture
def demo_state() -> Iterator[None]:
    paths.use_demo_state()
    yield
    paths.use_demo_state(False)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/kept_across_restarts.py", "VALUE = 1\n")
    return buffer.getvalue()


def _versions(sandbox: object, name: str) -> list[int]:
    client = sandbox.client("lambda", REGION)  # type: ignore[attr-defined]
    listed = client.list_layer_versions(LayerName=name)["LayerVersions"]
    return sorted(v["Version"] for v in listed)


def _layers_of(sandbox: object, function: str) -> list[str]:
    client = sandbox.client("lambda", REGION)  # type: ignore[attr-defined]
    config = client.get_function_configuration(FunctionName=function)
    return [layer["Arn"] for layer in config.get("Layers") or ()]


def test_the_demo_state_lives_in_a_folder_of_its_own(demo_state: None) -> None:
    """Attack: a demo session's journal lines and backups landed next to a real account's
    (and a demo "undo" could then read a real repin). Promise: with the demo's state on,
    journal, backups and cache all live under one demo folder, none of them where the real
    ones do; off again, the real paths come back unchanged."""
    from layer_tui.aws.journal import Journal

    root = paths.demo_root()
    demo = {"journal": paths.journal_path(), "backups": paths.backups_root(),
            "cache": paths.cache_root(), "journal object": Journal().path}
    paths.use_demo_state(False)
    real = {"journal": paths.journal_path(), "backups": paths.backups_root(),
            "cache": paths.cache_root(), "journal object": Journal().path}
    paths.use_demo_state()
    for kind, path in demo.items():
        assert path.is_relative_to(root), kind
        assert path != real[kind], kind
        assert not real[kind].is_relative_to(root), kind


def test_the_demos_changes_survive_a_restart_until_reset(demo_state: None) -> None:
    """Attack: publish, delete and repin in the demo, quit, start it again: every change was
    gone (the sandbox is seeded anew on each start and nothing was kept).
    Promise: the next start shows the published version, not the deleted one, and the
    function's new layer list; ``--demo --reset`` forgets them and the seed is back."""
    tape = paths.demo_tape_path()
    first = start_demo(tape)
    try:
        client = first.client("lambda", REGION)
        before = _versions(first, "cli-tools")
        published = client.publish_layer_version(
            LayerName="cli-tools", Content={"ZipFile": _zip()},
            CompatibleRuntimes=["python3.12"])
        client.delete_layer_version(LayerName="cli-tools", VersionNumber=before[0])
        config = client.get_function_configuration(FunctionName="audit-api")
        client.update_function_configuration(
            FunctionName="audit-api", Layers=[published["LayerVersionArn"]],
            RevisionId=config["RevisionId"])
    finally:
        first.stop()
    expected = sorted({*before, published["Version"]} - {before[0]})
    assert tape.is_file() and tape.is_relative_to(paths.demo_root())

    second = start_demo(tape)
    try:
        assert _versions(second, "cli-tools") == expected
        assert _layers_of(second, "audit-api") == [published["LayerVersionArn"]]
        content = second.client("lambda", REGION).get_layer_version(
            LayerName="cli-tools", VersionNumber=published["Version"])["Content"]
        assert content["CodeSha256"] == published["Content"]["CodeSha256"]
    finally:
        second.stop()

    assert paths.reset_demo_state() is True
    assert not paths.demo_root().exists()
    seeded = start_demo(tape)
    try:
        assert _versions(seeded, "cli-tools") == before
        assert _layers_of(seeded, "audit-api") != [published["LayerVersionArn"]]
    finally:
        seeded.stop()


def test_demo_reset_on_the_command_line_clears_only_the_demo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: ``--demo --reset`` must not touch a real account's journal; ``--reset``
    without ``--demo`` must not reset anything. Promise: the first empties the demo folder
    and leaves the real journal as it was; the second is one clear line, exit 2, and
    changes nothing."""
    real_journal = paths.journal_path()
    real_journal.parent.mkdir(parents=True, exist_ok=True)
    real_journal.write_text('{"real": true}\n')
    paths.use_demo_state()
    marker = paths.demo_tape_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("")
    paths.use_demo_state(False)

    assert cli.main(["--reset", "backups"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "--reset" in error and "--demo" in error
    assert marker.exists()

    assert cli.main(["--demo", "--reset", "backups", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["backups"] == []
    assert Path(listed["root"]).is_relative_to(paths.demo_root())  # the demo's backups
    assert not marker.exists()
    assert real_journal.read_text() == '{"real": true}\n'
    assert paths.journal_path() == real_journal  # the real paths are back after the run


def test_the_demo_tui_writes_its_own_cache(demo_state: None, monkeypatch: pytest.MonkeyPatch,
                                           ) -> None:
    """Attack: the demo TUI ran without a cache, so every start was cold and showed none of
    the last run's changes until the scan ended. Promise: it runs with a cache, in the demo's
    folder, keyed by no endpoint (the demo's port changes every run)."""
    from layer_tui.aws.session import SessionConfig
    from layer_tui.ui import launch

    seen: dict[str, object] = {}

    def run(self: object) -> None:
        seen["cache"] = self._cache  # type: ignore[attr-defined]

    monkeypatch.setattr(launch.LayerTuiApp, "run", run)
    assert launch.run_tui(SessionConfig(demo=True)) == 0
    cache = seen["cache"]
    assert cache is not None
    assert cache.root.is_relative_to(paths.demo_root())  # type: ignore[attr-defined]
    assert cache.endpoint_url is None  # type: ignore[attr-defined]
